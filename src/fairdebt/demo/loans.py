"""Synthetic accounts and their schedules: credit cards, consumer loans, online micro-loans.

- credit_card: a bank card; `principal` is the revolving balance drawn. Its schedule is its
  monthly statements (at most the last 12): minimum payment due = 10 % of the statement balance
  as principal plus the month's interest at 0.05 % a day (18.25 % a year), due 20 days after the
  statement day.
- consumer_loan: 12–36 monthly instalments, equal-instalment amortisation (等额本息), from a
  consumer-finance company or a licensed bank.
- micro_loan: an online micro-loan (网络小贷), 1–12 instalments, higher rates and fees; about one
  in twenty comes from a private lender, most of those at rates above the 4 × LPR cap of the
  private-lending rules (民间借贷规定 第二十五条, CN-RATE-25), so the legal math has something
  to find.

Amounts are int64 cents throughout; rates are int64 units of 0.0001 a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from fairdebt.demo.columns import add_months, group_positions
from fairdebt.demo.pools import LENDERS

CARD, CONSUMER, MICRO = 0, 1, 2
PRODUCT_NAMES = ("credit_card", "consumer_loan", "micro_loan")
PRODUCT_MIX = (0.35, 0.35, 0.30)
LENDER_TYPES = tuple(LENDERS)  # licensed_bank, consumer_finance, microloan, private
BANK, FINANCE, MICROLOAN, PRIVATE = range(4)
CARD_RATE = 1825  # 0.05 % a day
CARD_STATEMENTS = 12
CARD_GRACE_DAYS = 20
HISTORY_DAYS = 3 * 365


@dataclass(frozen=True, slots=True)
class Accounts:
    """One block of accounts as parallel arrays."""

    product: np.ndarray
    lender_type: np.ndarray  # index into LENDER_TYPES
    lender: np.ndarray  # index into LENDERS[type]
    principal: np.ndarray  # cents
    rate: np.ndarray  # 0.0001 a year
    penalty_rate: np.ndarray
    fee_rate: np.ndarray
    disbursed: np.ndarray  # days since 1970-01-01
    contract: np.ndarray
    term: np.ndarray  # instalments (loans) or statements (cards) in the schedule


@dataclass(frozen=True, slots=True)
class Schedule:
    """Every instalment of a block, grouped by account in account order."""

    account: np.ndarray  # index of the account within the block
    seq: np.ndarray
    due: np.ndarray
    principal: np.ndarray
    interest: np.ndarray
    fee: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return cast(np.ndarray, self.principal + self.interest + self.fee)


def accounts(n: int, as_of: int, rng: np.random.Generator) -> Accounts:
    product = rng.choice(3, n, p=PRODUCT_MIX)
    lender_type = _lender_types(product, rng)
    sizes = np.array([len(LENDERS[t]) for t in LENDER_TYPES])
    rate = _rates(product, lender_type, rng)
    disbursed = as_of - rng.integers(1, HISTORY_DAYS + 1, n)
    return Accounts(
        product=product,
        lender_type=lender_type,
        lender=(rng.random(n) * sizes[lender_type]).astype(np.int64),
        principal=_principals(product, rng),
        rate=rate,
        penalty_rate=np.where(product == CARD, 0, rate * 3 // 2),  # 罚息: usually +50 %
        fee_rate=_fee_rates(product, rng),
        disbursed=disbursed,
        contract=disbursed - rng.choice(4, n, p=(0.6, 0.2, 0.1, 0.1)),
        term=_terms(product, disbursed, as_of, rng),
    )


def _lender_types(product: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(product))
    consumer = np.where(u < 0.6, FINANCE, BANK)
    micro = np.where(u < 0.05, PRIVATE, MICROLOAN)
    return np.select([product == CARD, product == CONSUMER], [BANK, consumer], micro)


def _principals(product: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lognormal amounts: cards ~12k yuan (to the cent), loans ~30k, micro-loans ~3k."""
    median = np.array([12_000.0, 30_000.0, 3_000.0])[product]
    low = np.array([500.0, 3_000.0, 500.0])[product]
    high = np.array([100_000.0, 300_000.0, 50_000.0])[product]
    yuan = np.clip(median * np.exp(rng.normal(0, 0.8, len(product))), low, high)
    step = np.array([1, 10_000, 10_000])[product]  # loans are lent in round hundreds
    return cast(np.ndarray, np.maximum(np.round(yuan * 100 / step).astype(np.int64) * step, step))


