"""The inbound address book on SQLite and PostgreSQL: a number anywhere in a borrower's list of
phones, an e-mail in any case, closed cases left out, a message's case by its decision or key;
and a STOP through the use case reaches the gate on both databases."""

from __future__ import annotations

from datetime import timedelta

import console_data
from sqlalchemy import update
from sqlalchemy.engine import Engine

from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.compliance.pack import builtin_packs
from fairdebt.domain.events import NewEvent
from fairdebt.services.contact import ContactRequest, ask
from fairdebt.services.inbound import record_reply

NOW = console_data.NOW


def _build(engine: Engine) -> console_data.Portfolio:
    with engine.begin() as conn:
        portfolio = console_data.build(conn, count=6)
        b = t.borrowers.c
        conn.execute(
            update(t.borrowers)
            .where(b.id == "B0001")
            .values(phones="+8613900000001;+8613800010007;+8613700000001", email=" B1@Example.CN")
        )
        conn.execute(update(t.borrowers).where(b.id == "B0002").values(phones="+8613800010007"))
        conn.execute(update(t.cases).where(t.cases.c.id == "C-B0003").values(status="closed"))
    return portfolio


def test_numbers_addresses_and_messages_are_found(engine: Engine) -> None:
    _build(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        uow.events.append(
            "C-B0004",
            NewEvent("contact_attempted", "x", {"decision_id": "d_1%", "key": "k-7"}),
            NOW,
        )
        book = uow.addresses
        assert book.open_cases_by_phone("+8613800010007") == ["C-B0001", "C-B0002"]
        assert book.open_cases_by_phone("+8613900000001") == ["C-B0001"]
        assert book.open_cases_by_phone("+8613700000001") == ["C-B0001"]
        assert book.open_cases_by_phone("+861380001000") == []  # a prefix is not the number
        assert book.open_cases_by_phone("%") == []
        assert book.open_cases_by_phone("+8613800030021") == []  # C-B0003 is closed
        assert book.open_cases_by_email("b1@example.cn") == ["C-B0001"]
        assert book.open_cases_by_email("nobody@example.cn") == []
        assert book.case_of_message("d_1%") == "C-B0004"
        assert book.case_of_message("k-7") == "C-B0004"
        assert book.case_of_message("d_1") is None
        assert book.case_of_message("d%") is None


def test_a_stop_reply_reaches_the_gate(engine: Engine) -> None:
    portfolio = _build(engine)
    phone = portfolio.phones["C-B0005"]

    done = record_reply(SqlUnitOfWork(engine), "gateway", phone, "1069", "STOP", None, NOW)

    request = ContactRequest(
        "C-B0005", "sms", "debtor", "remind", phone, "lender-1", "collector:u1",
        content="您好，请及时还款。回复TD退订",
    )  # fmt: skip
    later = NOW + timedelta(minutes=1)
    decision = ask(SqlUnitOfWork(engine), request, later, builtin_packs(), "cn").decision
    assert done.cases == ("C-B0005",)
    assert decision.decision.value == "deny"
    assert "CN-PIPL-13/14/15" in [r.id for r in decision.rules]
