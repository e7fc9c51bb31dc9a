"""Server-side sign-in sessions: a session is a row, so ending it ends it everywhere.

Signing in makes a random token (32 bytes) that only the browser holds; the database keeps its
SHA-256 as the session's id. `resolve` turns a presented token into its user, or None when the
session is unknown, revoked, idle longer than `Lifetimes.idle`, past its absolute end, or its
user is gone or disabled. A copied cookie is therefore worth nothing once its session is revoked:
on sign-out, and for every session of a user whose password is reset or who is disabled
(services.users).

`last_seen_at` is written at most once per `TOUCH_EVERY`, so a busy page does not write on
every request; the idle timeout is exact to that minute.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fairdebt.services.ports.identity import User
from fairdebt.services.ports.sessions import WebSession

if TYPE_CHECKING:
    from fairdebt.services.ports import UnitOfWork

TOKEN_BYTES = 32
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long a session lives unused (`idle`), and at most (`absolute`)."""

    idle: timedelta = timedelta(hours=12)
    absolute: timedelta = timedelta(days=7)


def session_id(token: str) -> str:
    """The stored id of a token: its SHA-256 (hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(uow: UnitOfWork, user: User, now: datetime, lifetimes: Lifetimes) -> str:
    """Start a session for `user`; the token to give the browser (never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session = WebSession(
        id=session_id(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetimes.absolute,
    )
    with uow:
        uow.web_sessions.add(session)
        uow.commit()
    return token


def is_live(session: WebSession, now: datetime, lifetimes: Lifetimes) -> bool:
    """Not revoked, not past its absolute end, not idle too long."""
    return (
        session.revoked_at is None
        and now < session.expires_at
        and now < session.last_seen_at + lifetimes.idle
    )


def resolve(uow: UnitOfWork, token: str, now: datetime, lifetimes: Lifetimes) -> User | None:
    """The enabled user whose live session this token opens, or None; marks the session used."""
    with uow:
        session = uow.web_sessions.get(session_id(token))
        if session is None or not is_live(session, now, lifetimes):
            return None
        user = uow.users.get(session.user_id)
        if user is None or not user.active:
            return None
        touch(uow, session, now)
        uow.commit()
    return user


def touch(uow: UnitOfWork, session: WebSession, now: datetime) -> None:
    """Record the use when the last recorded one is at least TOUCH_EVERY old."""
    if now - session.last_seen_at < TOUCH_EVERY:
        return
    with uow:
        uow.web_sessions.touch(session.id, now)
        uow.commit()


def revoke(uow: UnitOfWork, token: str, now: datetime) -> None:
    """End the session this token opens (sign-out); an unknown token is no error."""
    with uow:
        uow.web_sessions.revoke(session_id(token), now)
        uow.commit()


def revoke_all_for_user(uow: UnitOfWork, user_id: str, now: datetime) -> int:
    """End every open session of the user; how many there were."""
    with uow:
        ended = uow.web_sessions.revoke_user(user_id, now)
        uow.commit()
    return ended
