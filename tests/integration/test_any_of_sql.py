"""`any_of`: one SQL text for any number of values on PostgreSQL, the same rows everywhere."""

from __future__ import annotations

from sqlalchemy import select, text

from fairdebt.adapters.db.any_of import any_of
from fairdebt.adapters.db.tables import borrowers


def _borrowers(engine, count: int) -> None:
    with engine.begin() as conn:
        for i in range(count):
            conn.execute(
                text(
                    "INSERT INTO borrowers (id, name, phones, timezone) VALUES (:i, 'n', '', 'UTC')"
                ),
                {"i": f"B{i:04d}"},
            )


def test_any_of_finds_the_same_rows_for_few_and_many_values(engine) -> None:
    _borrowers(engine, 30)
    many = [f"B{i:04d}" for i in range(0, 1200, 2)]  # 600 values, 15 of them stored

    with engine.connect() as conn:
        few = conn.scalars(select(borrowers.c.id).where(any_of(conn, borrowers.c.id, ["B0003"])))
        found = conn.scalars(select(borrowers.c.id).where(any_of(conn, borrowers.c.id, many)))
        none = conn.scalars(select(borrowers.c.id).where(any_of(conn, borrowers.c.id, [])))

        assert list(few) == ["B0003"]
        assert sorted(found) == [f"B{i:04d}" for i in range(0, 30, 2)]
        assert list(none) == []


def test_on_postgresql_the_statement_text_does_not_depend_on_the_count(engine) -> None:
    with engine.connect() as conn:
        texts = {
            str(select(borrowers.c.id).where(any_of(conn, borrowers.c.id, ids)).compile(conn))
            for ids in (["a"], ["a", "b", "c"], [str(i) for i in range(500)])
        }
        if conn.dialect.name == "postgresql":
            assert len(texts) == 1
            assert "ANY" in texts.pop()
        else:  # SQLite keeps the expanding IN (its statements are parsed in C)
            assert all("IN" in t for t in texts)
