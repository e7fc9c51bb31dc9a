"""Letters as real PDFs, on SQLite and PostgreSQL: each kind rendered for a case of the console
portfolio (tests/console_data.py), read back with pypdfium2 (text and pixels), checked against
the case's record, the packs' content rules and the law each letter answers to."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import console_data
import pypdfium2 as pdfium
import pytest
from sqlalchemy import insert, update

from fairdebt.adapters.channels.console import ConsoleChannel
from fairdebt.adapters.db import tables as t
from fairdebt.adapters.db.strategy_tables import strategy_runs
from fairdebt.adapters.db.uow import SqlUnitOfWork
from fairdebt.adapters.db.worklist_tables import tasks
from fairdebt.compliance.pack import builtin_packs
from fairdebt.compliance.rules.content import ContentRule
from fairdebt.compliance.types import Channel, Party, Purpose
from fairdebt.letters import KINDS, LetterError, letter_context, render_letter
from fairdebt.services.charges import account_charges
from fairdebt.services.contact import DEFAULT_ORDER
from fairdebt.services.outbox import Worker
from fairdebt.services.worklist_execute import Sender, execute
from fairdebt.strategy.config import DEFAULT_PATH

NOW = console_data.NOW  # 2026-06-30 09:30 UTC: the portfolio's as-of day in Shanghai too
CASE = "C-B0003"  # in-house, 29 days past due, borrower 刘敏 in 深圳
PLACED = "C-B0005"  # placed with AG-EAST
SENDER = Sender(agency_addresses=(("AG-EAST", "1 Main St, Springfield, IL 62701"),))
PACKS = builtin_packs()
TEXT_OF = {
    "collection_notice": "催收函",
    "lawyers_letter": "律师函",
    "sealed_cover": "非本人请勿拆阅",
}


@pytest.fixture
def portfolio(engine) -> console_data.Portfolio:
    with engine.begin() as conn:
        return console_data.build(conn, count=10)


def pages_text(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in doc]
    finally:
        doc.close()


def ink(pdf: bytes) -> float:
    """The share of the first page's pixels that are not white, rendered at 50 dpi."""
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=50 / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    pixels = list(image.get_flattened_data())
    return sum(1 for p in pixels if p < 200) / len(pixels)


