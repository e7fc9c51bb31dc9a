"""China's interest caps: worked cases (docs/packs/cn-sources.md), the docs example, properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdebt.domain.loan import LenderType
from fairdebt.legal import api
from fairdebt.legal.caps import OVERDUE_PARTS, ChargeTerms, Part, Rates, charge_caps
from fairdebt.legal.errors import LegalRequestError
from fairdebt.legal.lpr import table


def ask(**fields: Any) -> dict[str, Any]:
    request = {
        "jurisdiction": "cn",
        "lender_type": "private",
        "contract_date": "2021-03-01",
        "principal_disbursed": "100000",
        "rates": {"interest": "0.18"},
    }
    return api.charges({**request, **fields})


# worked case CN-RATE-1
def test_cn_rate_case_1_private_loan_2021_03_01_at_18_percent_is_enforced_at_15_40() -> None:
    answer = ask()

    assert answer["lpr"]["rate"] == "0.0385"
    assert answer["cap"] == "0.154"
    interest = answer["components"]["interest"]
    assert interest == {"agreed": "0.18", "enforceable": "0.154", "excess": "0.026"}
    assert answer["applies"] is True
    assert answer["rules"][0] == "CN-RATE-25"


# worked case CN-RATE-3
def test_cn_rate_case_3_licensed_consumer_finance_company_is_not_under_the_private_cap() -> None:
    answer = ask(lender_type="consumer_finance")

    assert answer["applies"] is False
    assert answer["pack_parameter"] == "cn.rate_ceiling.consumer_finance"
    assert answer["rules"] == ["CN-RATE-SCOPE"]
    assert answer["cap"] is None
    assert answer["components"]["interest"]["enforceable"] is None  # the pack decides
    assert answer["components"]["fees"]["enforceable"] is None
    assert "default_rule" not in answer["components"]["overdue_interest"]  # not CN-RATE-28


def test_cn_rate_case_3_a_licensed_ceiling_from_the_pack_is_applied_when_given() -> None:
    answer = ask(lender_type="licensed_bank", ceiling="0.24", rates={"interest": "0.30"})

    assert answer["applies"] is False
    assert answer["cap"] == "0.24"
    assert answer["components"]["interest"]["excess"] == "0.06"


# worked case CN-RATE-4
def test_cn_rate_case_4_contract_2019_at_30_percent_sued_2021_splits_at_2020_08_20() -> None:
    answer = ask(contract_date="2019-06-01", filed_on="2021-06-01", rates={"interest": "0.30"})

    old = answer["transition"]
    assert old["until"] == "2020-08-19"
    assert old["cap"] == "0.24"
    assert old["void_above"] == "0.36"
    assert old["components"]["interest"] == {
        "agreed": "0.3",
        "enforceable": "0.24",
        "excess": "0.06",
    }
    assert answer["cap"] == "0.154"  # 4 × the LPR at filing (3.85 % on 2021-06-01)
    assert answer["components"]["interest"]["enforceable"] == "0.154"
    assert {"CN-RATE-31", "CN-RATE-HIST"} <= set(answer["rules"])


def test_cn_rate_case_4_needs_the_filing_date() -> None:
    with pytest.raises(LegalRequestError, match="2020-08-20") as err:
        ask(contract_date="2019-06-01", rates={"interest": "0.30"})
    assert "filed_on" in err.value.hint


def test_a_suit_filed_before_2020_08_20_stays_under_the_old_rules() -> None:
    answer = ask(contract_date="2019-06-01", filed_on="2020-05-01", rates={"interest": "0.30"})

    assert answer["cap"] == "0.24"
    assert answer["lpr"] is None
    assert answer["transition"] is None


def test_the_contract_example_caps_the_overdue_charges_together() -> None:
    answer = ask(
        principal_disbursed="90000",
        principal_stated="100000",
        rates={"interest": "0.18", "overdue_interest": "0.12", "penalty": "0.08", "fees": "0.05"},
    )

    assert answer["principal"] == "90000"  # 10000 deducted up front is not principal
    assert answer["combined_overdue"] == {
        "agreed": "0.25",
        "enforceable": "0.154",
        "excess": "0.096",
    }
    parts = answer["components"]
    assert parts["penalty"] == {"agreed": "0.08", "enforceable": "0.034", "excess": "0.046"}
    assert parts["fees"] == {"agreed": "0.05", "enforceable": "0", "excess": "0.05"}
    assert answer["rules"] == ["CN-RATE-25", "CN-RATE-26", "CN-RATE-29"]


def test_the_cap_follows_the_lpr_in_force_at_the_contract_date() -> None:
    assert ask(contract_date="2021-12-19")["cap"] == "0.154"
    assert ask(contract_date="2021-12-20")["cap"] == "0.152"
    assert ask(contract_date="2025-06-01")["cap"] == "0.12"


def test_without_an_overdue_rate_the_loan_term_rate_applies_capped() -> None:
    answer = ask(rates={"interest": "0.18"})

    overdue = answer["components"]["overdue_interest"]
    assert overdue == {
        "agreed": None,
        "enforceable": "0.154",
        "excess": "0.026",
        "default_rule": "CN-RATE-28",
    }


def test_with_no_rate_at_all_the_loan_is_interest_free_and_overdue_takes_the_lpr() -> None:
    answer = ask(rates={}, overdue_on="2023-01-01")

    assert answer["components"]["interest"]["enforceable"] == "0"
    assert answer["components"]["overdue_interest"]["enforceable"] == "0.0365"
    assert {"CN-RATE-28", "CN-CIV-680"} <= set(answer["rules"])


def test_with_no_rate_at_all_the_overdue_date_is_required() -> None:
    with pytest.raises(LegalRequestError, match="overdue"):
        ask(rates={})


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"lender_type": "pawnshop"}, "pawnshop"),
        ({"contract_date": "2019-01-01", "filed_on": "2018-01-01"}, "before contract_date"),
        ({"rates": {"intrest": "0.1"}}, "did you mean 'interest'"),
        ({"rates": {"interest": "-0.1"}}, "non-negative"),
        ({"rates": {"interest": 0.1}}, "decimal string"),
        ({"principal_disbursed": "100", "principal_stated": "90"}, "exceeds"),
        ({"jurisdiction": "us-ny"}, "us-ny"),
    ],
)
def test_bad_charge_requests_are_named(fields: dict[str, Any], words: str) -> None:
    with pytest.raises(LegalRequestError, match=words):
        ask(**fields)


# --- properties ----------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=2, places=4)
optional_rates = st.none() | rates
contract_dates = st.integers(min_value=0, max_value=2400).map(
    lambda n: date(2020, 8, 20) + timedelta(days=n)
)
terms = st.builds(
    ChargeTerms,
    lender_type=st.just(LenderType.PRIVATE),
    contract_date=contract_dates,
    principal_stated=st.just(Decimal(100000)),
    rates=st.builds(Rates, rates, optional_rates, optional_rates, optional_rates),
)


@given(terms)
def test_enforceable_never_exceeds_agreed_or_cap_and_excess_makes_up_the_rest(
    t: ChargeTerms,
) -> None:
    result = charge_caps(t)

    assert result.cap is not None
    for _part, rc in result.capped.components:
        assert rc.enforceable is not None
        assert Decimal(0) <= rc.enforceable <= result.cap
        if rc.agreed is not None:
            assert rc.enforceable <= rc.agreed
            assert rc.enforceable + rc.excess == rc.agreed


@given(terms)
def test_the_overdue_charges_together_never_exceed_the_cap(t: ChargeTerms) -> None:
    result = charge_caps(t)

    shares = [result.capped.of(p).enforceable or Decimal(0) for p in OVERDUE_PARTS]
    combined = result.capped.combined_overdue
    assert sum(shares) == combined.enforceable
    assert result.cap is not None and sum(shares) <= result.cap
    assert combined.enforceable is not None and combined.agreed is not None
    assert combined.enforceable + combined.excess == combined.agreed


@given(terms)
def test_the_cap_is_four_times_the_lpr_in_force(t: ChargeTerms) -> None:
    result = charge_caps(t)

    assert result.lpr is not None
    assert result.lpr.published_on <= t.contract_date
    assert result.cap == 4 * result.lpr.rate
    later = [q for q in table() if result.lpr.published_on < q.published_on <= t.contract_date]
    assert later == []
    assert result.capped.of(Part.INTEREST).agreed == t.rates.interest
