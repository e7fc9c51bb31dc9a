"""Through services.contact.ask on a real database: a message that speaks of a lawyer's letter
goes to review until the case is at that stage; the stage is set on the command line too."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from portfolio_files import write_portfolio

from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.types import Verdict
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.services.legal_stage import current, set_stage

MORNING = datetime(2026, 4, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PACKS = builtin_packs()
LETTER_SMS = "您好，您的借款已逾期，我司已委托律所向您发送律师函，请通过官方渠道还款。"


@pytest.fixture
def case(engine, tmp_path) -> str:
    import_portfolio(
        SqlUnitOfWork(engine),
        [write_portfolio(tmp_path / "p")],
        ImportOptions(as_of=MORNING.date(), now=MORNING.astimezone(UTC)),
    )
    return "C-B0001"


def _ask(engine, case: str, content: str, when: datetime = MORNING):  # type: ignore[no-untyped-def]
    request = ContactRequest(
        case, "sms", "debtor", "remind", "+8613812345678", "lender-1", "collector:u1", content
    )
    return ask(SqlUnitOfWork(engine), request, when, PACKS, "cn").decision


def test_a_lawyers_letter_sms_goes_to_review_until_the_stage_is_set(engine, case) -> None:
    before = _ask(engine, case, LETTER_SMS)
    set_stage(SqlUnitOfWork(engine), case, "lawyers_letter", "supervisor:u1", "L-17", MORNING)
    after = _ask(engine, case, LETTER_SMS, MORNING.replace(hour=11))

    assert before.decision is Verdict.REVIEW
    assert [r.id for r in before.rules] == ["CBA26-PROHIBIT.threat.lawyers_letter"]
    assert after.decision is Verdict.ALLOW, after.rules
    suit = _ask(engine, case, "我们将向法院起诉。", MORNING.replace(hour=12))
    assert suit.decision is Verdict.REVIEW  # a lawsuit is not yet planned


def test_the_stage_on_the_command_line(engine, database_url: str, case, fairdebt) -> None:
    env = {"FAIRDEBT_DATABASE_URL": database_url}

    shown = fairdebt("cases", "stage", case, env=env)
    moved = fairdebt(
        "cases", "stage", case, "--set", "litigation_approved", "--reason", "批准", env=env
    )
    noted = fairdebt("cases", "credit-reporting", case, "--reported", "--reason", "报送", env=env)
    refused = fairdebt("cases", "stage", case, "--set", "trial", "--reason", "x", env=env)
    no_reason = fairdebt("cases", "stage", case, "--set", "judgment", env=env)

    assert shown.returncode == 0 and "legal stage none" in shown.stdout
    assert moved.returncode == 0 and "legal stage litigation_approved" in moved.stdout
    assert noted.returncode == 0 and "credit reporting reported" in noted.stdout
    assert refused.returncode == 2 and "unknown legal stage 'trial'" in refused.stderr
    assert no_reason.returncode == 2 and "a reason is required" in no_reason.stderr
    state = current(SqlUnitOfWork(engine), case)
    assert (state.stage, state.credit_reported) == ("litigation_approved", True)
