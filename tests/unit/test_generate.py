"""`generate_portfolio`: the import format, valid identities, sound money, plausible behaviour."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fairdebt.adapters.portfolio.reader import expand, read
from fairdebt.adapters.portfolio.spec import SPECS
from fairdebt.adapters.portfolio.validate import validate
from fairdebt.demo import generate as generate_module
from fairdebt.demo import loans
from fairdebt.demo.cities import CITIES
from fairdebt.demo.columns import group_positions
from fairdebt.demo.generate import generate_portfolio
from fairdebt.domain.borrower import normalise_phone
from fairdebt.domain.delinquency import bucket_of, delinquency_at
from fairdebt.domain.loan import Account, Instalment, LenderType, Payment, Product
from fairdebt.domain.money import Money
from fairdebt.errors import FairdebtError

AS_OF = date(2026, 11, 24)
KINDS = ("borrowers", "accounts", "schedules", "payments")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    out = tmp_path_factory.mktemp("portfolio")
    generate_portfolio(6000, out, seed=7)
    return {kind: pq.read_table(out / f"{kind}.parquet") for kind in KINDS}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    generate_portfolio(1500, tmp_path / "a", seed=11)
    generate_portfolio(1500, tmp_path / "b", seed=11)

    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_another_seed_gives_other_people(tmp_path: Path) -> None:
    generate_portfolio(500, tmp_path / "a", seed=1)
    generate_portfolio(500, tmp_path / "b", seed=2)

    names = [pq.read_table(tmp_path / x / "borrowers.parquet")["name"] for x in "ab"]
    assert names[0] != names[1]


def test_chunking_does_not_change_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate_module, "BLOCK", 400)  # 3 blocks without a big portfolio
    generate_portfolio(1000, tmp_path / "one", seed=5, chunk_size=10_000)
    generate_portfolio(1000, tmp_path / "many", seed=5, chunk_size=1)

    for kind in KINDS:
        one = pq.read_table(tmp_path / "one" / f"{kind}.parquet")
        many = pq.read_table(tmp_path / "many" / f"{kind}.parquet")
        assert one.equals(many), kind
    assert pq.ParquetFile(tmp_path / "many" / "payments.parquet").num_row_groups == 3


def test_columns_are_those_of_the_import_format(portfolio: dict[str, pa.Table]) -> None:
    for kind in KINDS:
        assert tuple(portfolio[kind].column_names) == SPECS[kind].names  # docs/import.md


def test_column_types_are_decimal_money_dates_and_text(portfolio: dict[str, pa.Table]) -> None:
    wanted = {"money": pa.decimal128(18, 2), "date": pa.date32(), "rate": pa.decimal128(7, 4)}
    wanted |= {"float": pa.float64(), "int": pa.int32()}
    for kind in KINDS:
        schema = portfolio[kind].schema
        for column in SPECS[kind].columns:
            assert schema.field(column.name).type == wanted.get(column.type, pa.string()), (
                kind,
                column.name,
            )


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_importer_finds_nothing_wrong(tmp_path: Path, fmt: str) -> None:
    generate_portfolio(1500, tmp_path, seed=3, fmt=fmt)  # type: ignore[arg-type]

    sources = expand([tmp_path])
    checked = [validate(s.path, s.kind, read(s), {"timezone": "Asia/Shanghai"}) for s in sources]

    assert [s.path.suffix for s in sources] == [f".{fmt}"] * 4
    assert [str(e) for v in checked for e in v.errors] == []


def test_csv_amounts_are_plain_decimal_text(tmp_path: Path) -> None:
    generate_portfolio(300, tmp_path, fmt="csv")

    lines = (tmp_path / "payments.csv").read_text(encoding="utf-8").splitlines()

    assert lines[0] == "payment_id,account_id,paid_on,amount,channel,channel_ref"
    amounts = [line.split(",")[3] for line in lines[1:]]
    assert all(re.fullmatch(r"\d+\.\d\d", a) for a in amounts)


def test_every_national_id_passes_stdnum_and_fits_its_holder(
    portfolio: dict[str, pa.Table],
) -> None:
    prefixes = {c.name: c.id_code_prefixes for c in CITIES}
    for row in portfolio["borrowers"].select(["national_id", "city"]).to_pylist():
        number = row["national_id"]
        assert ric.validate(number) == number
        assert date(1960, 1, 1) <= ric.get_birth_date(number) <= date(2004, 12, 31)
        assert number.startswith(prefixes[row["city"]]), row


def test_sex_digits_are_balanced(portfolio: dict[str, pa.Table]) -> None:
    odd = sum(int(n[16]) % 2 for n in portfolio["borrowers"]["national_id"].to_pylist())
    assert 0.45 < odd / portfolio["borrowers"].num_rows < 0.67


def test_every_phone_number_is_a_valid_chinese_mobile(portfolio: dict[str, pa.Table]) -> None:
    numbers = [p for ps in portfolio["borrowers"]["phones"].to_pylist() for p in ps.split(";")]

    normalised = [normalise_phone(p) for p in numbers]

    assert len(numbers) > portfolio["borrowers"].num_rows  # some borrowers give two
    assert all(re.fullmatch(r"\+861[3-9]\d{9}", n) for n in normalised)


def test_coordinates_fall_near_their_city(portfolio: dict[str, pa.Table]) -> None:
    centre = {c.name: (c.lat, c.lon, c.spread_km) for c in CITIES}
    for row in portfolio["borrowers"].select(["city", "lat", "lon"]).to_pylist():
        lat, lon, spread = centre[row["city"]]
        north = (row["lat"] - lat) * 111.32
        east = (row["lon"] - lon) * 111.32 * math.cos(math.radians(lat))
        assert math.hypot(north, east) <= 3 * spread * math.sqrt(2) + 0.01, row


def test_addresses_name_the_borrowers_city(portfolio: dict[str, pa.Table]) -> None:
    for row in portfolio["borrowers"].select(["city", "address"]).to_pylist():
        assert row["city"] in row["address"][:12]


def test_loan_schedules_repay_exactly_the_principal(portfolio: dict[str, pa.Table]) -> None:
    loans_only = portfolio["accounts"].filter(
        pc.not_equal(portfolio["accounts"]["product"], "credit_card")
    )
    lent = dict(
        zip(loans_only["account_id"].to_pylist(), loans_only["principal"].to_pylist(), strict=True)
    )
    repaid: dict[str, Decimal] = defaultdict(Decimal)
    for row in portfolio["schedules"].select(["account_id", "principal"]).to_pylist():
        repaid[row["account_id"]] += row["principal"]

    assert lent and all(repaid[a] == p for a, p in lent.items())


def test_no_amount_is_negative_and_every_payment_is_positive(
    portfolio: dict[str, pa.Table],
) -> None:
    for column in ("principal", "interest", "fee"):
        assert pc.min(portfolio["schedules"][column]).as_py() >= 0
    assert pc.min(portfolio["accounts"]["principal"]).as_py() > 0
    assert pc.min(portfolio["payments"]["amount"]).as_py() > 0


def test_dates_lie_in_the_three_years_before_as_of(portfolio: dict[str, pa.Table]) -> None:
    disbursed = portfolio["accounts"]["disbursed_on"]
    assert pc.min(disbursed).as_py() >= AS_OF - timedelta(days=3 * 365)
    assert pc.max(disbursed).as_py() < AS_OF
    assert pc.max(portfolio["payments"]["paid_on"]).as_py() <= AS_OF


def test_payments_come_after_disbursement_through_official_channels(
    portfolio: dict[str, pa.Table],
) -> None:
    accounts = portfolio["accounts"].select(["account_id", "disbursed_on"])
    joined = portfolio["payments"].join(accounts, "account_id")

    assert pc.all(pc.greater(joined["paid_on"], joined["disbursed_on"])).as_py()
    assert set(pc.unique(joined["channel"]).to_pylist()) == set(
        SPECS["payments"].column("channel").choices
    )
    refs = joined["channel_ref"].to_pylist()
    assert len(set(refs)) > 0.99 * len(refs)


def test_every_product_and_lender_type_is_present(portfolio: dict[str, pa.Table]) -> None:
    accounts = portfolio["accounts"]
    counted = Counter(
        zip(accounts["product"].to_pylist(), accounts["lender_type"].to_pylist(), strict=True)
    )
    assert set(counted) == {
        ("credit_card", "licensed_bank"),
        ("consumer_loan", "licensed_bank"),
        ("consumer_loan", "consumer_finance"),
        ("micro_loan", "microloan"),
        ("micro_loan", "private"),
    }


def test_some_private_loans_charge_more_than_four_times_any_lpr(
    portfolio: dict[str, pa.Table],
) -> None:
    accounts = portfolio["accounts"]
    private = accounts.filter(pc.equal(accounts["lender_type"], "private"))
    rates = private["interest_rate"].to_pylist()

    # 4 x the one-year LPR peaked at 17 % (LPR 4.25 % in 2019) and bottomed at 12 % (3.0 %)
    assert any(r > Decimal("0.17") for r in rates)
    assert any(r < Decimal("0.12") for r in rates)


def _domain_accounts(portfolio: dict[str, pa.Table], n: int) -> list[tuple[Account, list[Payment]]]:
    accounts = portfolio["accounts"].slice(0, n)
    keep = pc.is_in(portfolio["schedules"]["account_id"], accounts["account_id"])
    schedule: dict[str, list[Instalment]] = defaultdict(list)
    for r in portfolio["schedules"].filter(keep).to_pylist():
        parts = (Money(r["principal"]), Money(r["interest"]), Money(r["fee"]))
        schedule[r["account_id"]].append(Instalment(r["seq"], r["due_on"], *parts))
    paid: dict[str, list[Payment]] = defaultdict(list)
    keep = pc.is_in(portfolio["payments"]["account_id"], accounts["account_id"])
    for r in portfolio["payments"].filter(keep).to_pylist():
        paid[r["account_id"]].append(
            Payment(
                r["payment_id"], r["account_id"], r["paid_on"], Money(r["amount"]), r["channel"]
            )
        )
    return [
        (
            Account(
                a["account_id"], a["borrower_id"], Product(a["product"]), a["lender"],
                LenderType(a["lender_type"]), Money(a["principal"]), a["interest_rate"],
                a["disbursed_on"], tuple(schedule[a["account_id"]]),
            ),
            paid[a["account_id"]],
        )
        for a in accounts.to_pylist()
    ]  # fmt: skip


@pytest.fixture(scope="module")
def sample(portfolio: dict[str, pa.Table]) -> list[tuple[Account, list[Payment]]]:
    return _domain_accounts(portfolio, 2500)


def test_delinquency_at_as_of_spreads_over_the_buckets(
    sample: list[tuple[Account, list[Payment]]],
) -> None:
    buckets = Counter(bucket_of(delinquency_at(a, p, AS_OF).dpd) for a, p in sample)

    share = {b: n / len(sample) for b, n in buckets.items()}
    assert 0.78 < share["M0"] < 0.95  # most accounts are current
    assert share["M1"] > share.get("M2", 0) > 0  # fewer roll on than fall behind
    assert 0.02 < share["M7+"] < 0.12  # a charged-off tail
    assert len(buckets) == 8  # M0, M1 .. M6, M7+: every bucket is populated


def test_behaviours_include_cures_after_late_payment(
    sample: list[tuple[Account, list[Payment]]],
) -> None:
    cured = 0
    for account, paid in sample[:600]:
        if cured > 8:
            break  # the assertion below holds already: the rest of the sample cannot change it
        if delinquency_at(account, paid, AS_OF).dpd:
            continue
        # DPD peaks on the eve of a payment: look there for a past M2+ episode
        eves = [p.paid_on - timedelta(days=1) for p in paid]
        cured += any(delinquency_at(account, paid, eve).dpd > 30 for eve in eves)

    assert cured > 8  # some fell more than 30 days behind, paid up, and are current today


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(10_000, 50_000_000),
    rate=st.integers(0, 3600),
    term=st.integers(1, 36),
)
def test_amortisation_repays_the_principal_to_the_cent(
    principal: int, rate: int, term: int
) -> None:
    one = np.array([0])
    acc = loans.Accounts(
        product=one + loans.CONSUMER, lender_type=one, lender=one, principal=one + principal,
        rate=one + rate, penalty_rate=one, fee_rate=one, disbursed=one, contract=one,
        term=one + term,
    )  # fmt: skip
    owner, pos = group_positions(acc.term)

    principal_part, interest = loans.amortise(acc, owner, pos)

    assert int(principal_part.sum()) == principal
    assert (principal_part >= 0).all() and (interest >= 0).all()
    assert (np.diff(interest) <= 1).all()  # interest falls as the balance does


def test_no_accounts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FairdebtError, match="0 accounts"):
        generate_portfolio(0, tmp_path)


def test_an_output_path_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")

    with pytest.raises(FairdebtError, match="cannot write"):
        generate_portfolio(10, tmp_path / "file" / "out")


def test_a_failed_run_leaves_no_files(tmp_path: Path) -> None:
    def interrupt(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_portfolio(100, tmp_path, on_progress=interrupt)

    assert list(tmp_path.iterdir()) == []


def test_the_result_counts_what_was_written(tmp_path: Path) -> None:
    seen: list[int] = []

    result = generate_portfolio(700, tmp_path, fmt="csv", on_progress=seen.append)

    assert seen[-1] == 700
    assert result.counts["accounts"] == 700
    for kind in KINDS:
        lines = result.paths[kind].read_text(encoding="utf-8").count("\n")
        assert lines == result.counts[kind] + 1, kind


def test_the_command_writes_the_files_and_says_how_many(tmp_path: Path, fairdebt) -> None:
    result = fairdebt("generate", "--accounts", "800", "--out", str(tmp_path), "--format", "csv")

    assert result.returncode == 0, result.stderr
    assert re.search(r"accounts\s+800 rows", result.stdout)
    assert "generated 800 accounts in" in result.stderr
    assert f"as of {date.today().isoformat()}" in result.stderr  # no --as-of: today
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k}.csv" for k in sorted(KINDS)]


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (("--accounts", "0"), "cannot generate 0 accounts"),
        (("--accounts", "5", "--as-of", "2026-02-30"), "is not a date"),
        (("--accounts", "5", "--format", "xlsx"), "unknown format"),
    ],
)
def test_bad_arguments_fail_cleanly(
    tmp_path: Path, args: tuple[str, ...], cause: str, fairdebt
) -> None:
    result = fairdebt("generate", "--out", str(tmp_path / "out"), *args)

    assert result.returncode == 2
    assert cause in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unwritable_directory_fails_cleanly(tmp_path: Path, fairdebt) -> None:
    (tmp_path / "file").write_text("x")

    result = fairdebt("generate", "--accounts", "5", "--out", str(tmp_path / "file" / "out"))

    assert result.returncode == 2
    assert "cannot write in" in result.stderr and "hint:" in result.stderr
