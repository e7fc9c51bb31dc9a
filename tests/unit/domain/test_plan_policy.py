"""Plan policy: auto-approve inside the bounds, escalate to the role that may approve, refuse
what no one may approve."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from builders import cny
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdebt.domain.loan import Instalment
from fairdebt.domain.plan_policy import (
    Limits,
    Outcome,
    PlanPolicy,
    Proposal,
    Tier,
    evaluate,
)
from fairdebt.domain.repayment import PlanKind, PlanTerms, build_plan

D = Decimal
POLICY = PlanPolicy(
    version="test-1",
    auto=Tier(
        "policy",
        Limits(12, 12, max_fee_waiver=D("0.3"), max_shift_months=3),
        hardship=Limits(60, 60, max_fee_waiver=D("0.3"), max_shift_months=3),
    ),
    escalation=(
        Tier("supervisor", Limits(36, 36, D("0.6"), D("0.3"), D("0.2"), 12)),
        Tier("compliance", Limits(60, 60, D(1), D(1), D("0.5"), 24)),
    ),
)


def proposal(**changes: object) -> Proposal:
    fields: dict[str, object] = {
        "instalments": 6,
        "term_months": 6,
        "fee_waiver": D(0),
        "interest_waiver": D(0),
        "discount": D(0),
        "shift_months": 0,
        "hardship": False,
    }
    fields.update(changes)
    return Proposal(**fields)  # type: ignore[arg-type]


def test_twelve_instalments_with_a_thirty_percent_fee_waiver_are_auto_approved() -> None:
    decision = evaluate(POLICY, proposal(instalments=12, term_months=12, fee_waiver=D("0.3")))

    assert decision.outcome is Outcome.AUTO_APPROVED
    assert decision.approver_role is None
    assert decision.policy_version == "test-1"


def test_a_bigger_fee_waiver_goes_to_a_supervisor_with_the_reason() -> None:
    decision = evaluate(POLICY, proposal(fee_waiver=D("0.4")))

    assert decision.outcome is Outcome.NEEDS_APPROVAL
    assert decision.approver_role == "supervisor"
    assert decision.reasons == ("fee waiver 40 % > 30 %",)


def test_a_hardship_plan_of_sixty_months_is_auto_approved_but_an_ordinary_one_is_not() -> None:
    long = {"instalments": 60, "term_months": 60}

    assert evaluate(POLICY, proposal(hardship=True, **long)).outcome is Outcome.AUTO_APPROVED
    ordinary = evaluate(POLICY, proposal(**long))
    assert (ordinary.outcome, ordinary.approver_role) == (Outcome.NEEDS_APPROVAL, "compliance")


def test_a_plan_beyond_every_tier_is_refused_naming_the_limit() -> None:
    decision = evaluate(POLICY, proposal(hardship=True, instalments=61, term_months=61))

    assert decision.outcome is Outcome.REFUSED
    assert decision.reasons == ("instalments 61 > 60", "term months 61 > 60")


def test_higher_tiers_may_approve_what_lower_ones_may() -> None:
    assert POLICY.roles_at_or_above("supervisor") == ("supervisor", "compliance")
    assert POLICY.roles_at_or_above("compliance") == ("compliance",)
    assert POLICY.roles_at_or_above("collector") == ()


def test_a_proposal_reads_its_shares_from_the_built_plan() -> None:
    owed = (Instalment(1, date(2026, 1, 1), cny("1000"), cny("200"), cny("100")),)
    terms = PlanTerms(
        PlanKind.SETTLEMENT,
        date(2026, 3, 1),
        waive_fee=D(50),
        waive_interest=D(50),
        discount=D(130),
    )
    plan = build_plan(terms, date(2026, 3, 1), owed)

    p = Proposal.of(plan)

    assert (p.fee_waiver, p.interest_waiver, p.discount) == (D("0.5"), D("0.25"), D("0.1"))
    assert (p.instalments, p.term_months) == (1, 0)


@settings(deadline=None)  # arithmetic only; a loaded CI machine must not fail it
@given(
    instalments=st.integers(1, 80),
    fee=st.decimals(0, 1, places=2),
    interest=st.decimals(0, 1, places=2),
    discount=st.decimals(0, 1, places=2),
)
def test_a_decision_needing_approval_names_a_tier_whose_limits_hold(
    instalments: int, fee: Decimal, interest: Decimal, discount: Decimal
) -> None:
    p = proposal(
        instalments=instalments,
        term_months=instalments,
        fee_waiver=fee,
        interest_waiver=interest,
        discount=discount,
    )

    decision = evaluate(POLICY, p)

    if decision.outcome is Outcome.NEEDS_APPROVAL:
        assert decision.reasons
        tier = next(t for t in POLICY.escalation if t.role == decision.approver_role)
        assert tier.limits.max_instalments >= instalments
        assert tier.limits.max_discount >= discount
    elif decision.outcome is Outcome.REFUSED:
        assert instalments > 60 or discount > D("0.5")
