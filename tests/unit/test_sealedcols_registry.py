"""Key rotation and the start-up check know every sealed column: the registry they walk
(adapters/db/sealed_columns.py) names exactly the schema's `Sealed` columns, each with the
associated data its values are sealed with."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairdebt.adapters.db.crypto import Sealed
from fairdebt.adapters.db.schema import metadata
from fairdebt.adapters.db.sealed_columns import SEALED_TABLES


def test_the_registry_names_every_sealed_column_of_the_schema() -> None:
    in_schema = {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Sealed)
    }
    registered = {(t.name, c) for t in SEALED_TABLES for c in t.columns}

    assert registered == in_schema
    assert {"outbox"} < {t.name for t in SEALED_TABLES}


def test_each_column_is_sealed_for_its_own_table_and_column() -> None:
    for table in SEALED_TABLES:
        schema = metadata.tables[table.name]
        assert [c.name for c in schema.primary_key.columns] == [table.id]
        for name in table.columns:
            sealed = schema.c[name].type
            assert isinstance(sealed, Sealed) and sealed.where == table.where(name)
            assert table.raw.c[name].type.__class__.__name__ == "Text"  # the stored text


def test_the_start_up_check_names_a_lost_server_in_one_line_not_a_traceback(tmp_path: Path) -> None:
    """The server going away while the keys are checked (a cut connection at start-up) is a
    DatabaseError with cause and hint, as everywhere else, not a driver traceback."""
    from fairdebt.adapters.db.crypto import check_keyring
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.errors import DatabaseError

    damaged = tmp_path / "fairdebt.db"
    damaged.write_bytes(b"not a database, " * 512)
    engine = make_engine(f"sqlite:///{damaged}")
    try:
        with pytest.raises(DatabaseError) as caught:
            check_keyring(engine)
    finally:
        engine.dispose()
    assert "damaged or not SQLite" in str(caught.value) and caught.value.hint