def title_of(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return str(doc.get_metadata_dict().get("Title", ""))
    finally:
        doc.close()


def reflow(text: str) -> str:
    """The text as written: a line break inside Chinese text goes, elsewhere it is a space."""
    cjk = r"[\u3000-\u9fff\uff00-\uffef]"
    text = re.sub(rf"(?<={cjk})\s*\n\s*|\s*\n\s*(?={cjk})", "", text.replace("\r", ""))
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    """The text without line breaks and spaces (a PDF's text wraps where the line did)."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_a_readable_pdf_stating_the_cases_values(
    engine, portfolio, kind: str, locale: str
) -> None:
    case = PLACED if kind == "validation_notice" else CASE
    uow = SqlUnitOfWork(engine)

    pdf = render_letter(uow, case, kind, locale, NOW, SENDER)
    context = letter_context(uow, case, kind, locale, NOW, SENDER)

    assert pdf.startswith(b"%PDF-")
    assert render_letter(uow, case, kind, locale, NOW, SENDER) == pdf  # deterministic bytes
    assert ink(pdf) > 0.01  # something is printed on the page
    text = flat("".join(pages_text(pdf)))
    assert flat(context["borrower_name"]) in text and flat(context["address"]) in text
    if locale == "zh-CN" and kind in TEXT_OF:
        assert TEXT_OF[kind] in text and TEXT_OF[kind] in title_of(pdf)  # CJK glyphs, mapped
    if kind != "sealed_cover":
        for name in ("amount", "interest", "fees"):
            assert context[name] in text, name


def test_the_collection_notice_states_what_may_be_demanded_and_every_required_item(
    engine, portfolio
) -> None:
    uow = SqlUnitOfWork(engine)
    charges = account_charges(uow, "A0003", NOW.date(), DEFAULT_ORDER)

    text = flat(pages_text(render_letter(uow, CASE, "collection_notice", "zh-CN", NOW, SENDER))[0])

    nid = console_data.national_id(3)
    assert f"证件号后四位{nid[-4:]}" in text and nid not in text  # the tail, never the number
    assert "合同编号A0003" in text and "逾期29天" in text and "示例消费金融有限公司" in text
    total = re.search(r"欠款金额合计([\d,]+\.\d\d)", text)
    assert total and Decimal(total.group(1).replace(",", "")) == charges.demandable
    for item in ("催收原因及依据", "第六百七十五条", "异议", "提供证据", "还款方式", "盖章"):
        assert item in text, item
    assert "400-000-0000" in text and "127.0.0.1:8000/verify" in text


def _content_faults(pdf: bytes, pack: str, purpose: Purpose) -> list[str]:
    """The pack's content rules for a letter to the debtor, read over the PDF's own text."""
    text = reflow(" ".join(pages_text(pdf)))
    rules = PACKS.resolve(pack).rules_for(Channel("letter"), Party("debtor"), purpose)
    return [
        f"{rule.spec.id}: {found}"
        for rule in rules
        if isinstance(rule, ContentRule) and rule.spec.severity != "info"
        for found in [rule.read(text)]
        if found is not None
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_letters_pass_their_packs_content_rules(engine, portfolio, locale: str) -> None:
    uow = SqlUnitOfWork(engine)
    notice = render_letter(uow, CASE, "collection_notice", locale, NOW, SENDER)
    lawyers = render_letter(uow, CASE, "lawyers_letter", locale, NOW, SENDER)
    validation = render_letter(uow, PLACED, "validation_notice", locale, NOW, SENDER)

    assert _content_faults(notice, "cn", Purpose("collect")) == []  # CC-69's items, no threat
    assert _content_faults(lawyers, "cn", Purpose("legal_notice")) == []
    assert _content_faults(validation, "us-regf", Purpose("collect")) == []


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_sealed_cover_names_no_debt_no_creditor_and_no_amount(
    engine, portfolio, locale: str
) -> None:
    uow = SqlUnitOfWork(engine)
    debt = letter_context(uow, CASE, "collection_notice", locale, NOW, SENDER)

    pdf = render_letter(uow, CASE, "sealed_cover", locale, NOW, SENDER)

    text = reflow(" ".join(pages_text(pdf))) + " " + title_of(pdf)
    # what a relative who takes the letter in may not learn (NIFA18-18, CBA26-3P)
    relay = PACKS.resolve("cn").rules_for(
        Channel("letter"), Party("co_resident_relative"), Purpose("relay")
    )
    disclosure = next(r for r in relay if r.spec.id == "NIFA18-18")
    assert isinstance(disclosure, ContentRule) and disclosure.read(text) is None
    for word in ("催收", "律师", "欠", "逾期", "collect", "debt", "overdue", "loan", "lawyer"):
        assert word not in text.lower(), word
    for value in (debt["creditor"], debt["amount"], debt["principal"], debt["contract_no"]):
        assert value not in text, value
    assert "非本人请勿拆阅" in text if locale == "zh-CN" else "addressee only" in text
    assert SENDER.mailing_address.replace(" ", "") in text.replace(" ", "")


def test_a_value_the_case_lacks_is_named_never_left_blank(engine, portfolio) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(t.borrowers)
            .where(t.borrowers.c.id == "B0003")
            .values(national_id=None, address="  ")
        )
    uow = SqlUnitOfWork(engine)

    with pytest.raises(LetterError) as caught:
        render_letter(uow, CASE, "collection_notice", "zh-CN", NOW, SENDER)

    assert "(address)" in caught.value.cause and "(id_tail)" in caught.value.cause
    with pytest.raises(LetterError, match=r"\(address\)"):
        render_letter(uow, CASE, "sealed_cover", "zh-CN", NOW, SENDER)
    with pytest.raises(LetterError, match="collector_address"):  # AG-EAST, no address known
        render_letter(SqlUnitOfWork(engine), PLACED, "validation_notice", "en", NOW, Sender())


def test_an_unknown_case_kind_or_locale_is_a_clear_error(engine, portfolio) -> None:
    uow = SqlUnitOfWork(engine)

    with pytest.raises(LetterError, match="no case 'C-NOPE'"):
        render_letter(uow, "C-NOPE", "collection_notice", "zh-CN", NOW, SENDER)
    with pytest.raises(LetterError, match="unknown letter kind") as caught:
        render_letter(uow, CASE, "demand", "zh-CN", NOW, SENDER)
    assert "sealed_cover" in caught.value.hint
    with pytest.raises(LetterError, match="unknown locale"):
        render_letter(uow, CASE, "collection_notice", "fr", NOW, SENDER)


# --- the US validation notice for a constructed account -------------------------------------


def _us_case(engine) -> None:
    """C-B0005 (AG-EAST) made a US dollar account: $3,000 lent 2026-01-02, three instalments of
    $1,000 + $30 interest + $5 fee due 2026-02-01/03-01/04-01; paid $1,035 on 02-01 and $500
    on 03-10 (instead of the portfolio's own payments)."""
    with engine.begin() as conn:
        conn.execute(t.payments.delete().where(t.payments.c.account_id == "A0005"))
        conn.execute(t.instalments.delete().where(t.instalments.c.account_id == "A0005"))
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == "A0005")
            .values(
                currency="USD", lender="Example Bank, N.A.", lender_type="licensed_bank",
                principal_cents=300_000, disbursed_on=date(2026, 1, 2), penalty_rate="0",
            )
        )  # fmt: skip
        conn.execute(
            insert(t.instalments),
            [
                {"account_id": "A0005", "seq": n + 1, "due_on": date(2026, 2 + n, 1),
                 "principal_cents": 100_000, "interest_cents": 3_000, "fee_cents": 500}
                for n in range(3)
            ],
        )  # fmt: skip
        conn.execute(
            insert(t.payments),
            [
                {"id": "U1", "account_id": "A0005", "paid_on": date(2026, 2, 1),
                 "amount_cents": 103_500, "channel": "bank_transfer", "channel_ref": "TX-U1"},
                {"id": "U2", "account_id": "A0005", "paid_on": date(2026, 3, 10),
                 "amount_cents": 50_000, "channel": "bank_transfer", "channel_ref": "TX-U2"},
            ],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("now", "deadline"),
    [
        (datetime(2026, 4, 10, 15, 0, tzinfo=UTC), "2026-05-17"),  # a Friday: the weekend skipped
        (datetime(2026, 7, 2, 15, 0, tzinfo=UTC), "2026-08-09"),  # 4 July observed on the 3rd
    ],
)
def test_the_validation_notice_itemizes_from_the_transaction_date_with_its_deadline(
    engine, portfolio, now: datetime, deadline: str
) -> None:
    _us_case(engine)

    pdf = render_letter(SqlUnitOfWork(engine), PLACED, "validation_notice", "en", now, SENDER)

    text = reflow(" ".join(pages_text(pdf)))
    assert "AG-EAST is a debt collector" in text and "1 Main St, Springfield, IL 62701" in text
    assert "owe to Example Bank, N.A." in text and "account number ****0005" in text
    assert "As of 2026-01-02, you owed: $3,000.00" in text
    assert "interest: + $90.00" in text and "fees: + $15.00" in text and "– $1,535.00" in text
    assert "Total amount of the debt now: $1,570.00" in text
    assert f"by {deadline}" in text and text.count(deadline) >= 3
    assert "www.cfpb.gov/debt-collection" in text and "original creditor" in text


