"""qpvdesk: the desktop companion of a town's contrat de ville."""

__version__ = "0.1.0"
