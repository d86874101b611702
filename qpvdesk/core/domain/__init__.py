"""Typed SQLAlchemy models, enums, money and workflow rules."""
