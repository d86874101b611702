"""The schema itself refuses bad data (not only Python), and migrations equal the models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from qpvdesk.core.domain.models import Base
from qpvdesk.core.storage import migrate
from qpvdesk.core.storage.engine import make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    path = tmp_path / "schema.sqlite"
    sqlite3.connect(path).close()  # the engine never creates a file (a vanished one stays so)
    engine = make_engine(path)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO contract (id, name, town, start_year, end_year, created_at) "
                "VALUES (1, 'C', 'Ville', 2024, 2030, '2024-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO organisation (id, name, search_name, kind, created_at, updated_at) "
                "VALUES (1, 'Asso', 'asso', 'association', '2024-01-01', '2024-01-01'),"
                "       (2, 'État', 'etat', 'state', '2024-01-01', '2024-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO budget_line (id, funder_id, name, nature, active) "
                "VALUES (1, 2, 'BOP 147', 'specific', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO action (id, contract_id, title, holder_id, kind, state) "
                "VALUES (1, 1, 'Action', 1, 'call_for_projects', 'planned')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO dossier (id, reference, year, sequence, action_id, holder_id, state, "
                "total_cost, is_renewal, updated_at, search_text) "
                "VALUES (1, '2025-001', 2025, 1, 1, 1, 'received', 100000, 0, '2025-01-01', '')"
            )
        )
    yield engine
    engine.dispose()


def test_migrated_schema_equals_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrations_are_at_head(engine: Engine) -> None:
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert migrate.file_revision(raw) == migrate.head_revision()  # type: ignore[arg-type]


def test_head_read_from_the_scripts_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.head_revision() == scripts.get_current_head()
    assert migrate.known_revisions() == {script.revision for script in scripts.walk_revisions()}


def _refused(engine: Engine, sql: str) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(sql))


def test_negative_amounts_are_refused_by_the_database(engine: Engine) -> None:
    _refused(engine, "INSERT INTO envelope (budget_line_id, year, amount) VALUES (1, 2025, -1)")
    _refused(
        engine,
        "INSERT INTO funding (action_id, budget_line_id, year, requested) "
        "VALUES (1, 1, 2025, -500)",
    )
    _refused(engine, "UPDATE dossier SET total_cost = -1 WHERE id = 1")


def test_dossier_references_are_unique(engine: Engine) -> None:
    _refused(
        engine,
        "INSERT INTO dossier (reference, year, sequence, action_id, holder_id, state, "
        "total_cost, is_renewal, updated_at, search_text) "
        "VALUES ('2025-001', 2025, 2, 1, 1, 'received', 0, 0, '2025-01-01', '')",
    )


def test_unknown_states_are_refused(engine: Engine) -> None:
    _refused(engine, "UPDATE dossier SET state = 'lost' WHERE id = 1")


def test_required_values_are_required(engine: Engine) -> None:
    _refused(
        engine,
        "INSERT INTO organisation (search_name, kind, created_at, updated_at) "
        "VALUES ('x', 'other', '2024-01-01', '2024-01-01')",
    )


def test_an_organisation_holding_a_dossier_cannot_be_deleted(engine: Engine) -> None:
    _refused(engine, "DELETE FROM organisation WHERE id = 1")
    # A funder whose budget line exists cannot be deleted either.
    _refused(engine, "DELETE FROM organisation WHERE id = 2")


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    _refused(engine, "INSERT INTO funding (action_id, budget_line_id, year) VALUES (99, 1, 2025)")


def test_objective_tree_roots_are_priorities(engine: Engine) -> None:
    _refused(
        engine,
        "INSERT INTO objective (contract_id, parent_id, level, position, code, title) "
        "VALUES (1, NULL, 'operational', 0, 'X1', 'Orphelin')",
    )


def test_payments_are_positive_and_keep_their_funding_row(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO funding (id, action_id, budget_line_id, year, granted) "
                "VALUES (1, 1, 1, 2025, 500000)"
            )
        )
    _refused(engine, "INSERT INTO payment (funding_id, kind, amount) VALUES (1, 'advance', 0)")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO payment (funding_id, kind, amount) VALUES (1, 'advance', 350000)")
        )
    # A funding row with payments under it cannot silently disappear.
    _refused(engine, "DELETE FROM funding WHERE id = 1")
