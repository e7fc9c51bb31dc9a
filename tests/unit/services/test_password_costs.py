"""The production password hasher keeps its Argon2id costs: the test suite hashes its passwords
at small costs (tests/cheap_hashes.py), so this is where the real costs are checked."""

from __future__ import annotations

import re

import cheap_hashes


def test_passwords_are_hashed_with_argon2id_at_64_mib_three_passes_four_lanes() -> None:
    stored = cheap_hashes.PRODUCTION().hash("s3cret-pass")

    found = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+", stored)
    assert found is not None, stored
    assert tuple(int(n) for n in found.groups()) == (65536, 3, 4)
    assert cheap_hashes.PRODUCTION().verify("s3cret-pass", stored)
    assert not cheap_hashes.PRODUCTION().verify("s3cret-pasS", stored)


def test_a_cheap_test_hash_checks_through_the_production_hasher_too() -> None:
    """Subprocesses started by tests keep the production hasher: they must accept these hashes."""
    stored = cheap_hashes.CHEAP.hash("s3cret-pass")

    assert cheap_hashes.PRODUCTION().verify("s3cret-pass", stored)
    assert not cheap_hashes.PRODUCTION().verify("wrong-pass", stored)
