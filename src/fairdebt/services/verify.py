"""Use cases: the verify code a collector reads out, and its lookup on the public /verify page.

A borrower called by someone who says they collect for a lender cannot tell a real collector
from a fraudster; the official portal can. On each call the collector is given a fresh code
(`issue`) and reads it out with the portal's address; the borrower types it in at /verify and
sees who called, for whom, about which case (its reference masked) and how long the code holds
(`lookup`). The borrower-protection side of the collection process: 《互联网金融逾期债务催收自律
公约（试行）》第十五条 (collectors state which institution they represent) and 12 CFR 1006.18(e)
(the collector identifies itself as a debt collector).

A code is 8 characters drawn with `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L),
shown as `XXXX-XXXX`: 31^8 ≈ 8.5 × 10^11 codes. Only its SHA-256 is stored: whoever reads the
table cannot read out a code.

Guessing is limited as well (`check`, the page's only way in): every code tried is kept with the
client's address and the code's first four characters (`verify_attempts`). A client with
`per_client` failed lookups within `client_window`, or a prefix with `per_prefix` failed lookups
(from any address) within `prefix_window`, is refused until the oldest counted failure leaves
the window: the code is not looked up then, and the refusal is not recorded (waiting must end
the lock). Counting, looking up and recording happen in one transaction holding the client's
and the prefix's lock, so parallel guesses from many workers are counted one after another
(as the sign-in throttle, services/sign_ins.py). docs/verify.md has the numbers and why.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.identity import User
from fairdebt.services.ports.verify import VerifyCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out and typed without doubt
LENGTH = 8
DEFAULT_TTL = timedelta(days=7)  # long enough for a borrower to check after the call
PREFIX = 4  # the characters of a code counted together by the per-prefix limit
KEEP_ATTEMPTS = timedelta(days=30)  # the attempts are the record of guessing; then forgotten


@dataclass(frozen=True, slots=True)
class GuessLimits:
    """How many failed lookups a client address, and a code prefix, may make in a window
    (FAIRDEBT_VERIFY_* settings, docs/verify.md)."""

    per_client: int = 10
    client_window: timedelta = timedelta(minutes=10)
    per_prefix: int = 20
    prefix_window: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Lookup:
    """What /verify says: `valid`, `expired` (with the record), or `unknown` (nothing)."""

    status: str
    record: VerifyCode | None = None

    @property
    def case_ref(self) -> str:
        return masked_case_ref(self.record.case_id) if self.record else ""


def shown(code: str) -> str:
    """`ABCD2345` → `ABCD-2345`, the way it is printed and read out."""
    return f"{code[:4]}-{code[4:]}"


def normalise(text: str) -> str | None:
    """The code a person typed, without spaces, dashes or case; None if it cannot be one."""
    code = "".join(c for c in text.upper() if c not in " -\t")
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def masked_case_ref(case_id: str) -> str:
    """`C-B0001234` → `C-…1234`: enough for the borrower to recognise, not to look it up."""
    prefix = case_id.split("-", 1)[0] + "-" if "-" in case_id else ""
    return f"{prefix}…{case_id[-4:]}"


def issue(
    uow: UnitOfWork,
    case_id: str,
    collector_user: User,
    agency: str | None,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    *,
    decision_id: str | None = None,
    visit_id: str | None = None,
    collector_name: str | None = None,
) -> str:
    """A new code for `collector_user` calling about `case_id`, valid for `ttl`; returned as
    shown (`XXXX-XXXX`), stored only as its hash. `agency`: whom the collector works for, or
    None in-house (the case's lender is named then). For a field visit's notice, `visit_id` and
    `collector_name` (the visiting agents' names and certificate numbers) say whom to expect."""
    with uow:
        organisation = agency or lender_of(uow, case_id)
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        uow.verify_codes.add(
            VerifyCode(
                code_hash=code_hash(code),
                case_id=case_id,
                user_id=collector_user.id,
                collector_name=collector_name or collector_user.display_name,
                organisation=organisation,
                in_house=agency is None,
                issued_at=now,
                expires_at=now + ttl,
                decision_id=decision_id,
                visit_id=visit_id,
            )
        )
        uow.commit()
    return shown(code)


def lender_of(uow: UnitOfWork, case_id: str) -> str:
    """The lender of the case's accounts (whom an in-house collector collects for)."""
    case = uow.cases.get(case_id)
    if case is None:
        raise FairdebtError(f"no case {case_id}", hint="check the case id")
    for debt in uow.directory.debts(case.borrower_id):
        account = uow.accounts.get(debt.id)
        if account is not None and account.lender:
            return account.lender
    return ""


def lookup(uow: UnitOfWork, code: str, now: datetime) -> Lookup:
    """What the code says at `now`. A malformed code is `unknown` without a query; a stored
    one is looked up by its hash (an index lookup, the same work whichever code it is)."""
    normal = normalise(code)
    if normal is None:
        return Lookup("unknown")
    with uow:
        found = uow.verify_codes.get(code_hash(normal))
    if found is None:
        return Lookup("unknown")
    if not found.issued_at <= now < found.expires_at:
        return Lookup("expired", found)
    return Lookup("valid", found)


@dataclass(frozen=True, slots=True)
class Checked:
    """What /verify answers: the lookup, or (`found` None) the end of a lock, unlooked-up."""

    found: Lookup | None
    locked_until: datetime | None = None


def prefix_of(code: str) -> str:
    """The counted prefix of what was typed: its normalised first four characters, or "" for
    text that cannot be a code (counted against the client only)."""
    normal = normalise(code)
    return normal[:PREFIX] if normal else ""


def check(uow: UnitOfWork, code: str, client: str, now: datetime, limits: GuessLimits) -> Checked:
    """One attempt at /verify: refused unlooked-up while the client or the code's prefix is
    locked; else looked up and recorded (a failure when nothing was found), all in one
    transaction under the client's and the prefix's lock (module docstring)."""
    prefix = prefix_of(code)
    with uow:
        uow.verify_attempts.lock(client, prefix)
        until = locked_until(uow, client, prefix, now, limits)
        if until is not None:
            return Checked(None, until)
        found = lookup(uow, code, now)
        uow.verify_attempts.add(now, client, prefix, found.status != "unknown")
        uow.verify_attempts.prune(now - KEEP_ATTEMPTS)
        uow.commit()
    return Checked(found)


def locked_until(
    uow: UnitOfWork, client: str, prefix: str, now: datetime, limits: GuessLimits
) -> datetime | None:
    """When the client and the prefix may both try again, or None when they may now."""
    with uow:
        by_client = uow.verify_attempts.failures(
            client=client, after=now - limits.client_window, limit=limits.per_client
        )
        ends = [_lock_end(by_client, limits.per_client, limits.client_window)]
        if prefix:
            by_prefix = uow.verify_attempts.failures(
                prefix=prefix, after=now - limits.prefix_window, limit=limits.per_prefix
            )
            ends.append(_lock_end(by_prefix, limits.per_prefix, limits.prefix_window))
    found = [end for end in ends if end is not None and end > now]
    return max(found) if found else None


def _lock_end(recent: list[datetime], cap: int, window: timedelta) -> datetime | None:
    """When the cap-th most recent failure leaves the window (None: fewer than cap failures)."""
    if len(recent) < cap:
        return None
    return recent[cap - 1] + window
