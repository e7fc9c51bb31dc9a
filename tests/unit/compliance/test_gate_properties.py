"""Properties of the gate over generated requests (both packs, several time zones).

- more counted history never turns a denial into an allowance;
- history the rules cannot see (older than every window, or after `now`) changes nothing;
- `allowed_from` is exact: the attempt is allowed at that instant and denied one second before.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from gate_requests import event, gate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ZONES = ["Asia/Shanghai", "America/New_York", "America/Los_Angeles", "Europe/London"]
PHONE, OTHER = "+1 212 555 0100", "+1 212 555 0199"
START = datetime(2026, 3, 1, tzinfo=UTC)  # spans a daylight-saving change in the US and UK
OUTCOMES = ["no_answer", "busy", "voicemail", "conversation", "delivered", "failed"]
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _iso(instant: datetime, offset_hours: int) -> str:
    from datetime import timezone

    return instant.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


@st.composite
def histories(draw: st.DrawFn, now: datetime, count: int) -> list[dict[str, Any]]:
    events = []
    for _ in range(count):
        recent = st.integers(0, 30 * 3600)  # dense in the last day: caps are reached
        at = now - timedelta(seconds=draw(recent | st.integers(0, 9 * 86_400)))
        events.append(
            event(
                _iso(at, 0),
                outcome=draw(st.sampled_from(OUTCOMES)),
                channel=draw(st.sampled_from(["call", "call", "voicemail", "sms"])),
                direction=draw(st.sampled_from(["out", "out", "out", "in"])),
                party=draw(st.sampled_from(["debtor", "debtor", "spouse"])),
                collector=draw(st.sampled_from(["bank", "agency"])),
                to=draw(st.sampled_from([PHONE, OTHER])),
                debts=draw(st.sampled_from([("D1",), ("D2",), ("D1", "D2")])),
            )
        )
    return events


@st.composite
def requests(draw: st.DrawFn, party: str | None = None) -> dict[str, Any]:
    now = START + timedelta(seconds=draw(st.integers(0, 30 * 86_400)))
    borrower: dict[str, Any] = {
        "timezones": draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True))
    }
    if draw(st.booleans()):
        start = draw(st.integers(18, 23))
        borrower["consents"] = [
            {
                "given_at": _iso(now - timedelta(days=draw(st.integers(0, 5))), 0),
                "channel": draw(st.sampled_from(["call", "sms"])),
                "window": [f"{start:02d}:00", f"{draw(st.integers(0, 2)):02d}:30"],
                "given_directly_to": "bank",
            }
        ]
    if draw(st.booleans()):
        borrower["inconvenient"] = [
            {"window": ["12:00", f"{draw(st.integers(13, 20)):02d}:00"], "weekdays": [1, 3, 5]}
        ]
    collector = draw(st.sampled_from(["bank", "agency"]))
    history = draw(histories(now, draw(st.integers(0, 40))))
    if draw(st.booleans()):  # a run of calls by this collector: the week's cap comes into play
        for e in draw(histories(now, draw(st.integers(5, 12)))):
            e.update(channel="call", direction="out", party="debtor", collector=collector)
            e.update(outcome="no_answer")
            history.append(e)
    return {
        "pack": draw(st.sampled_from(["cn", "us-regf"])),
        "now": _iso(now, draw(st.integers(-8, 9))),
        "attempt": {
            "channel": draw(st.sampled_from(["call", "call", "voicemail", "sms"])),
            "party": party or draw(st.sampled_from(["debtor", "spouse"])),
            "purpose": draw(st.sampled_from(["collect", "remind"])),
            "debts": ["D1"],
            "collector": collector,
            "to": PHONE,
        },
        "borrower": borrower,
        "history": history,
    }


def _now(req: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(req["now"])


@PROPERTY_SETTINGS
@given(st.data())
def test_more_counted_history_never_turns_a_denial_into_an_allowance(data: st.DataObject) -> None:
    req = data.draw(requests(party="debtor"))
    base = gate(req)
    extra = data.draw(histories(_now(req), data.draw(st.integers(1, 10))))
    for e in extra:  # counted: outbound contacts with this debtor by this collector
        e.update(direction="out", party="debtor", collector=req["attempt"]["collector"])
    more = copy.deepcopy(req)
    more["history"] = [*req.get("history", []), *extra]

    if base.decision == "deny":
        assert gate(more).decision == "deny"


@PROPERTY_SETTINGS
@given(st.data())
def test_history_older_than_every_window_or_after_now_changes_nothing(data: st.DataObject) -> None:
    req = data.draw(requests(party="debtor"))
    now = _now(req)
    old = event(_iso(now - timedelta(days=data.draw(st.integers(40, 900))), 0), to=OTHER)
    old["party"] = "emergency_contact"
    future = event(
        _iso(now + timedelta(minutes=data.draw(st.integers(1, 10_000))), 0),
        outcome="conversation",
        direction=data.draw(st.sampled_from(["in", "out"])),
    )
    noisy = copy.deepcopy(req)
    noisy["history"] = [old, *req.get("history", []), future]

    before, after = gate(req).to_dict(), gate(noisy).to_dict()

    assert before.pop("digest") != after.pop("digest")  # the request differs…
    assert before == after  # …the decision does not


@PROPERTY_SETTINGS
@given(requests())
def test_allowed_from_is_allowed_and_one_second_earlier_is_not(req: dict[str, Any]) -> None:
    decision = gate(req)
    if decision.decision != "deny" or decision.allowed_from is None:
        return
    at = decision.allowed_from

    then = gate({**req, "now": at.isoformat()})
    just_before = gate({**req, "now": (at - timedelta(seconds=1)).isoformat()})

    assert at > _now(req)
    assert not [r.id for r in then.rules if r.severity == "deny"], then.to_json()
    assert just_before.decision == "deny"


@given(requests())
def test_a_decisions_id_is_the_hash_of_its_json_however_it_is_reached(req: dict[str, Any]) -> None:
    """The id the log records with a decision, computed from the dict it is logged as, is the
    decision's own id (the SHA-256 of its JSON text): were they to differ, no attempt, outbox
    row or approval would name the decision the log holds."""
    import hashlib

    from fairdebt.compliance.types import decision_id

    decision = gate(req)

    by_text = hashlib.sha256(decision.to_json().encode("utf-8")).hexdigest()
    assert decision_id(decision.to_dict()) == decision.id == by_text
