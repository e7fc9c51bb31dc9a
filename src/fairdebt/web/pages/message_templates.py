"""Message templates in the console: /console/templates, a preview per version, activation.

- the list: each template's id, channel, pack, active version and drafts (services.templates);
- the preview (`/console/templates/{id}?version=N&case=C-…`): every language rendered with the
  values of a real case — by default the first case of the template's pack (USD accounts are
  us-regf's, the others the deployment's default pack) — its personal data masked for every
  role (domain.borrower: a preview is for reading the wording, not for reaching anyone), the
  values the case lacks filled from the lint's sample and named, and the lint's verdict per
  language (services.templates.check: the same that decides an activation);
- "Activate version N" (a POST form with the session's CSRF token) for supervisors and
  compliance officers; collectors and administrators may read the previews. The result is shown
  once (post/redirect/get through the signed session).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from fairdebt.domain.borrower import mask_text
from fairdebt.errors import FairdebtError
from fairdebt.messages.lint import SAMPLE
from fairdebt.services.ports.templates import TemplateVersion
from fairdebt.services.users import Role, User
from fairdebt.web.auth import ConsoleUser, services_of
from fairdebt.web.i18n import N_, gettext_for, locale_of
from fairdebt.web.rendering import render

router = APIRouter(prefix="/console", include_in_schema=False)

VIEW_ROLES = frozenset({Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN})
ACTIVATE_ROLES = frozenset({Role.SUPERVISOR, Role.COMPLIANCE})
FLASH = "template_activation"
NOT_YOURS = N_("Message templates are for collectors, supervisors, compliance and administrators.")
MAY_NOT_ACTIVATE = N_("Only supervisors and compliance officers may activate a template version.")
NO_SUCH_TEMPLATE = N_("There is no such template or version.")
NO_SUCH_CASE = N_("There is no such case.")
PACK_BY_CURRENCY = {"USD": "us-regf"}  # as services.worklist_execute chooses a case's pack
TemplateId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9._-]+$")]
Version = Annotated[int | None, Query(ge=1, le=2**31)]
CaseId = Annotated[str | None, Query(max_length=64)]


def template_user(request: Request, user: ConsoleUser) -> User:
    if user.role not in VIEW_ROLES:
        raise HTTPException(status_code=403, detail=gettext_for(locale_of(request))(NOT_YOURS))
    return user


TemplateUser = Annotated[User, Depends(template_user)]


@router.get("/templates", name="console_templates")
def templates_list(request: Request, _user: TemplateUser) -> Response:
    """Every template with its active version and drafts."""
    from fairdebt.services.templates import listing

    groups: dict[str, list[TemplateVersion]] = {}
    for v in listing(services_of(request).uow()):
        groups.setdefault(v.template_id, []).append(v)
    rows = [_row(found) for found in groups.values()]
    return render(request, "console/templates.html", {"rows": rows})


def _row(found: list[TemplateVersion]) -> dict[str, Any]:
    active = next((v for v in found if v.status == "active"), None)
    return {
        "id": found[0].template_id,
        "pack": found[0].pack,
        "channel": found[0].channel,
        "party": found[0].party,
        "purpose": found[0].purpose,
        "active": active.version if active else None,
        "drafts": [v.version for v in found if v.status == "draft"],
    }


@dataclass(frozen=True, slots=True)
class Preview:
    language: str
    text: str | None  # None: it does not render (the lint says why)
    problems: list[Any]


@router.get("/templates/{template_id}", name="console_template")
def template_preview(
    request: Request,
    template_id: TemplateId,
    user: TemplateUser,
    version: Version = None,
    case: CaseId = None,
) -> Response:
    """One version rendered in every language from a real case, masked, with the lint verdict."""
    from fairdebt.services.templates import check, version_of, versions

    services = services_of(request)
    gettext = gettext_for(locale_of(request))
    try:
        chosen = version_of(services.uow(), template_id, version)
        history = versions(services.uow(), template_id)
    except FairdebtError:
        raise HTTPException(status_code=404, detail=gettext(NO_SUCH_TEMPLATE)) from None
    with services.engine.connect() as conn:
        case_id = case.strip() if case else _first_case(conn, chosen.pack, services)
        context, from_sample = _case_context(request, conn, case_id) if case_id else (SAMPLE, [])
    if case_id is not None and context is None:
        raise HTTPException(status_code=404, detail=gettext(NO_SUCH_CASE))
    assert context is not None
    found = check(chosen, services.packs)
    previews = [
        Preview(language, _rendered(chosen, language, context), found.of(language))
        for language in chosen.text
    ]
    page = {
        "t": chosen,
        "history": history,
        "case_id": case_id,
        "from_sample": from_sample,
        "previews": previews,
        "clean": found.clean,
        "may_activate": user.role in ACTIVATE_ROLES and chosen.status != "active",
        "flash": request.session.pop(FLASH, None),
    }
    return render(request, "console/template.html", page)


@router.post("/templates/{template_id}/activate", name="console_template_activate")
def template_activate(
    request: Request,
    template_id: TemplateId,
    user: TemplateUser,
    version: Annotated[int, Form(ge=1, le=2**31)],
) -> Response:
    """Activate the version if the lint finds nothing; the answer is shown once on the preview."""
    from fairdebt.services.templates import TemplateRefused, activate

    gettext = gettext_for(locale_of(request))
    if user.role not in ACTIVATE_ROLES:
        raise HTTPException(status_code=403, detail=gettext(MAY_NOT_ACTIVATE))
    services = services_of(request)
    actor = f"{user.role.value}:{user.username}"
    try:
        now = services.clock.now()
        activate(services.uow(), template_id, version, actor, now, packs=services.packs)
        request.session[FLASH] = {"ok": True, "version": version, "problems": []}
    except TemplateRefused as exc:
        request.session[FLASH] = {"ok": False, "version": version, "problems": exc.problems[:20]}
    except FairdebtError as exc:
        request.session[FLASH] = {"ok": False, "version": version, "problems": [exc.cause]}
    target = request.url_for("console_template", template_id=template_id)
    return RedirectResponse(f"{target}?version={version}", status_code=303)


def _rendered(v: TemplateVersion, language: str, context: dict[str, Any]) -> str | None:
    """The text filled in and masked again as free text (a value the case holds, such as an
    address in a free-text field, is never shown whole)."""
    from jinja2 import TemplateError

    from fairdebt.messages.catalog import render_template
    from fairdebt.services.templates import as_template

    try:
        return mask_text(render_template(as_template(v), language, context))
    except (TemplateError, FairdebtError):
        return None


def _first_case(conn: Connection, pack: str, services: Any) -> str | None:
    """The first case (by id) whose borrower has an account of the pack's currency."""
    from fairdebt.adapters.db.tables import accounts, cases

    usd = accounts.c.currency == "USD"
    wanted = usd if PACK_BY_CURRENCY.get("USD") == pack else ~usd
    if pack not in PACK_BY_CURRENCY.values() and pack != services.settings.default_pack:
        return None
    has = exists().where(accounts.c.borrower_id == cases.c.borrower_id, wanted)
    return conn.scalar(select(cases.c.id).where(has).order_by(cases.c.id).limit(1))


