"""Rule packs: versions, forks that may only tighten, and the citations behind every rule."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from gate_requests import denied_by, every, request

from fairdebt.compliance.engine import decide
from fairdebt.compliance.errors import PackError, UnknownPackError
from fairdebt.compliance.pack import build_packs, builtin_packs

RULES_MD = Path(__file__).resolve().parents[3].parent / "shared" / "RULES.md"

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


def _rules_md_ids() -> set[str]:
    text = RULES_MD.read_text("utf-8")
    return set(re.findall(r"^\| ([A-Z][A-Za-z0-9/.-]+) \|", text, re.MULTILINE))


@pytest.mark.skipif(not RULES_MD.exists(), reason="../shared/RULES.md is not beside the repo")
def test_every_rule_id_and_citation_id_exists_in_rules_md() -> None:
    known = _rules_md_ids()
    missing = set()
    for ref in builtin_packs().available():
        for model in builtin_packs().resolve(ref).models:
            base = model.id.split(".")[0]
            if not base.startswith("FD-") and base not in known:
                missing.add(model.id)
            missing |= {c for c in model.cites if c not in known}
    assert not missing, f"not in RULES.md: {sorted(missing)}"


@pytest.mark.skipif(not RULES_MD.exists(), reason="../shared/RULES.md is not beside the repo")
def test_the_rules_md_id_reader_finds_the_ids_it_should() -> None:
    known = _rules_md_ids()
    assert {"CBA26-TIME", "US-FREQ-PRES", "CN-PIPL-13/14/15", "GBT45251-CONV"} <= known
