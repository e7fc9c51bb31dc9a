"""The outbox benchmark's database: a small synthetic portfolio and N texts queued through the
real path (services.contact.ask + services.outbox.enqueue, one transaction per chunk).

Each case gets at most PER_CASE texts, under the cn pack's texts-a-day cap (CN-ADM-42: 10 a
day per party; queued ones count), so asking the gate again at sending time allows every one of
them. Each borrower's text names them, so the evidence store keeps one object per case, as it
would for real reminders.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from fairdebt.compliance.pack import Packs
    from fairdebt.compliance.types import Decision
    from fairdebt.services.ports import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The benchmark's clock starts here (a weekday morning in the borrowers' zone) and runs at the
# real clock's pace: the gate's quiet hours never defer a run, whatever the hour it is started.
VIRTUAL_START = datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)
AS_OF = date(2026, 6, 30)
PER_CASE = 4  # texts per case: under the cap of 10 a day, few workers on one case's log at once
CHUNK = 500  # messages asked and queued per transaction
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳")
BODY = (
    "【示例消费金融有限公司】{name}您好，您的借款已逾期，请及时还款。"
    "如有疑问请致电 400-000-0000。回复 TD 退订。"
)


@dataclass(frozen=True, slots=True)
class Portfolio:
    case_ids: tuple[str, ...]
    phones: dict[str, str]  # case id -> the borrower's phone (E.164)
    names: dict[str, str]


def cases_for(messages: int) -> int:
    return max(1, math.ceil(messages / PER_CASE))


def build(conn: Connection, count: int) -> Portfolio:
    """`count` borrowers with one overdue account and one open case each, the snapshot
    computed by the real refresh_snapshot, each case's log opened."""
    from sqlalchemy import insert

    from fairdebt.adapters.db import tables as t
    from fairdebt.adapters.db.repositories import SqlEventLog
    from fairdebt.adapters.db.snapshot import refresh_snapshot
    from fairdebt.domain.events import NewEvent

    names = {i: SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)] for i in range(count)}
    phones = {i: f"+86139{i:08d}" for i in range(count)}
    conn.execute(insert(t.borrowers), [_borrower(i, names[i], phones[i]) for i in range(count)])
    conn.execute(insert(t.accounts), [_account(i) for i in range(count)])
    conn.execute(insert(t.instalments), [s for i in range(count) for s in _schedule(i)])
    cases = [
        {"id": _case(i), "borrower_id": f"B{i:07d}", "status": "open", "holds": ""}
        for i in range(count)
    ]
    conn.execute(insert(t.cases), [c | {"opened_on": AS_OF} for c in cases])
    refresh_snapshot(conn, AS_OF)
    opened = VIRTUAL_START - timedelta(days=1)
    SqlEventLog(conn).append_many(
        (
            (c["id"], NewEvent("case_opened", "import", {"borrower": c["borrower_id"]}))
            for c in cases
        ),
        opened,
    )
    return Portfolio(
        case_ids=tuple(c["id"] for c in cases),
        phones={_case(i): phones[i] for i in range(count)},
        names={_case(i): names[i] for i in range(count)},
    )


def queue(
    engine: Engine,
    portfolio: Portfolio,
    messages: int,
    packs: Packs,
    clock: Callable[[], datetime],
) -> int:
    """Ask the gate for each text and queue it with its decision, CHUNK per transaction; the
    number queued (every one is allowed: FairdebtError otherwise)."""
    from fairdebt.adapters.db.uow import SqlUnitOfWork
    from fairdebt.errors import FairdebtError

    cases = portfolio.case_ids
    uow = SqlUnitOfWork(engine)
    for start in range(0, messages, CHUNK):
        with uow:
            for n in range(start, min(start + CHUNK, messages)):
                case = cases[n % len(cases)]  # round robin: each case's texts far apart
                phone, body = portfolio.phones[case], BODY.format(name=portfolio.names[case])
                decision, key = queue_text(uow, case, phone, body, clock(), packs, "bench")
                if key is None:
                    rules = ", ".join(r.id for r in decision.rules)
                    raise FairdebtError(
                        f"the gate did not allow a benchmark text for {case}: {rules}",
                        "the synthetic portfolio no longer fits the cn pack: fix bench/outbox_data",
                    )
            uow.commit()
    return messages


def queue_text(
    uow: UnitOfWork, case: str, phone: str, body: str, now: datetime, packs: Packs, actor: str
) -> tuple[Decision, str | None]:
    """A reminder text to the case's debtor as the running system queues one, inside the
    caller's transaction: the gate asked (its decision logged), the message put in the outbox
    if allowed. The decision, and the message's outbox key (None when not allowed)."""
    from fairdebt.services.contact import ContactRequest, ask
    from fairdebt.services.outbox import enqueue, new_key
    from fairdebt.services.ports.outbox import NewMessage

    request = ContactRequest(case, "sms", "debtor", "remind", phone, "in-house", actor, body)
    decision = ask(uow, request, now, packs, "cn").decision
    if decision.decision.value != "allow":
        return decision, None
    message = NewMessage(
        new_key(), case, None, "sms", "debtor", "remind", "in-house", actor, "cn",
        phone, "", body, "zh-CN", "", decision.id, now, now,
    )  # fmt: skip
    enqueue(uow, message)
    return decision, message.key


def _case(i: int) -> str:
    return f"C-B{i:07d}"


def _borrower(i: int, name: str, phone: str) -> dict[str, object]:
    return {
        "id": f"B{i:07d}",
        "name": name,
        "national_id": None,
        "phones": phone,
        "email": None,
        "address": "上海市浦东新区世纪大道 1 号",
        "city": "上海",
        "lat": None,
        "lon": None,
        "timezone": "Asia/Shanghai",
    }


PRINCIPAL_CENTS, INTEREST_CENTS = 100_000, 15_000


def _account(i: int) -> dict[str, object]:
    return {
        "id": f"A{i:07d}",
        "borrower_id": f"B{i:07d}",
        "product": "consumer_loan",
        "lender": "示例消费金融有限公司",
        "lender_type": "consumer_finance",
        "currency": "CNY",
        "principal_cents": 6 * PRINCIPAL_CENTS,
        "interest_rate": "0.18",
        "penalty_rate": "0.0005",
        "fee_rate": "0",
        "contract_date": date(2025, 1, 1),
        "disbursed_on": date(2025, 1, 1),
    }


def _schedule(i: int) -> list[dict[str, object]]:
    """Six monthly instalments, the first two unpaid since 35 and 5 days before AS_OF."""
    first = AS_OF - timedelta(days=35)
    return [
        {
            "account_id": f"A{i:07d}",
            "seq": k + 1,
            "due_on": first + timedelta(days=30 * k),
            "principal_cents": PRINCIPAL_CENTS,
            "interest_cents": INTEREST_CENTS,
            "fee_cents": 0,
        }
        for k in range(6)
    ]
