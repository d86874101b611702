"""Alembic environment: always run by qpvdesk on a connection it already holds in a transaction."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import TypeDecorator

from qpvdesk.core.domain.models import Base


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our column types as their plain SQL type: revisions must not import the models."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic command line is not how we migrate
    raise RuntimeError("qpvdesk migrations run through qpvdesk.core.storage.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
