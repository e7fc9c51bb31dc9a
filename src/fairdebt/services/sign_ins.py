"""Sign-in throttling: too many wrong passwords lock a user name, or a client, for a while.

Every attempt is a row of `sign_ins` (user name as typed, lower-cased; the client's address;
whether it succeeded). Before a password is checked, `locked_until` counts the failures within
the window:

- for the user name, those since its last success: `max_failures` of them lock the name, so
  guessing one person's password is slow from any number of addresses;
- for the client, all of them: `CLIENT_FACTOR` × `max_failures` lock the address, so one
  client cannot try many names (a success does not reset this count: a single valid account
  must not launder an attacker's guesses).

A lock ends when the oldest counted failure leaves the window. While locked the password is
not checked at all, and the attempt is not recorded (waiting must end the lock). The rows are
also the security record of who signed in from where; nothing here reads a password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from fairdebt.adapters.db.tables import sign_ins

CLIENT_FACTOR = 4  # failures one client may make across all names, per user name's allowance
CLIENT_WIDTH = 64  # the column's width: longer addresses are cut, not refused


@dataclass(frozen=True, slots=True)
class Throttle:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def locked_until(
    conn: Connection, username: str, client: str, now: datetime, throttle: Throttle
) -> datetime | None:
    """The instant the user name and the client may try again, or None when they may now."""
    name, since = username.strip().lower(), _iso(now - throttle.window)
    last_ok = conn.scalar(
        select(func.max(sign_ins.c.at)).where(sign_ins.c.username == name, sign_ins.c.ok)
    )
    by_name = [sign_ins.c.username == name, sign_ins.c.at > max(since, last_ok or "")]
    by_client = [sign_ins.c.client == client[:CLIENT_WIDTH], sign_ins.c.at > since]
    limits = ((by_name, throttle.max_failures), (by_client, throttle.max_failures * CLIENT_FACTOR))
    ends = [_lock_end(conn, where, cap, throttle.window) for where, cap in limits]
    found = [end for end in ends if end is not None and end > now]
    return max(found) if found else None


def _lock_end(
    conn: Connection, where: Sequence[ColumnElement[bool]], cap: int, window: timedelta
) -> datetime | None:
    """When the cap-th most recent failure leaves the window (None: fewer than cap failures)."""
    recent = conn.scalars(
        select(sign_ins.c.at)
        .where(*where, sign_ins.c.ok.is_(False))
        .order_by(sign_ins.c.at.desc())
        .limit(cap)
    ).all()
    if len(recent) < cap:
        return None
    return datetime.fromisoformat(recent[-1]) + window


def record(conn: Connection, username: str, client: str, ok: bool, now: datetime) -> None:
    conn.execute(
        insert(sign_ins).values(
            at=_iso(now),
            username=username.strip().lower()[:64],
            client=client[:CLIENT_WIDTH],
            ok=ok,
        )
    )
