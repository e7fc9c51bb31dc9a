"""pytest imports test files by their base name (no packages under tests/): two files with one
name break collection of the whole suite, so every test file's name is unique."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_files_share_a_name() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))

    assert {name: n for name, n in names.items() if n > 1} == {}
