"""Write small portfolio files in the import format (docs/import.md) for tests."""

from __future__ import annotations

import csv
from pathlib import Path

BORROWERS = [
    {
        "borrower_id": "B0001",
        "name": "张伟",
        "national_id": "11010519491231002X",
        "phones": "13812345678;+8613912345678",
        "address": "北京市朝阳区建国路88号",
        "city": "北京",
        "lat": "39.9087",
        "lon": "116.4605",
    },
    {
        "borrower_id": "B0002",
        "name": "李娜",
        "national_id": "",
        "phones": "13700001111",
        "address": "上海市浦东新区世纪大道100号",
        "city": "上海",
        "lat": "",
        "lon": "",
    },
]
ACCOUNTS = [
    {
        "account_id": "A0001",
        "borrower_id": "B0001",
        "product": "consumer_loan",
        "lender": "示例消费金融",
        "lender_type": "consumer_finance",
        "principal": "3000.00",
        "interest_rate": "0.18",
        "disbursed_on": "2026-01-15",
    },
    {
        "account_id": "A0002",
        "borrower_id": "B0002",
        "product": "micro_loan",
        "lender": "示例小贷",
        "lender_type": "microloan",
        "principal": "2000",
        "interest_rate": "0.24",
        "disbursed_on": "2026-03-01",
    },
]
SCHEDULES = [
    {
        "account_id": "A0001",
        "seq": "1",
        "due_on": "2026-02-15",
        "principal": "1000.00",
        "interest": "45.00",
    },
    {
        "account_id": "A0001",
        "seq": "2",
        "due_on": "2026-03-15",
        "principal": "1000.00",
        "interest": "30.00",
    },
    {
        "account_id": "A0001",
        "seq": "3",
        "due_on": "2026-04-15",
        "principal": "1000.00",
        "interest": "15.00",
    },
    {
        "account_id": "A0002",
        "seq": "1",
        "due_on": "2026-04-01",
        "principal": "2000",
        "interest": "40",
    },
]
PAYMENTS = [
    {
        "payment_id": "P0001",
        "account_id": "A0001",
        "paid_on": "2026-02-14",
        "amount": "1045.00",
        "channel": "bank_transfer",
        "channel_ref": "TX1",
    },
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_portfolio(folder: Path, **overrides: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "borrowers": BORROWERS,
        "accounts": ACCOUNTS,
        "schedules": SCHEDULES,
        "payments": PAYMENTS,
    }
    files.update(overrides)
    for kind, rows in files.items():
        if rows:
            write_csv(folder / f"{kind}.csv", rows)
    return folder
