"""Plan policy: which proposed plans are approved automatically, and who approves the rest.

A policy has limits for automatic approval (stricter ones for ordinary plans, longer terms for
hardship plans), then escalation tiers in order of authority, each naming the role that may
approve a plan inside its limits. A plan inside no tier's limits is refused: no role may
approve it. The default policy (services/plan_policy.yaml, docs/repayment.md): reductions within
a policy, approved automatically inside bounds, escalated outside them; a hardship instalment
plan runs at most 5 years (商业银行信用卡业务监督管理办法 第七十条, CC-70 [M]: 60 months).

Evaluation is pure: a policy and a proposal in, a decision out. Exceeding a limit is an answer
(with the reasons), never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from fairdebt.domain.repayment import Plan

ZERO = Decimal(0)


class Outcome(StrEnum):
    AUTO_APPROVED = "auto_approved"
    NEEDS_APPROVAL = "needs_approval"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Limits:
    """The most a plan may ask for under one authority. Shares are fractions (0.3 = 30 %)."""

    max_instalments: int
    max_term_months: int
    max_fee_waiver: Decimal = ZERO
    max_interest_waiver: Decimal = ZERO
    max_discount: Decimal = ZERO
    max_shift_months: int = 0


@dataclass(frozen=True, slots=True)
class Tier:
    role: str
    limits: Limits
    hardship: Limits | None = None  # hardship plans may go further; None: same as `limits`

    def limits_for(self, hardship: bool) -> Limits:
        return self.hardship if hardship and self.hardship is not None else self.limits


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    version: str
    auto: Tier  # role: the actor recorded for automatic approval
    escalation: tuple[Tier, ...]  # in order of authority, lowest first

    def roles_at_or_above(self, role: str) -> tuple[str, ...]:
        """The roles that may approve what `role` may approve: it and every later tier."""
        names = [t.role for t in self.escalation]
        return tuple(names[names.index(role) :]) if role in names else ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the policy looks at in a plan."""

    instalments: int
    term_months: int
    fee_waiver: Decimal  # share of the fees owed
    interest_waiver: Decimal  # share of the interest owed
    discount: Decimal  # share of the total owed
    shift_months: int
    hardship: bool

    @classmethod
    def of(cls, plan: Plan) -> Proposal:
        terms, owed = plan.terms, plan.owed
        return cls(
            instalments=len(plan.lines),
            term_months=plan.term_months,
            fee_waiver=_share(terms.waive_fee, owed.fee.amount),
            interest_waiver=_share(terms.waive_interest, owed.interest.amount),
            discount=_share(terms.discount, owed.total.amount),
            shift_months=terms.shift_months,
            hardship=terms.hardship,
        )


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    outcome: Outcome
    approver_role: str | None  # who must approve (needs_approval), else None
    reasons: tuple[str, ...]  # the automatic limits exceeded (or every tier's, when refused)
    policy_version: str


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole else ZERO


def exceeded(proposal: Proposal, limits: Limits) -> tuple[str, ...]:
    """Each limit the proposal goes beyond, in words."""
    checks = (
        ("instalments", proposal.instalments, limits.max_instalments),
        ("term months", proposal.term_months, limits.max_term_months),
        ("fee waiver", proposal.fee_waiver, limits.max_fee_waiver),
        ("interest waiver", proposal.interest_waiver, limits.max_interest_waiver),
        ("discount", proposal.discount, limits.max_discount),
        ("extension months", proposal.shift_months, limits.max_shift_months),
    )
    return tuple(f"{name} {_show(got)} > {_show(most)}" for name, got, most in checks if got > most)


def _show(value: int | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{(value * 100).quantize(Decimal('0.1')).normalize():f} %"


def evaluate(policy: PlanPolicy, proposal: Proposal) -> PolicyDecision:
    """Auto-approve inside the automatic limits; else name the first tier that may approve."""
    over = exceeded(proposal, policy.auto.limits_for(proposal.hardship))
    if not over:
        return PolicyDecision(Outcome.AUTO_APPROVED, None, (), policy.version)
    for tier in policy.escalation:
        if not exceeded(proposal, tier.limits_for(proposal.hardship)):
            return PolicyDecision(Outcome.NEEDS_APPROVAL, tier.role, over, policy.version)
    top = policy.escalation[-1] if policy.escalation else policy.auto
    beyond = exceeded(proposal, top.limits_for(proposal.hardship))
    return PolicyDecision(Outcome.REFUSED, None, beyond, policy.version)
