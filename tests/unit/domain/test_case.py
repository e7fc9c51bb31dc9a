from datetime import date

import pytest

from fairdebt.domain.case import Assignee, AssigneeKind, Case, CaseStatus, Hold
from fairdebt.domain.errors import DomainError


def _case() -> Case:
    return Case("C-1", "B1", ("A1",), date(2026, 11, 1))


def test_placing_with_an_agency_marks_the_case_placed_and_records_it() -> None:
    case, event = _case().assign(Assignee(AssigneeKind.AGENCY, "AG1"), actor="sup1")

    assert case.status is CaseStatus.PLACED
    assert event.type == "case_assigned" and event.data["assignee"] == "AG1"


def test_a_hold_stops_the_case_until_every_hold_is_released() -> None:
    case, _ = _case().place_hold(Hold.COMPLAINT, "cmp1")
    case, _ = case.place_hold(Hold.DISPUTE, "cmp1")
    case, _ = case.release_hold(Hold.COMPLAINT, "cmp1")
    assert case.status is CaseStatus.ON_HOLD

    case, event = case.release_hold(Hold.DISPUTE, "cmp1")

    assert case.status is CaseStatus.OPEN and event.type == "hold_released"


def test_releasing_a_hold_that_is_not_there_is_an_error() -> None:
    with pytest.raises(DomainError):
        _case().release_hold(Hold.LEGAL, "cmp1")


def test_a_closed_case_cannot_be_assigned() -> None:
    closed, _ = _case().close("sup1", "paid")
    with pytest.raises(DomainError):
        closed.assign(Assignee(AssigneeKind.COLLECTOR, "u1"), "sup1")
