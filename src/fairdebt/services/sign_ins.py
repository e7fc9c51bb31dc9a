"""Sign-in throttling: too many wrong passwords lock a user name, or a client, for a while.

Every attempt is kept (user name as typed, lower-cased; the client's address; whether it
succeeded). Before a password is checked, `locked_until` counts the failures within the window:

- for the user name, those since its last success: `max_failures` of them lock the name, so
  guessing one person's password is slow from any number of addresses;
- for the client, all of them: `CLIENT_FACTOR` × `max_failures` lock the address, so one
  client cannot try many names (a success does not reset this count: a single valid account
  must not launder an attacker's guesses).

A lock ends when the oldest counted failure leaves the window. While locked the password is
not checked at all, and the attempt is not recorded (waiting must end the lock). An attempt is
counted as a failure before its password is checked, under a lock, so parallel guesses cannot
all slip through the check together (`attempt`). The attempts
are also the security record of who signed in from where; nothing here stores a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fairdebt.services.users import User, authenticate

if TYPE_CHECKING:
    from fairdebt.services.ports import UnitOfWork

CLIENT_FACTOR = 4  # failures one client may make across all names, per user name's allowance


@dataclass(frozen=True, slots=True)
class Throttle:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a sign-in attempt came to: the user (None: refused), or the end of a lock."""

    user: User | None
    locked_until: datetime | None = None


def _name(username: str) -> str:
    return username.strip().lower()


def locked_until(
    uow: UnitOfWork, username: str, client: str, now: datetime, throttle: Throttle
) -> datetime | None:
    """The instant the user name and the client may try again, or None when they may now."""
    name, since = _name(username), now - throttle.window
    with uow:
        last_ok = uow.sign_ins.last_success(name)
        by_name = uow.sign_ins.failures(
            username=name,
            after=max(since, last_ok) if last_ok else since,
            limit=throttle.max_failures,
        )
        by_client = uow.sign_ins.failures(
            client=client, after=since, limit=throttle.max_failures * CLIENT_FACTOR
        )
    ends = [
        _lock_end(by_name, throttle.max_failures, throttle.window),
        _lock_end(by_client, throttle.max_failures * CLIENT_FACTOR, throttle.window),
    ]
    found = [end for end in ends if end is not None and end > now]
    return max(found) if found else None


def _lock_end(recent: list[datetime], cap: int, window: timedelta) -> datetime | None:
    """When the cap-th most recent failure leaves the window (None: fewer than cap failures)."""
    if len(recent) < cap:
        return None
    return recent[cap - 1] + window


def record(uow: UnitOfWork, username: str, client: str, ok: bool, now: datetime) -> None:
    """Keep one attempt."""
    with uow:
        uow.sign_ins.add(now, _name(username), client, ok)
        uow.commit()


def attempt(
    uow: UnitOfWork, username: str, password: str, client: str, now: datetime, throttle: Throttle
) -> Attempt:
    """One sign-in: refused unchecked while locked; else counted as a failure first, then the
    password is checked, and a right one turns the failure into a success.

    Counting and recording happen in one transaction holding the user name's and the client's
    lock (`sign_ins.lock`), so parallel guesses are counted one after another: however many
    arrive at once, at most the allowance get their password checked. The password is checked
    after that transaction, so the slow hash holds no lock."""
    name = _name(username)
    with uow:
        uow.sign_ins.lock(name, client)
        until = locked_until(uow, name, client, now, throttle)
        if until is not None:
            return Attempt(None, until)
        attempt_id = uow.sign_ins.add(now, name, client, False)
        uow.commit()
    user = authenticate(uow, username, password)
    if user is not None:
        with uow:
            uow.sign_ins.succeeded(attempt_id)
            uow.commit()
    return Attempt(user)
