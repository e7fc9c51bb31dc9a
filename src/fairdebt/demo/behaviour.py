"""How synthetic borrowers pay: a few behaviours, drawn per borrower, applied per instalment.

- always: pays every instalment on the due day (auto-debit) or a few days early.
- late_curer: mostly on time; now and then pays late (1–90 days, most within a month) and
  so cures. Whoever is late across `as_of` is in M1/M2 today.
- partial: pays on time but only 30–85 % of each instalment; arrears build up slowly.
- roll_forward: pays like a late_curer until a distress day (recent days are likelier), then
  stops and rolls from bucket to bucket; some make token payments; about two in five cure later
  with one payment of everything overdue, and then pay again.
- never: first-payment default; stops within weeks of disbursement (charge-off stock).

A borrower in trouble is in trouble on every account, but one account in five keeps being paid
(people protect the card they still use); one online micro-loan in twenty is never paid
whatever the borrower. Payments after `as_of` do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairdebt.demo.loans import MICRO, Accounts, Schedule

ALWAYS, LATE, PARTIAL, ROLL, NEVER = range(5)
BEHAVIOURS = ("always", "late_curer", "partial", "roll_forward", "never")
BEHAVIOUR_MIX = (0.57, 0.26, 0.04, 0.095, 0.035)
CHANNELS = ("bank_transfer", "payment_link", "lender_app", "auto_debit", "other_official")
ON_TIME_CHANNELS = (0.10, 0.0, 0.40, 0.45, 0.05)  # as CHANNELS
LATE_CHANNELS = (0.30, 0.35, 0.30, 0.0, 0.05)
NEVER_DAY = 1 << 40  # "no such day"
_LATE_ODDS = np.array([0.0, 0.35, 0.2, 0.15, 0.15])  # by behaviour, before any distress


@dataclass(frozen=True, slots=True)
class Payments:
    account: np.ndarray  # index of the account within the block
    paid_on: np.ndarray  # days since 1970-01-01
    amount: np.ndarray  # cents, > 0
    channel: np.ndarray  # index into CHANNELS


@dataclass(frozen=True, slots=True)
class Plan:
    """Per account: behaviour, the day it stops paying, the day it cures, what share it pays."""

    behaviour: np.ndarray
    stop: np.ndarray
    cure: np.ndarray
    share: np.ndarray


def plan(acc: Accounts, owner: np.ndarray, as_of: int, rng: np.random.Generator) -> Plan:
    """Draw each borrower's behaviour and distress day; `owner` maps account -> borrower."""
    borrowers = int(owner.max()) + 1 if len(owner) else 0
    kind = rng.choice(len(BEHAVIOURS), borrowers, p=BEHAVIOUR_MIX)[owner]
    n = len(owner)
    spared = (kind >= ROLL) & (rng.random(n) < 0.2)
    kind = np.where(spared, ALWAYS, kind)
    # online micro-loans default far more often, often on the very first instalment
    kind = np.where((acc.product == MICRO) & (rng.random(n) < 0.05), NEVER, kind)
    distress = as_of - np.minimum(rng.exponential(150, borrowers), 3 * 365).astype(np.int64)
    stop = np.select(
        [kind == ROLL, kind == NEVER],
        [distress[owner], acc.disbursed + rng.integers(0, 40, n)],
        NEVER_DAY,
    )
    cured = (kind == ROLL) & (rng.random(n) < 0.4)
    cure = np.where(cured, stop + rng.integers(20, 120, n), NEVER_DAY)
    share = np.where(kind == PARTIAL, rng.uniform(0.3, 0.85, n), 1.0)
    return Plan(kind, stop, cure, share)


def payments(
    acc: Accounts, sched: Schedule, how: Plan, as_of: int, rng: np.random.Generator
) -> Payments:
    """One payment per instalment at most (late, partial, token or none), seen at `as_of`."""
    a, due, m = sched.account, sched.due, len(sched.due)
    distressed = (due > how.stop[a]) & (due <= how.cure[a])
    in_arrears = distressed & (how.cure[a] == NEVER_DAY)
    curing = distressed & ~in_arrears
    late = rng.random(m) < _LATE_ODDS[how.behaviour[a]]
    lag = np.where(late, np.minimum(rng.geometric(1 / 15, m), 90), -_early_days(m, rng))
    lag = np.select([curing, in_arrears], [how.cure[a] - due, rng.integers(0, 20, m)], lag)
    token = in_arrears & (rng.random(m) < 0.15)
    token_share = np.where(token, rng.uniform(0.1, 0.4, m), 0.0)
    share = np.select([in_arrears, curing], [token_share, 1.0], how.share[a])
    amount = np.floor(sched.total * share).astype(np.int64)
    paid_on = np.maximum(due + lag, acc.disbursed[a] + 1)
    keep = (amount > 0) & (paid_on <= as_of)
    was_late = (late | distressed)[keep]
    return Payments(
        account=a[keep],
        paid_on=paid_on[keep],
        amount=amount[keep],
        channel=_channels(was_late, rng),
    )


def _early_days(m: int, rng: np.random.Generator) -> np.ndarray:
    """Auto-debit on the day for most; the rest pay 1–5 days ahead."""
    return np.where(rng.random(m) < 0.6, 0, rng.integers(1, 6, m))


def _channels(was_late: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Late money comes through payment links and transfers; on-time money by auto-debit."""
    n = len(was_late)
    on_time = rng.choice(len(CHANNELS), n, p=ON_TIME_CHANNELS)
    late = rng.choice(len(CHANNELS), n, p=LATE_CHANNELS)
    return np.where(was_late, late, on_time)
