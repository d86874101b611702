"""Bundled data: the built-in contract, fonts and icons."""
