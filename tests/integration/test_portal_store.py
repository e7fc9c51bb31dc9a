"""The portal's repositories on SQLite and PostgreSQL: one-time codes stored as hashes, used
once (compare-and-set), their tries and issues counted, attempts counted per subject within the
hour; the borrower user made once per borrower; a letter's code opening the portal once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from portfolio_files import write_portfolio
from sqlalchemy import select

from fairdebt.adapters.db.portal_tables import portal_codes
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.services import portal_codes as codes
from fairdebt.services.importing import ImportOptions, import_portfolio
from fairdebt.services.portal import borrower_user
from fairdebt.services.ports.portal import OneTimeCode

NOW = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
KEY = "integration-secret"


def _row(id_: str, subject: str = "s", purpose: str = codes.SIGN_IN) -> OneTimeCode:
    return OneTimeCode(
        id=id_,
        purpose=purpose,
        subject=subject,
        challenge=f"challenge-{id_}",
        code_hash=f"hash-{id_}",
        borrower_id=None,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=5),
    )


def test_codes_are_used_once_and_counted(engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow:
        uow.portal_codes.add(_row("a"))
        uow.portal_codes.add(_row("b"))
        uow.portal_codes.add(_row("c", subject="other"))
        uow.commit()
    with uow:
        found = uow.portal_codes.by_challenge("challenge-a")
        assert found is not None and found.expires_at == NOW + timedelta(minutes=5)
        assert found.used_at is None and uow.portal_codes.by_challenge("nope") is None
        assert [uow.portal_codes.count_tries("a") for _ in range(3)] == [1, 2, 3]
        assert uow.portal_codes.use("a", NOW) and not uow.portal_codes.use("a", NOW)
        assert uow.portal_codes.issued(codes.SIGN_IN, "s", NOW - timedelta(hours=1)) == 2
        assert uow.portal_codes.issued(codes.SIGN_IN, "s", NOW) == 0  # strictly after
        assert uow.portal_codes.issued(codes.SIGN, "s", NOW - timedelta(hours=1)) == 0
        uow.commit()
    with uow:
        used = uow.portal_codes.by_challenge("challenge-a")
        assert used is not None and used.used_at == NOW


def test_attempts_are_counted_per_kind_and_subject_within_the_window(engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow:
        for minutes in (0, 10, 70):
            uow.portal_attempts.add(NOW - timedelta(minutes=minutes), "fail", "subject")
        uow.portal_attempts.add(NOW, "request", "subject")
        uow.commit()
    with uow:
        assert uow.portal_attempts.count("fail", "subject", NOW - timedelta(hours=1)) == 2
        assert uow.portal_attempts.count("request", "subject", NOW - timedelta(hours=1)) == 1
        assert uow.portal_attempts.count("fail", "else", NOW - timedelta(hours=1)) == 0


def test_the_borrower_user_is_made_once_and_a_letter_code_opens_once(engine, tmp_path) -> None:
    import_portfolio(
        SqlUnitOfWork(engine), [write_portfolio(tmp_path / "p")], ImportOptions(NOW.date(), NOW)
    )
    first = borrower_user(SqlUnitOfWork(engine), "B0001")
    again = borrower_user(SqlUnitOfWork(engine), "B0001")
    assert first.id == again.id and first.borrower_id == "B0001"
    with SqlUnitOfWork(engine) as uow:
        assert uow.borrower_users.for_borrower("B0001") == first.id
        assert uow.borrower_users.for_borrower("B9999") is None

    token, code = codes.issue_letter_code(SqlUnitOfWork(engine), "C-B0001", NOW, KEY)
    with engine.connect() as conn:
        (row,) = conn.execute(select(portal_codes)).all()
    stored = " ".join(str(v) for v in row)
    assert code.replace("-", "") not in stored and token not in stored
    later = NOW + timedelta(days=29)
    wrong = codes.check_code(
        SqlUnitOfWork(engine), token, "2222-2222", "c", later, KEY, purpose=codes.LETTER
    )
    ok = codes.check_code(SqlUnitOfWork(engine), token, code, "c", later, KEY, purpose=codes.LETTER)
    reused = codes.check_code(
        SqlUnitOfWork(engine), token, code, "c", later, KEY, purpose=codes.LETTER
    )
    assert (wrong.status, ok.status, reused.status) == ("wrong", "ok", "used")
    assert ok.borrower_id == "B0001"
    as_sign_in = codes.check_code(SqlUnitOfWork(engine), token, code, "c", later, KEY)
    assert as_sign_in.status == "expired"  # a letter's token is no phone code's challenge


def test_the_letter_code_command_prints_a_link_and_a_code(use_database, tmp_path, capsys) -> None:
    from fairdebt.adapters.db.engine import make_engine
    from fairdebt.cli import main

    engine = make_engine(use_database)
    import_portfolio(
        SqlUnitOfWork(engine), [write_portfolio(tmp_path / "p")], ImportOptions(NOW.date(), NOW)
    )
    engine.dispose()

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(["portal", "letter-code", *args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("C-B0001", "--days", "10")
    assert code == 0 and "/portal/letter/" in out
    assert re.search(r"code: [2-9A-Z]{4}-[2-9A-Z]{4}", out)
    code, out, err = run("C-NOPE")
    assert code == 2 and "no case" in err and "Traceback" not in err


def test_the_desk_lists_alerts_across_cases_newest_first(engine, tmp_path) -> None:
    from fairdebt.domain.events import NewEvent

    import_portfolio(
        SqlUnitOfWork(engine), [write_portfolio(tmp_path / "p")], ImportOptions(NOW.date(), NOW)
    )
    uow = SqlUnitOfWork(engine)
    with uow:
        for minutes, case_id in ((0, "C-B0001"), (5, "C-B0002")):
            at = NOW + timedelta(minutes=minutes)
            data = {"how": "call", "text": "冒充"}
            uow.events.append(case_id, NewEvent("impostor_reported", "borrower:u", data), at)
        uow.commit()
    with uow:
        found = uow.desk.alerts(("impostor_reported", "visit_money_alert"), 10)
        assert [e.case for e in found] == ["C-B0002", "C-B0001"]
        assert found[0].data["text"] == "冒充"
        assert uow.desk.alerts(("visit_money_alert",), 10) == []
