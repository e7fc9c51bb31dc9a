"""Rule packs: versions, forks that may only tighten, and the citations behind every rule."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from gate_requests import denied_by, every, request

from fairdebt.compliance.docs import (
    MissingSourcesError,
    missing_sources,
    render_sources_md,
    sources_pages,
)
from fairdebt.compliance.engine import decide
from fairdebt.compliance.errors import PackError, UnknownPackError
from fairdebt.compliance.pack import build_packs, builtin_packs
from fairdebt.compliance.sources import pack_sources

DOCS = Path(__file__).resolve().parents[3] / "docs"

LENDER = """
extends: cn
id: acme-cn
version: "2026.1"
title: ACME Bank (stricter than cn)
overrides:
  NIFA25-FREQ: {params: {max: 2}}
  CBA26-TIME: {params: {allowed: ["09:00", "21:00"]}}
  FD-VISIT.dpd: {params: {value: 60}}
"""

NEW_RULE = """  - id: ACME-NIGHT
    family: time_window
    citation: "ACME house rule: no contact after 20:00"
    severity: deny
    channels: [call]
    params: {allowed: ["09:00", "20:00"], consent: any, zones: all}
    messages: {zh-CN: "20:00 后不得联系。", en: "No contact after 20:00."}
"""


def _with_lender(text: str = LENDER):
    return build_packs([("acme.yaml", text)], builtin_packs())


def test_the_built_in_packs_are_versioned_and_a_bare_id_means_the_latest() -> None:
    packs = builtin_packs()
    assert packs.available() == ("cn@2026.1", "us-regf@2026.1")
    assert packs.resolve("cn").ref == "cn@2026.1"
    assert packs.resolve("us-regf@2026.1").id == "us-regf"


def test_an_unknown_pack_or_version_lists_the_available_ones() -> None:
    with pytest.raises(UnknownPackError) as caught:
        builtin_packs().resolve("cn@1999.1")
    assert "cn@2026.1" in caught.value.cause
    assert "us-regf@2026.1" in caught.value.cause


def test_a_lender_forks_cn_with_fewer_calls_and_a_narrower_window_without_code() -> None:
    packs = _with_lender()
    two_calls = every("2026-03-02T09:00:00+08:00", 2, timedelta(hours=1), outcome="conversation")

    third = decide(
        request("2026-03-02T15:00:00+08:00", pack="acme-cn", history=two_calls), packs=packs
    )
    early = decide(request("2026-03-02T08:30:00+08:00", pack="acme-cn"), packs=packs)

    assert denied_by(third) == {"NIFA25-FREQ"}
    assert third.pack == "acme-cn@2026.1"
    assert "CBA26-TIME" in denied_by(early)
    assert early.allowed_from is not None
    assert early.allowed_from.isoformat() == "2026-03-02T09:00:00+08:00"


def test_a_fork_that_relaxes_a_rule_is_refused_with_what_it_relaxes() -> None:
    relaxed = LENDER.replace("max: 2", "max: 5").replace('"09:00", "21:00"', '"07:00", "23:00"')
    with pytest.raises(PackError) as caught:
        _with_lender(relaxed)
    assert "NIFA25-FREQ: max 3 → 5" in caught.value.cause
    assert "CBA26-TIME: allowed" in caught.value.cause


def test_a_fork_may_not_lower_a_severity_or_drop_a_channel() -> None:
    text = LENDER + "  CBA26-FREQ: {severity: review}\n  NIFA25-TIME: {channels: [call]}\n"
    with pytest.raises(PackError) as caught:
        _with_lender(text)
    assert "CBA26-FREQ: severity deny → review" in caught.value.cause
    assert "NIFA25-TIME: channels narrowed" in caught.value.cause


def test_a_fork_of_an_unknown_rule_or_pack_is_refused() -> None:
    with pytest.raises(PackError):
        _with_lender(LENDER + "  NO-SUCH-RULE: {params: {}}\n")
    with pytest.raises(UnknownPackError):
        _with_lender(LENDER.replace("extends: cn", "extends: cn@1999.1"))


def test_a_pack_with_a_misspelt_parameter_is_refused() -> None:
    text = LENDER.replace("{params: {max: 2}}", "{params: {maxx: 2}}")
    with pytest.raises(PackError) as caught:
        _with_lender(text)
    assert "maxx" in caught.value.cause


def test_every_rule_has_a_message_in_both_languages_and_a_citation() -> None:
    for ref in builtin_packs().available():
        for model in builtin_packs().resolve(ref).models:
            assert model.messages.get("zh-CN") and model.messages.get("en"), model.id
            assert len(model.citation) > 10, model.id


def _sources_page_ids(pack_id: str) -> set[str]:
    """The ids in the first cell of the sources page's rule and cited-provision tables."""
    text = (DOCS / "packs" / f"{pack_id}-sources.md").read_text("utf-8")
    return set(re.findall(r"^\| `([A-Z][A-Za-z0-9/.-]+)` \|", text, re.MULTILINE))


@pytest.mark.parametrize("pack_id", ["cn", "us-regf"])
def test_every_rule_and_every_cited_id_of_a_pack_is_on_its_sources_page(pack_id: str) -> None:
    pack = builtin_packs().resolve(pack_id)
    on_page = _sources_page_ids(pack_id)
    wanted = {m.id for m in pack.models} | {c for m in pack.models for c in m.cites}
    missing = sorted(wanted - on_page)
    assert not missing, f"not on docs/packs/{pack_id}-sources.md: {missing}"


