"""Use cases: the verify code a collector reads out, and its lookup on the public /verify page.

A borrower called by someone who says they collect for a lender cannot tell a real collector
from a fraudster; the official portal can. On each call the collector is given a fresh code
(`issue`) and reads it out with the portal's address; the borrower types it in at /verify and
sees who called, for whom, about which case (its reference masked) and how long the code holds
(`lookup`). The borrower-protection side of the collection process: 《互联网金融逾期债务催收自律
公约（试行）》第十五条 (collectors state which institution they represent) and 12 CFR 1006.18(e)
(the collector identifies itself as a debt collector).

A code is 8 characters drawn with `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L),
shown as `XXXX-XXXX`: 31^8 ≈ 8.5 × 10^11 codes, so guessing one is hopeless behind the page's
rate limit. Only its SHA-256 is stored: whoever reads the table cannot read out a code.
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
