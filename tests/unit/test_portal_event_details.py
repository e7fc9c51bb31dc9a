"""The portal's events on the case page: titled, and the names a person typed (a signature, the
name an impostor gave) and the borrower's own words masked for roles that do not see personal
data."""

from __future__ import annotations

from fairdebt.web.event_details import event_details, event_title


def _shown(event_type: str, data: dict[str, object], reveal: bool) -> dict[str, str]:
    return {d.label: d.value for d in event_details(event_type, data, reveal=reveal)}


def test_each_portal_event_has_a_title() -> None:
    for kind in ("portal_preferences", "plan_signed", "impostor_reported"):
        assert event_title(kind) != kind


def test_a_signature_is_masked_unless_revealed() -> None:
    data = {"plan": "P-1", "signed_name": "张三", "document_sha256": "ab" * 32, "method": "code"}
    assert _shown("plan_signed", data, reveal=True)["Signed name"] == "张三"
    hidden = _shown("plan_signed", data, reveal=False)
    assert "张三" not in hidden.values() and hidden["Plan"] == "P-1"


def test_an_impostor_report_hides_names_and_words_unless_revealed() -> None:
    data = {"how": "visit", "said_name": "王某", "text": "要我付现金 13800138000", "when": "今天"}
    hidden = _shown("impostor_reported", data, reveal=False)
    assert (
        "王某" not in str(hidden) and "现金" not in str(hidden) and "13800138000" not in str(hidden)
    )
    shown = _shown("impostor_reported", data, reveal=True)
    assert shown["Name they gave"] == "王某"


def test_preferences_show_the_window_and_a_withdrawal() -> None:
    data = {"inconvenient": {"window": ["12:00", "14:00"], "weekdays": [1, 2]}, "source": "portal"}
    assert (
        _shown("portal_preferences", data, reveal=False)["Inconvenient time"]
        == "12:00–14:00 (1, 2)"
    )
    assert (
        _shown("portal_preferences", {"withdrawn": 7}, reveal=False)[
            "Withdraws the window of event no."
        ]
        == "7"
    )