def test_a_us_validation_task_is_sent_with_its_itemization_not_sent_to_review(
    engine, portfolio
) -> None:
    _us_case(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(strategy_runs).values(
                id="R1", as_of=date(2026, 4, 10), status="current", strategy_name="default",
                strategy_sha256="0" * 64, strategy_yaml=DEFAULT_PATH.read_text(encoding="utf-8"),
                backend="duckdb", source="db", accounts=1, started_at=NOW.isoformat(),
                finished_at=NOW.isoformat(), timings="{}",
            )
        )  # fmt: skip
        task_id = conn.execute(
            insert(tasks).values(
                run_id="R1", as_of=date(2026, 4, 10), case_id=PLACED, action_no=1, kind="letter",
                template="validation_notice", treatment="agency", dpd=9, due_on=date(2026, 4, 10),
                priority=1, assignee_kind="agency", assignee_id="AG-EAST", status="open",
                updated_at=NOW.isoformat(),
            )
        ).inserted_primary_key[0]  # fmt: skip
    post = ConsoleChannel()
    morning = datetime(2026, 4, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York, 22:00 in Shanghai

    done = execute(
        SqlUnitOfWork(engine), task_id, "system:test", morning, PACKS, {"letter": post},
        sender=SENDER,
    )  # fmt: skip

    assert done.status == "queued", done.note
    sent = Worker(SqlUnitOfWork(engine), {"letter": post}, PACKS).drain(lambda: morning)
    assert sent.counts == {"sent": 1}
    body = " ".join(post.outbox[0].body.split())
    assert "As of 2026-01-02, you owed: 3,000.00" in body
    assert "You paid or were credited this amount toward the debt: – 1,535.00" in body
    assert "Total amount of the debt now: 1,570.00" in body
    assert "by 2026-05-17" in body and "1 Main St, Springfield" in body


# --- the command line -------------------------------------------------------------------------


def test_the_cli_renders_one_letter_and_says_where_and_how_many_pages(
    engine, portfolio, tmp_path: Path, fairdebt
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the command line is checked once, on SQLite")
    env = {"FAIRDEBT_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    out = tmp_path / "notice.pdf"

    done = fairdebt("letters", "render", CASE, "--kind", "collection_notice", "--out", str(out),
                   env=env, cwd=tmp_path)  # fmt: skip
    unknown_case = fairdebt("letters", "render", "C-NOPE", "--kind", "sealed_cover",
                           "--out", str(out), env=env, cwd=tmp_path)  # fmt: skip
    unknown_kind = fairdebt("letters", "render", CASE, "--kind", "demand", "--out", str(out),
                           env=env, cwd=tmp_path)  # fmt: skip
    unwritable = fairdebt("letters", "render", CASE, "--kind", "sealed_cover",
                         "--out", str(tmp_path / "no" / "such" / "dir.pdf"),
                         env=env, cwd=tmp_path)  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}\t1 page(s)"
    assert "催收函" in flat(pages_text(out.read_bytes())[0])
    assert (unknown_case.returncode, unknown_case.stderr) == (
        2, "error: no case 'C-NOPE'\nhint: check the id, e.g. C-B0001\n"
    )  # fmt: skip
    assert unknown_kind.returncode == 2 and "unknown letter kind 'demand'" in unknown_kind.stderr
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr
    assert "Traceback" not in unknown_case.stderr + unknown_kind.stderr + unwritable.stderr
