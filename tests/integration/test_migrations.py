"""The Alembic migrations and the table definitions must describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fairdebt.adapters.db.migrate import current_revision, head_revision
from fairdebt.adapters.db.schema import metadata


def test_migrations_reach_head_and_match_the_tables(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = compare_metadata(context, metadata)

    assert current_revision(engine) == head_revision()
    assert drift == [], f"tables and migrations differ: {drift}"


def test_upgrading_twice_changes_nothing(engine) -> None:
    from fairdebt.adapters.db.migrate import upgrade

    upgrade(engine)

    assert current_revision(engine) == head_revision()


def test_the_drift_check_sees_a_column_the_migrations_lack(engine) -> None:
    from sqlalchemy import Column, MetaData, Text

    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["cases"].append_column(Column("nickname", Text))

    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), drifted)

    assert any(d[0] == "add_column" and d[3].name == "nickname" for d in drift)