@pytest.mark.parametrize("pack_id", ["cn", "us-regf"])
def test_the_sources_pages_are_up_to_date_with_the_packs(pack_id: str) -> None:
    page = (DOCS / "packs" / f"{pack_id}-sources.md").read_text("utf-8")
    assert page == sources_pages()[f"{pack_id}-sources.md"], (
        "docs/packs/ is stale: run `python -m fairdebt.compliance.docs .`"
    )


def test_the_sources_page_id_reader_finds_the_ids_it_should() -> None:
    assert {"CBA26-TIME", "CN-PIPL-13/14/15", "GBT45251-CONV", "CN-CPL-50/51"} <= (
        _sources_page_ids("cn")
    )
    assert {"US-FREQ-PRES", "US-FREQ-PRES.conversation", "US-TIME-TZ"} <= _sources_page_ids(
        "us-regf"
    )


def test_a_rule_without_a_source_entry_cannot_be_rendered() -> None:
    pack = _with_lender(LENDER + "add:\n" + NEW_RULE).resolve("acme-cn")
    with pytest.raises(MissingSourcesError) as caught:
        render_sources_md(pack, pack_sources("cn"))
    assert "rule ACME-NIGHT" in str(caught.value)
    assert "number ACME-NIGHT.allowed" in str(caught.value)


def test_every_number_of_a_built_in_pack_has_a_confidence() -> None:
    for ref in builtin_packs().available():
        pack = builtin_packs().resolve(ref)
        assert missing_sources(pack, pack_sources(pack.id)) == [], ref
        for model in pack.models:
            for number in pack_sources(pack.id).numbers.get(model.id, ()):
                assert set(number.params) <= set(model.params), (model.id, number.params)


def test_a_bad_override_names_its_rule_and_field() -> None:
    with pytest.raises(PackError) as caught:
        _with_lender(LENDER + "  CBA26-FREQ: {severity: huge}\n")
    assert caught.value.cause.startswith("acme.yaml: overrides.CBA26-FREQ.severity: ")
    assert "huge" in caught.value.cause
    assert caught.value.hint


def test_a_bad_parameter_value_names_the_rule_the_parameter_and_the_bound() -> None:
    with pytest.raises(PackError) as caught:
        _with_lender(LENDER.replace("max: 2", "max: -1"))
    assert "NIFA25-FREQ: bad params: max: Expected `int` >= 0" in caught.value.cause


def test_a_rule_added_by_a_fork_is_checked_like_a_built_in_one() -> None:
    bad_window = NEW_RULE.replace('["09:00", "20:00"]', '["09:00", "09:00"]')
    bad_pattern = NEW_RULE.replace("family: time_window", "family: content").replace(
        '{allowed: ["09:00", "20:00"], consent: any, zones: all}', "{kind: forbid, patterns: ['(']}"
    )
    for text, expected in (
        (bad_window, "rule ACME-NIGHT: bad params: allowed: the window must not be empty"),
        (bad_pattern, "rule ACME-NIGHT: bad params: patterns: '(' is not a regular expression"),
    ):
        with pytest.raises(PackError) as caught:
            _with_lender(LENDER + "add:\n" + text)
        assert caught.value.cause.startswith(expected), caught.value.cause


def test_each_family_parameter_declares_which_way_it_tightens() -> None:
    from fairdebt.compliance.forks import directions
    from fairdebt.compliance.rules.frequency import FrequencyParams
    from fairdebt.compliance.rules.time_window import TimeWindowParams

    assert directions(FrequencyParams)["max"] == "lower"
    assert directions(FrequencyParams)["calendar_days"] == "higher"
    assert directions(TimeWindowParams) == {
        "allowed": "within",
        "consent": "order:any,direct,none",
        "zones": "order:primary,all",
    }


def test_the_parsed_snapshot_of_the_built_in_packs_is_up_to_date() -> None:
    from fairdebt.compliance.pack import SNAPSHOT, snapshot_text

    folder = Path(__file__).resolve().parents[3] / "src" / "fairdebt" / "compliance" / "packs"
    assert (folder / SNAPSHOT).read_text("utf-8") == snapshot_text(), (
        f"packs/{SNAPSHOT} is stale: run `python -m fairdebt.compliance.docs .`"
    )


def test_the_snapshot_gives_the_packs_the_yaml_gives_and_a_stale_one_is_not_used() -> None:
    from fairdebt.compliance.pack import builtin_sources, parse_pack_text, text_key

    for name, text in builtin_sources():
        from_yaml = parse_pack_text(text, name)
        with pytest.raises(PackError, match="missing required field"):  # the snapshot is read
            parse_pack_text(text, name, {text_key(text): {"id": "other"}})
        assert parse_pack_text(text, name, {"another text": {"id": "stale"}}) == from_yaml
    fresh = build_packs(builtin_sources())
    for ref in fresh.available():
        assert fresh.resolve(ref).models == builtin_packs().resolve(ref).models


def test_every_pattern_of_the_built_in_packs_compiles() -> None:
    """builtin_packs skips the families' costly checks at start-up: they are proven here."""
    from fairdebt.compliance.forks import read_params
    from fairdebt.compliance.rules import FAMILIES

    families = {f.name: f for f in FAMILIES}
    checked = 0
    for ref in builtin_packs().available():
        for model in builtin_packs().resolve(ref).models:
            family = families[model.family]
            if family.check is not None:
                family.check(read_params(family.params, model.params))
                checked += 1
    assert checked >= 20
