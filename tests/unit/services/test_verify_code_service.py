"""Verify codes on a FakeUnitOfWork: random XXXX-XXXX codes, stored only as hashes, valid for
their window, naming the agency or (in-house) the lender; anything else is unknown."""

from __future__ import annotations

import re
from datetime import timedelta

from fakes.worklist import DebtRow
from repayment_world import NOW, world

from fairdebt.services.ports.identity import Role, User
from fairdebt.services.verify import ALPHABET, issue, lookup, masked_case_ref, normalise

COLLECTOR = User("u1", "col1", "李雷", Role.COLLECTOR)


def a_world():
    uow = world()
    with uow:
        uow.directory.accounts["B1"] = [DebtRow("A1", "CNY", 64, 500_000)]
        uow.commit()
    return uow


def test_a_code_is_shown_grouped_from_an_unambiguous_alphabet_and_stored_as_a_hash() -> None:
    uow = a_world()

    codes = {issue(uow, "C-B1", COLLECTOR, None, NOW) for _ in range(20)}

    assert len(codes) == 20
    assert all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", c) for c in codes)
    assert not set("".join(codes)) - set(ALPHABET) - {"-"}
    assert not set("01OIL") & set("".join(codes))
    stored = " ".join(str(v) for v in uow.verify_codes.rows.values())
    assert not any(c.replace("-", "") in stored for c in codes)  # never at rest


def test_a_valid_code_names_the_collector_the_lender_in_house_and_masks_the_case() -> None:
    uow = a_world()
    code = issue(uow, "C-B1", COLLECTOR, None, NOW, timedelta(days=7))

    found = lookup(uow, code.lower().replace("-", " "), NOW + timedelta(hours=1))

    assert found.status == "valid"
    assert (found.record.collector_name, found.record.organisation) == ("李雷", "示例消费金融")
    assert found.record.in_house and found.case_ref == "C-…C-B1"


def test_an_agencys_code_names_the_agency() -> None:
    uow = a_world()
    code = issue(uow, "C-B1", COLLECTOR, "AG-EAST", NOW)

    assert lookup(uow, code, NOW).record.organisation == "AG-EAST"


def test_expired_unknown_and_malformed_codes() -> None:
    uow = a_world()
    code = issue(uow, "C-B1", COLLECTOR, None, NOW, timedelta(days=7))

    assert lookup(uow, code, NOW + timedelta(days=7)).status == "expired"
    assert lookup(uow, code, NOW - timedelta(seconds=1)).status == "expired"  # not yet
    assert lookup(uow, "ABCD-EFGH", NOW).status == "unknown"
    assert lookup(uow, "0000-0000", NOW).status == "unknown"
    assert normalise("abcd efgh") == "ABCDEFGH" and normalise("ABC") is None


def test_a_case_reference_is_masked_to_its_last_four() -> None:
    assert masked_case_ref("C-B0001234") == "C-…1234"
    assert masked_case_ref("X99887766") == "…7766"
