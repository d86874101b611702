"""Alembic migrations of the qpvdesk schema."""
