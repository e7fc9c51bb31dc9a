"""Argon2id at small costs for the passwords tests hash.

The production hasher (services/users.py: pwdlib's Argon2id defaults, 64 MiB and three passes)
takes about half a second of both cores per hash and per check, and the suite signs its personas
in some thousands of times. Verifying reads the costs from the stored hash, so hashing the test
passwords cheaply makes every later check cheap too, through the same code path: a wrong
password is still refused, a right one still accepted. `PRODUCTION` keeps the real hasher, whose
costs tests/unit/services/test_password_costs.py pins.
"""

from __future__ import annotations

from collections.abc import Callable

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from fairdebt.services import users

PRODUCTION: Callable[[], PasswordHash] = users._hasher
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


def install() -> None:
    """For the whole test process (module-scoped fixtures create users before any per-test
    fixture runs). Subprocesses keep the production hasher, and check these hashes quickly."""
    users._hasher = lambda: CHEAP  # type: ignore[assignment]
