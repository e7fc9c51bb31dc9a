"""The plan policy YAML: the packaged default loads; mistakes are one readable line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fairdebt.domain.plan_policy import Outcome, Proposal, evaluate
from fairdebt.errors import InputFileError
from fairdebt.services.plan_policy import load_policy, parse_policy

GOOD = """
version: t1
auto:
  limits: {max_instalments: 12, max_term_months: 12, max_fee_waiver: 0.3}
escalation:
  - role: supervisor
    limits: {max_instalments: 24, max_term_months: 24, max_fee_waiver: 1}
"""
TWICE = GOOD + "  - role: supervisor\n    limits: {max_instalments: 1, max_term_months: 1}\n"


def test_the_default_policy_auto_approves_twelve_instalments_and_a_third_of_the_fees_does_not():
    policy = load_policy()
    base = Proposal(12, 12, Decimal("0.3"), Decimal(0), Decimal(0), 0, False)

    assert evaluate(policy, base).outcome is Outcome.AUTO_APPROVED
    over = Proposal(12, 12, Decimal("0.34"), Decimal(0), Decimal(0), 0, False)
    assert evaluate(policy, over).approver_role == "supervisor"


def test_the_default_policy_allows_hardship_plans_of_sixty_months_and_no_longer() -> None:
    policy = load_policy()
    hardship = Proposal(60, 60, Decimal(0), Decimal(0), Decimal(0), 0, True)
    longer = Proposal(61, 61, Decimal(0), Decimal(0), Decimal(0), 0, True)

    assert evaluate(policy, hardship).outcome is Outcome.AUTO_APPROVED
    assert evaluate(policy, longer).outcome is Outcome.REFUSED


def test_a_policy_file_is_read_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")

    assert load_policy(path).escalation[0].limits.max_fee_waiver == Decimal(1)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (GOOD.replace("max_fee_waiver: 1", "max_fee_waiver: 1.5"), "escalation[0].limits"),
        (GOOD.replace("supervisor", "collector"), "escalation[0].role"),
        (GOOD.replace("max_instalments: 12", "max_instalment: 12"), "auto.limits"),
        (TWICE, "once"),
        ("version: [", "not valid YAML"),
    ],
)
def test_a_mistake_in_the_policy_names_the_field(text: str, words: str) -> None:
    with pytest.raises(InputFileError, match="plan policy") as caught:
        parse_policy(text, "p.yaml")

    assert words in caught.value.cause
    assert "\n" not in caught.value.cause


def test_a_missing_policy_file_is_a_readable_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read plan policy"):
        load_policy(tmp_path / "nope.yaml")
