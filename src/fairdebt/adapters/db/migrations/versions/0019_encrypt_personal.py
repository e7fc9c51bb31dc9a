"""encrypt_personal: ID numbers, phones, e-mail and addresses encrypted at rest

Revision ID: 0019_encrypt_personal
Revises: 0018_visit_media
Create Date: 2026-12-07 14:00:00

Creates borrower_lookup (the blind index of phones and e-mail, adapters/db/lookup_tables.py),
widens borrowers.national_id to text (a sealed value is longer than 32 characters), then seals
every stored value in batches with the active key and indexes it. Downgrade opens them again.
The keys are the application's (adapters/db/crypto.py): the key file is made on first use.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fairdebt.adapters.db.crypto import PREFIX, Keyring, keyring
from fairdebt.adapters.db.lookup_repos import digests

revision = "0019_encrypt_personal"
down_revision = "0018_visit_media"
branch_labels = None
depends_on = None

BATCH = 2_000
SEALED = ("national_id", "phones", "email", "address")

# The columns as stored: plain text, so this migration sees the bytes, not the decrypted values.
_raw = sa.table(
    "borrowers",
    sa.column("id", sa.String()),
    *(sa.column(name, sa.Text()) for name in SEALED),
)
_lookup = sa.table(
    "borrower_lookup",
    sa.column("kind", sa.String()),
    sa.column("digest", sa.String()),
    sa.column("borrower_id", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "borrower_lookup",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["borrowers.id"],
            name=op.f("fk_borrower_lookup_borrower_id_borrowers"),
        ),
        sa.PrimaryKeyConstraint("kind", "digest", "borrower_id", name=op.f("pk_borrower_lookup")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_borrower_lookup_borrower_id", "borrower_lookup", ["borrower_id"], unique=False
    )
    _national_id_type(sa.Text(), sa.String(length=32))
    ring = keyring()
    _rewrite(lambda name, value: _seal(ring, name, value), index=ring)


def downgrade() -> None:
    ring = keyring()
    _rewrite(lambda name, value: _open(ring, name, value), index=None)
    _national_id_type(sa.String(length=32), sa.Text())
    op.drop_index("ix_borrower_lookup_borrower_id", table_name="borrower_lookup")
    op.drop_table("borrower_lookup")


def _national_id_type(new: sa.types.TypeEngine[str], old: sa.types.TypeEngine[str]) -> None:
    """PostgreSQL enforces VARCHAR(32): the column is altered. SQLite does not, but the schema
    must say TEXT there too (the drift test compares types). Rebuilding the table would break
    the foreign keys into it inside this transaction, so the declared type is edited in the
    schema text instead — both types have TEXT affinity, the stored rows are unchanged (the
    procedure of sqlite.org/lang_altertable.html, "other kinds of table schema changes")."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("borrowers", "national_id", type_=new, existing_type=old)
        return
    before = "national_id VARCHAR(32)" if isinstance(new, sa.Text) else "national_id TEXT"
    after = "national_id TEXT" if isinstance(new, sa.Text) else "national_id VARCHAR(32)"
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    changed = bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
        "WHERE type = 'table' AND name = 'borrowers' AND instr(sql, ?) > 0",
        (before, after, before),
    ).rowcount
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    if changed != 1:
        raise RuntimeError(f"borrowers.national_id is not declared {before} as expected")


def _seal(ring: Keyring, name: str, value: str | None) -> str | None:
    if not value or value.startswith(PREFIX + ":"):
        return value
    return ring.seal(value, f"borrowers.{name}")


def _open(ring: Keyring, name: str, value: str | None) -> str | None:
    if not value or not value.startswith(PREFIX + ":"):
        return value
    return ring.open(value, f"borrowers.{name}")


def _rewrite(change: object, index: Keyring | None) -> None:
    """Rewrite every borrower's sealed columns with `change`, a batch at a time by id; with
    `index`, index each borrower's phones and e-mail (plain text of the new values)."""
    bind = op.get_bind()
    after = ""
    while True:
        rows = bind.execute(
            sa.select(_raw).where(_raw.c.id > after).order_by(_raw.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        plain = [(r.id, *(_open_any(index, n, getattr(r, n)) for n in SEALED)) for r in rows]
        updates = [
            {"key": r.id, **{n: change(n, getattr(r, n)) for n in SEALED}}  # type: ignore[operator]
            for r in rows
        ]
        bind.execute(
            _raw.update().where(_raw.c.id == sa.bindparam("key")),
            updates,
        )
        if index is not None:
            found = set().union(*(digests(p[0], p[2], p[3], index) for p in plain))
            bind.execute(_lookup.delete().where(_lookup.c.borrower_id.in_([p[0] for p in plain])))
            if found:
                bind.execute(
                    _lookup.insert(),
                    [{"kind": k, "digest": d, "borrower_id": b} for k, d, b in sorted(found)],
                )
        after = rows[-1].id


def _open_any(ring: Keyring | None, name: str, value: str | None) -> str | None:
    """The plain text of a value that may already be sealed (a re-run after a partial one)."""
    return _open(ring, name, value) if ring is not None else value