def _case_context(
    request: Request, conn: Connection, case_id: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The values a message states, from the case's record as the case page reads it (masked:
    reveal=False), and which of the sample's names it could not fill."""
    from fairdebt.web.case_query import case_detail

    services = services_of(request)
    today = services.clock.now().date()
    detail = case_detail(conn, case_id, today=today, reveal=False)
    if detail is None:
        return None, []
    accounts = sorted(detail.accounts, key=lambda a: (a.currency != "USD", a.id))
    sender = services.sender
    values: dict[str, Any] = {
        "borrower_name": detail.borrower.name,
        "case_ref": case_id,
        "as_of": (detail.status_as_of or today).isoformat(),
        "phone": sender.phone,
        "portal_url": sender.portal_url,
        "unsubscribe_url": sender.unsubscribe_url(case_id, detail.borrower.email or ""),
    }
    if accounts:
        a = accounts[0]
        values |= {
            "creditor": a.lender,
            "account_tail": a.id[-4:],
            "amount": _money(a.overdue_cents),
            "dpd": a.dpd,
            "loan_date": a.disbursed_on.isoformat(),
            "contract_no": a.id,
        }
    if detail.borrower.national_id:
        values["id_tail"] = detail.borrower.national_id[-4:]
    if detail.case.assignee_kind == "agency" and detail.case.assignee_id:
        values["agency"] = detail.case.assignee_id
    return SAMPLE | values, sorted(SAMPLE.keys() - values.keys())


def _money(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):,.2f}"