def _rates(product: np.ndarray, lender_type: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Yearly rates in 0.0001, rounded to 0.05 %; private micro-loans mostly above any cap."""
    u = rng.random(len(product))
    consumer = np.where(lender_type == BANK, 360 + u * 1140, 900 + u * 1500)
    micro = np.where(rng.random(len(product)) < 0.15, 2400 + u * 1200, 1000 + u * 1400)
    # 4 x LPR never exceeded 17 % (LPR peak 4.25 %) nor fell below 12 % (LPR 3.0 %)
    private = np.where(rng.random(len(product)) < 0.6, 1800 + u * 1800, 600 + u * 550)
    rate = np.select(
        [product == CARD, product == CONSUMER, lender_type == PRIVATE],
        [CARD_RATE, consumer, private],
        micro,
    )
    return (np.round(rate / 5) * 5).astype(np.int64)


def _fee_rates(product: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(product)
    consumer = np.where(rng.random(n) < 0.25, rng.integers(10, 60, n) * 5, 0)
    micro = np.where(rng.random(n) < 0.5, rng.integers(20, 240, n) * 5, 0)
    return np.select([product == CONSUMER, product == MICRO], [consumer, micro], 0)


def _terms(
    product: np.ndarray, disbursed: np.ndarray, as_of: int, rng: np.random.Generator
) -> np.ndarray:
    n = len(product)
    loan = rng.choice([12, 18, 24, 36], n, p=(0.3, 0.15, 0.3, 0.25))
    micro = rng.choice([1, 2, 3, 6, 9, 12], n, p=(0.15, 0.05, 0.25, 0.3, 0.05, 0.2))
    statements = np.clip(_statements_until(disbursed, as_of), 1, CARD_STATEMENTS)
    return np.select([product == CARD, product == CONSUMER], [statements, loan], micro)


def _statements_until(opened: np.ndarray, as_of: int) -> np.ndarray:
    """Statements issued by `as_of` on a card opened on `opened` (one a month, same day)."""
    stamp = opened.astype("datetime64[D]")
    month = stamp.astype("datetime64[M]")
    day = np.minimum((stamp - month.astype("datetime64[D]")).astype(np.int64), 27)
    end = np.datetime64(as_of, "D")
    end_month = end.astype("datetime64[M]")
    end_day = (end - end_month.astype("datetime64[D]")).astype(np.int64)
    months = (end_month - month).astype(np.int64)
    return cast(np.ndarray, months - (end_day < day))


def schedules(acc: Accounts, as_of: int, rng: np.random.Generator) -> Schedule:
    owner, pos = group_positions(acc.term)
    card = acc.product[owner] == CARD
    loan_due = add_months(acc.disbursed[owner], pos + 1)
    issued = np.maximum(_statements_until(acc.disbursed, as_of), 1)  # a new card: 1st is due
    stmt_no = issued[owner] - acc.term[owner] + pos + 1  # the last 12 statements, numbered
    stmt_day = add_months(acc.disbursed[owner], stmt_no)
    principal, interest = amortise(acc, owner, pos)
    balance = acc.principal[owner] * rng.uniform(0.7, 1.0, len(owner))
    card_principal = np.round(balance * 0.10).astype(np.int64)
    card_interest = np.round(balance * CARD_RATE / 10_000 / 12).astype(np.int64)
    fee = np.round(acc.principal[owner] * acc.fee_rate[owner] / 10_000 / 12).astype(np.int64)
    return Schedule(
        account=owner,
        seq=np.where(card, stmt_no, pos + 1),
        due=np.where(card, stmt_day + CARD_GRACE_DAYS, loan_due),
        principal=np.where(card, card_principal, principal),
        interest=np.where(card, card_interest, interest),
        fee=np.where(card, 0, fee),
    )


def amortise(acc: Accounts, owner: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal instalments: interest on the balance left, the rest of the instalment is principal.

    The last instalment takes whatever principal rounding left, so an account's principal
    column sums exactly to what was lent.
    """
    p = acc.principal.astype(np.float64)
    r = acc.rate / 10_000 / 12
    n = acc.term
    growth = (1 + r) ** n
    payment = np.where(r > 0, p * r * growth / np.where(r > 0, growth - 1, 1.0), p / n)
    payment = np.round(payment)
    ro, k = r[owner], pos.astype(np.float64)
    grown = (1 + ro) ** k
    safe_r = np.where(ro > 0, ro, 1.0)  # r = 0 takes the other branch; don't divide by it
    balance = p[owner] * grown - payment[owner] * np.where(ro > 0, (grown - 1) / safe_r, k)
    interest = np.round(balance * ro).astype(np.int64)
    principal = payment[owner].astype(np.int64) - interest
    last = pos == n[owner] - 1
    before_last = np.bincount(owner, weights=np.where(last, 0, principal), minlength=len(n))
    principal = np.where(
        last, acc.principal[owner] - before_last[owner].astype(np.int64), principal
    )
    return principal, interest
