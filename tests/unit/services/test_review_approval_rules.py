"""A desk approval counts for its own task's review rules, recently, and never past a deny."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import FakeUnitOfWork

from fairdebt.compliance.types import Decision, FiredRule, Severity, Verdict
from fairdebt.domain.events import NewEvent
from fairdebt.services.review_approval import APPROVAL_WINDOW, apply_approval, approvals

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
CASE = "C-1"


def decision(*rules: tuple[str, Severity]) -> Decision:
    fired = tuple(FiredRule(i, "cite", s, "msg") for i, s in rules)
    severities = {s for _i, s in rules}
    verdict = (
        Verdict.DENY
        if Severity.DENY in severities
        else Verdict.REVIEW
        if Severity.REVIEW in severities
        else Verdict.ALLOW
    )
    return Decision(verdict, fired, None, "cn@1", "d" * 64)


def log(*entries: tuple[str, dict[str, object], datetime]) -> list:  # type: ignore[type-arg]
    uow = FakeUnitOfWork()
    for kind, data, at in entries:
        uow.events.append(CASE, NewEvent(kind, "compliance:cmp1", data), at)
    return uow.events.events(CASE)


def approved(task: int = 7, rules: tuple[str, ...] = ("R-A",), at: datetime = NOW) -> tuple:  # type: ignore[type-arg]
    return ("review_approved", {"task": task, "status": "open", "reason": "ok", "rules": rules}, at)


def test_a_review_whose_rules_an_approval_of_this_task_covers_is_allowed_and_says_who() -> None:
    events = log(approved(rules=("R-A", "R-B")))

    got, extra = apply_approval(
        decision(("R-A", Severity.REVIEW), ("I-1", Severity.INFO)), events, 7, NOW
    )

    assert got.decision is Verdict.ALLOW
    assert [r.id for r in got.rules] == ["R-A", "I-1"]  # every rule that fired stays on record
    assert extra == {"approved_by": "compliance:cmp1", "approval_seq": events[0].seq}


def test_a_review_for_a_rule_the_approval_does_not_name_stays_review() -> None:
    events = log(approved(rules=("R-A",)))

    got, extra = apply_approval(
        decision(("R-A", Severity.REVIEW), ("R-B", Severity.REVIEW)), events, 7, NOW
    )

    assert got.decision is Verdict.REVIEW and extra == {}


def test_a_deny_is_never_approved_past() -> None:
    events = log(approved(rules=("R-A", "FD-HOLD.complaint")))
    asked = decision(("R-A", Severity.REVIEW), ("FD-HOLD.complaint", Severity.DENY))

    got, extra = apply_approval(asked, events, 7, NOW)

    assert got is asked and extra == {}


def test_an_approval_of_another_task_or_no_task_covers_nothing() -> None:
    events = log(approved(task=8))
    asked = decision(("R-A", Severity.REVIEW))

    assert apply_approval(asked, events, 7, NOW)[0].decision is Verdict.REVIEW
    assert apply_approval(asked, log(approved()), None, NOW)[0].decision is Verdict.REVIEW


def test_an_approval_counts_for_its_window_only_and_not_before_it_was_given() -> None:
    asked = decision(("R-A", Severity.REVIEW))
    at_edge = log(approved(at=NOW - APPROVAL_WINDOW))
    too_old = log(approved(at=NOW - APPROVAL_WINDOW - timedelta(seconds=1)))
    later = log(approved(at=NOW + timedelta(seconds=1)))

    assert apply_approval(asked, at_edge, 7, NOW)[0].decision is Verdict.ALLOW
    assert apply_approval(asked, too_old, 7, NOW)[0].decision is Verdict.REVIEW
    assert apply_approval(asked, later, 7, NOW)[0].decision is Verdict.REVIEW


def test_a_rejection_withdraws_earlier_approvals_and_the_newest_approval_is_named() -> None:
    rejected = ("review_rejected", {"task": 7, "status": "refused", "reason": "no"}, NOW)
    events = log(approved(at=NOW - timedelta(hours=2)), rejected)
    assert approvals(events, 7, NOW) == []

    events = log(approved(at=NOW - timedelta(hours=2)), approved(at=NOW - timedelta(hours=1)))
    _got, extra = apply_approval(decision(("R-A", Severity.REVIEW)), events, 7, NOW)
    assert extra["approval_seq"] == events[1].seq


def test_an_approval_with_no_rules_or_a_forged_task_covers_nothing() -> None:
    asked = decision(("R-A", Severity.REVIEW))
    events = log(
        approved(rules=()),
        ("review_approved", {"task": True, "rules": ["R-A"]}, NOW),
        ("review_approved", {"task": "7\x00", "rules": ["R-A"]}, NOW),
        ("review_approved", {"task": "9" * 400, "rules": ["R-A"]}, NOW),
    )

    assert apply_approval(asked, events, 7, NOW)[0].decision is Verdict.REVIEW


def test_allow_and_deny_pass_through_untouched() -> None:
    events = log(approved())
    for asked in (decision(), decision(("R-X", Severity.DENY))):
        assert apply_approval(asked, events, 7, NOW) == (asked, {})
