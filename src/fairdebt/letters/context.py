"""What a letter states, read from the case's record: `letter_context`.

Every letter names one account of the case, chosen as the worklist chooses it (USD before CNY,
then by id), and states its values on the borrower's local day of `now`. A value the letter
needs and the case lacks raises a FairdebtError naming it: a letter never goes out with a blank.

The values each kind needs are `NEEDS[kind]`; docs/channels.md ("Letters") says what each
letter states and under which law.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fairdebt.domain.case import AssigneeKind, Case
from fairdebt.domain.delinquency import delinquency_at
from fairdebt.domain.loan import Account, Component
from fairdebt.errors import FairdebtError
from fairdebt.letters.itemization import DEFAULT_ORDER, itemization, money
from fairdebt.services.charges import account_charges
from fairdebt.services.payments import payments_seen
from fairdebt.services.ports import UnitOfWork

if TYPE_CHECKING:
    from fairdebt.services.worklist_execute import Sender

KINDS = ("collection_notice", "lawyers_letter", "sealed_cover", "validation_notice")
LOCALES = ("zh-CN", "en")
ZERO = Decimal(0)
_SIGN_IN = ("portal_link", "portal_code", "portal_days")  # docs/portal.md: a letter's sign-in
_DEBT = ("creditor", "contract_no", "loan_date", "principal", "interest", "fees", "amount", "dpd")
_ADDRESSEE = ("borrower_name", "address")
_LAW_FIRM = ("law_firm", "law_firm_address")
_ITEMIZATION = (
    "original_creditor",
    "account_no",
    "itemization_date",
    "itemized_amount",
    "interest",
    "fees",
    "paid",
    "amount",
    "dispute_deadline",
)
NEEDS: dict[str, tuple[str, ...]] = {
    "collection_notice": (*_ADDRESSEE, "id_tail", *_DEBT, "phone", "portal_url", *_SIGN_IN),
    "lawyers_letter": (
        *_ADDRESSEE,
        "id_tail",
        *_DEBT,
        "phone",
        "portal_url",
        *_LAW_FIRM,
        *_SIGN_IN,
    ),
    "sealed_cover": (*_ADDRESSEE, "return_address"),
    "validation_notice": (
        *_ADDRESSEE,
        "collector",
        "collector_address",
        "creditor",
        *_ITEMIZATION,
        "phone",
        "portal_url",
    ),
}
# The sealed cover names no debt, so it carries no way into the borrower's record either. The
# US validation notice keeps to the content of Reg F's model form (12 CFR 1006.34(d)), whose
# safe harbour an added block could put in doubt: it carries no portal sign-in either.
SIGN_IN_KINDS = tuple(k for k in KINDS if "portal_code" in NEEDS[k])
SPECIMEN_TOKEN = "SPECIMEN"  # `fairdebt letters render`: no code is issued for an inspection
SPECIMEN_CODE = "XXXX-XXXX"
# What the error says when a value is missing, so a person knows what to put on record.
WHY = {
    "borrower_name": "the borrower has no name on record (borrowers.name)",
    "address": "the borrower has no postal address on record (borrowers.address)",
    "id_tail": "no ID number on record (borrowers.national_id)",
    "collector_address": "no mailing address for the collector (FAIRDEBT_AGENCY_ADDRESSES)",
}


class LetterError(FairdebtError):
    """A letter that cannot be made as asked (unknown kind, a value the case lacks)."""


@dataclass(frozen=True, slots=True)
class PortalSignIn:
    """What a letter prints to open the portal: the case link, the code, the days it works
    (services.portal_codes.issue_letter_code makes a real one when the letter is sent)."""

    token: str
    code: str
    days: int

    def values(self, public_base: str) -> dict[str, Any]:
        """The template's values: the link on the deployment's outside origin."""
        link = f"{public_base.rstrip('/')}/portal/letter/{self.token}"
        return {"portal_link": link, "portal_code": self.code, "portal_days": str(self.days)}


def specimen_sign_in() -> PortalSignIn:
    """A placeholder for a letter rendered for inspection: a link and code that open nothing."""
    from fairdebt.services.portal_codes import LETTER_LIFETIME

    return PortalSignIn(SPECIMEN_TOKEN, SPECIMEN_CODE, LETTER_LIFETIME.days)


def check_kind(kind: str, locale: str) -> None:
    if kind not in KINDS:
        raise LetterError(f"unknown letter kind {kind!r}", hint=f"kinds: {', '.join(KINDS)}")
    if locale not in LOCALES:
        raise LetterError(f"unknown locale {locale!r}", hint=f"locales: {', '.join(LOCALES)}")


def letter_context(
    uow: UnitOfWork,
    case_id: str,
    kind: str,
    locale: str,
    now: datetime,
    sender: Sender,
    order: Sequence[Component] = DEFAULT_ORDER,
    sign_in: PortalSignIn | None = None,
) -> dict[str, Any]:
    """Every value the letter of `kind` states, as text (module docstring). Raises LetterError
    for an unknown case or kind, or naming the value the case lacks. `sign_in`: the portal link
    and code it prints (None: the specimen's, which open nothing; letters.render.document_for
    issues the real one for a letter being sent)."""
    check_kind(kind, locale)
    with uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise LetterError(f"no case {case_id!r}", hint="check the id, e.g. C-B0001")
        person = uow.directory.person(case.borrower_id)
        name = person.name
        account = _account_of(uow, case)
    as_of = now.astimezone(ZoneInfo(person.timezone)).date()
    context: dict[str, Any] = {
        "kind": kind,
        "locale": locale,
        "case_id": case.id,
        "as_of": as_of.isoformat(),
        "borrower_name": name.strip(),
        "address": (person.address or "").strip(),
        "phone": sender.phone,
        "portal_url": sender.portal_url,
        "return_address": sender.mailing_address,
        "law_firm": sender.law_firm,
        "law_firm_address": sender.law_firm_address,
    }
    if person.national_id and person.national_id.strip():
        context["id_tail"] = person.national_id.strip()[-4:]
    if kind != "sealed_cover":  # the cover names no debt: nothing of the account is read
        context |= _debt(uow, account, as_of, order)
    if kind in SIGN_IN_KINDS:
        context |= (sign_in or specimen_sign_in()).values(sender.public_base)
    if kind == "validation_notice":
        context |= _validation(uow, case, account, as_of, sender, order)
    return _complete(context, kind)


def _account_of(uow: UnitOfWork, case: Case) -> Account:
    """The account the letter names: USD before CNY, then by id (as the worklist names it)."""
    facts = uow.accounts.facts(case.borrower_id)
    if not facts:
        raise LetterError(f"case {case.id} has no account on record", hint="import its accounts")
    first = min(facts, key=lambda a: (a.currency != "USD", a.id))
    account = uow.accounts.get(first.id)
    assert account is not None  # facts listed it in this same transaction
    return account


def _debt(
    uow: UnitOfWork, account: Account, as_of: date, order: Sequence[Component]
) -> dict[str, Any]:
    """The account and what may be demanded of it on `as_of` (above-cap parts excluded:
    CN-RATE-29), in the three lines a notice states: overdue interest counts as interest, the
    penalty as a fee (the cap takes penalty and fees together)."""
    charges = account_charges(uow, account.id, as_of, order)
    lawful = {line.component: line.lawful for line in charges.breakdown.lines}
    principal = lawful.get("principal", ZERO)
    interest = lawful.get("interest", ZERO) + lawful.get("overdue_interest", ZERO)
    fees = lawful.get("fees", ZERO) + lawful.get("penalty", ZERO)
    with uow:
        seen = payments_seen(uow, account.id, as_of)
    return {
        "creditor": account.lender,
        "contract_no": account.id,
        "loan_date": account.disbursed_on.isoformat(),
        "currency": account.currency,
        "product": account.product.value,
        "principal": money(principal),
        "interest": money(interest),
        "fees": money(fees),
        "amount": money(principal + interest + fees),
        "dpd": str(delinquency_at(account, seen, as_of, order).dpd),
        "excluded": money(charges.breakdown.excluded),
    }


def _validation(
    uow: UnitOfWork,
    case: Case,
    account: Account,
    as_of: date,
    sender: Sender,
    order: Sequence[Component],
) -> dict[str, Any]:
    """The collector (the agency holding the case, else the creditor itself, writing from the
    deployment's address) and the itemization from the account's records."""
    values: dict[str, Any] = itemization(uow, account.id, as_of, sent_on=as_of, order=order)
    if case.assignee is not None and case.assignee.kind is AssigneeKind.AGENCY:
        values["collector"] = case.assignee.id
        address = sender.agency_address(case.assignee.id)
        if address:
            values["collector_address"] = address
    else:
        values["collector"] = account.lender
        values["collector_address"] = sender.mailing_address
    return values


def _complete(context: dict[str, Any], kind: str) -> dict[str, Any]:
    """The context, if every value the kind needs is there and not blank."""
    missing = [n for n in NEEDS[kind] if not str(context.get(n) or "").strip()]
    if missing:
        why = "; ".join(f"{WHY.get(n, 'nothing on record')} ({n})" for n in missing)
        raise LetterError(
            f"{kind} for case {context['case_id']}: {why}",
            hint="put the value on record first; a letter is never sent with a blank",
        )
    return context
