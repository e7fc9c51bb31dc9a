"""Copies of SQLite databases built once: a test or a module starts from a copy of a migrated
(and maybe filled) file instead of building its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_database(source: Path, target: Path) -> None:
    """SQLite's own online backup: a consistent copy whatever is still in the source's WAL."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
