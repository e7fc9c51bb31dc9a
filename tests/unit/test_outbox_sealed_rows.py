"""A batch append serialises an event's data once: its row is the same, byte for byte, as the
row of the event sealed the slow, obvious way (chain, then event_row)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fairdebt.adapters.db.repositories import _sealed_row, event_row
from fairdebt.domain.events import GENESIS, NewEvent, chain, format_instant

AT = datetime(2026, 6, 30, 2, 0, 0, 123456, tzinfo=UTC)


def test_a_sealed_row_is_the_row_of_the_chained_event() -> None:
    data = {
        "z": '退订 \u2028 "quoted" \\ \x00',
        "amount": Decimal("12.30"),
        "at": AT,
        "nested": {"b": [1, 2.5, None, True], "a": "é"},
        "big": 10**30,
    }
    new = NewEvent("contact_attempted", "worker", data)

    row = _sealed_row("C-1", 7, GENESIS, format_instant(AT), new)

    assert row == event_row(chain("C-1", 7, GENESIS, AT, new))
