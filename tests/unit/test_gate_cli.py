"""`fairdebt gate` and its companions on the command line: stdin → stdout, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gate_requests import gate, request
from typer.testing import CliRunner

from fairdebt.cli import app

runner = CliRunner()
LATE_CALL = request("2026-03-02T22:05:00+08:00")


def test_the_decision_comes_out_on_stdout_with_exit_0_even_when_denied() -> None:
    result = runner.invoke(app, ["gate"], input=json.dumps(LATE_CALL))

    assert result.exit_code == 0
    decision = json.loads(result.stdout)
    assert decision["decision"] == "deny"
    assert decision["allowed_from"] == "2026-03-03T08:00:00+08:00"
    assert result.stdout.strip() == gate(LATE_CALL).to_json()  # the Python API's JSON


def test_a_malformed_request_exits_2_listing_every_pointer_on_stderr() -> None:
    bad = json.loads(json.dumps(LATE_CALL))
    del bad["attempt"]["collector"]
    bad["history"] = [{"at": "yesterday", "channel": "call", "direction": "out", "outcome": "x"}]

    result = runner.invoke(app, ["gate"], input=json.dumps(bad))

    assert result.exit_code == 2
    assert result.stdout == ""
    for pointer in ("/attempt/collector", "/history/0/at", "/history/0/outcome"):
        assert pointer in result.stderr


def test_text_that_is_not_json_exits_2_with_a_hint() -> None:
    result = runner.invoke(app, ["gate"], input="{not json")
    assert result.exit_code == 2
    assert "not JSON" in result.stderr and "hint:" in result.stderr


def test_an_unknown_pack_version_lists_the_available_ones() -> None:
    result = runner.invoke(app, ["gate"], input=json.dumps({**LATE_CALL, "pack": "cn@1999.1"}))
    assert result.exit_code == 2
    assert "cn@2026.1" in result.stderr and "us-regf@2026.1" in result.stderr


def test_a_lenders_fork_is_used_with_pack_file(tmp_path: Path) -> None:
    fork = tmp_path / "acme.yaml"
    fork.write_text(
        'extends: cn\nid: acme\nversion: "1"\ntitle: ACME\n'
        'overrides:\n  CBA26-TIME: {params: {allowed: ["09:00", "21:00"]}}\n',
        encoding="utf-8",
    )
    early = request("2026-03-02T08:30:00+08:00", pack="acme")

    result = runner.invoke(app, ["gate", "--pack-file", str(fork)], input=json.dumps(early))

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["allowed_from"] == "2026-03-02T09:00:00+08:00"


def test_packs_show_lists_rules_with_citations() -> None:
    result = runner.invoke(app, ["packs", "show", "cn"])
    assert result.exit_code == 0
    assert "CBA26-TIME" in result.stdout and "NIFA25-FREQ" in result.stdout


def test_packs_list_names_every_version() -> None:
    result = runner.invoke(app, ["packs", "list"])
    assert "cn@2026.1" in result.stdout and "us-regf@2026.1" in result.stdout


def test_packs_listings_print_json_and_whole_lines_when_piped() -> None:
    listed = runner.invoke(app, ["packs", "list", "--json"])
    shown = runner.invoke(app, ["packs", "show", "us-regf", "--json"])
    piped = runner.invoke(app, ["packs", "show", "cn"])  # CliRunner's stdout is not a terminal

    assert {p["pack"] for p in json.loads(listed.stdout)} >= {"cn@2026.1", "us-regf@2026.1"}
    rules = {r["id"]: r for r in json.loads(shown.stdout)}
    assert rules["US-TIME"]["citation"].startswith("12 CFR 1006.6(b)(1)(i)")
    header, *lines = piped.stdout.splitlines()
    assert header.split("\t") == ["id", "severity", "family", "applies to", "citation"]
    citations = [line.split("\t")[4] for line in lines]
    assert any(len(c) > 80 for c in citations) and not any(c.endswith("…") for c in citations)


def test_packs_docs_writes_the_markdown(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    result = runner.invoke(app, ["packs", "docs", "--output", str(target)])
    assert result.exit_code == 0
    assert "## `cn@2026.1`" in target.read_text("utf-8")


def test_templates_lint_passes_on_the_shipped_templates() -> None:
    result = runner.invoke(app, ["templates", "lint"])
    assert result.exit_code == 0, result.stdout


def test_the_installed_command_reads_stdin_and_never_prints_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fairdebt", "gate"],
        input="[]",
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "(the request)" in done.stderr


def test_a_gate_request_loads_no_validation_library_nor_yaml_parser_it_does_not_need(
    tmp_path: Path,
) -> None:
    """Start-up is most of a `fairdebt gate`: pydantic alone (which Typer would load to coerce
    the options) cost more than the decision (bench/results.md, startup)."""
    fork = tmp_path / "acme.yaml"
    fork.write_text('extends: cn\nid: acme\nversion: "1"\ntitle: ACME\n', encoding="utf-8")
    probe = (
        "import sys, json\nfrom fairdebt.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "sys.stderr.write(json.dumps(sorted(m for m in ('pydantic', 'pydantic_core')"
        " if m in sys.modules)))\n"
    )
    cases = (
        (["gate"], "cn@2026.1"),
        (["gate", "--pack-file", str(fork)], "acme@1"),
        (["gate", "-p", str(tmp_path)], "acme@1"),
    )
    for args, pack in cases:
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            input=json.dumps(request("2026-03-02T08:30:00+08:00", pack=pack.split("@")[0])),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["pack"] == pack
        assert json.loads(done.stderr.splitlines()[-1]) == [], args
