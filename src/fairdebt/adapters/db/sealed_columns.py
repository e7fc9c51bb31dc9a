"""Every column stored sealed (crypto.Sealed), by table: what `fairdebt keys` counts and
re-encrypts, and what the start-up check opens.

Rotation works on the stored text, never the decrypted values, so it reads and writes these
columns through `raw` (the names alone, plain Text, no encrypting type). A new sealed column
is one more entry here; tests/unit/test_sealedcols_registry.py fails while a `Sealed` column of
the schema is missing from this list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class SealedTable:
    """A table's sealed columns and the unique, ordered id that batches walk along."""

    name: str
    id: str
    id_type: type[sa.types.TypeEngine[Any]]
    columns: tuple[str, ...]
    raw: sa.TableClause = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        clause = sa.table(
            self.name,
            sa.column(self.id, self.id_type()),
            *(sa.column(name, sa.Text()) for name in self.columns),
        )
        object.__setattr__(self, "raw", clause)

    def where(self, column: str) -> str:
        """The associated data a value of `column` is sealed with ("outbox.body")."""
        return f"{self.name}.{column}"


SEALED_TABLES: tuple[SealedTable, ...] = (
    SealedTable("borrowers", "id", sa.String, ("national_id", "phones", "email", "address")),
    SealedTable("outbox", "id", sa.Integer, ("recipient", "subject", "body")),
)
