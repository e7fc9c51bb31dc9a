"""`fairdebt legal ...`: the documented examples answer as documented; bad input exits 2 cleanly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_run import fairdebt
from typer.testing import CliRunner

from fairdebt.cli import app
from fairdebt.legal import api

DOCS = Path(__file__).parents[3] / "docs" / "legal.md"
EXAMPLE = re.compile(
    r"<!-- example: fairdebt legal (\w+) -->\s*```json\n(.*?)```\s*answer:\s*```json\n(.*?)```",
    re.DOTALL,
)


def documented_examples() -> list[tuple[str, Any, Any]]:
    found = EXAMPLE.findall(DOCS.read_text(encoding="utf-8"))
    return [(command, json.loads(req), json.loads(ans)) for command, req, ans in found]


def test_the_docs_show_an_example_of_every_command() -> None:
    commands = {command for command, _, _ in documented_examples()}

    assert commands == {"limitation", "charges", "validation"}
    assert len(documented_examples()) >= 7


@pytest.mark.parametrize(
    ("command", "request_", "answer"),
    documented_examples(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_documented_example_answers_as_documented(
    command: str, request_: Any, answer: Any
) -> None:
    result = CliRunner().invoke(app, ["legal", command], input=json.dumps(request_))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == answer
    assert getattr(api, command)(request_) == answer  # the Python API agrees


def test_the_command_prints_json_only_on_stdout() -> None:
    result = fairdebt("legal", "validation", stdin='{"sent_on": "2021-11-01"}')

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ends_on"] == "2021-12-08"


@pytest.mark.parametrize(
    ("command", "stdin", "words"),
    [
        ("limitation", '{"jurisdiction": "cn",', "not valid JSON"),
        ("limitation", "", "no limitation request on standard input"),
        ("limitation", '{"jurisdiction": "cn", "as_of": "2025-01-01"}', "missing field 'debt'"),
        ("charges", "[1, 2]", "must be a JSON object"),
        (
            "charges",
            '{"jurisdiction": "cn", "lender_type": "bank", "contract_date": "2021-03-01", '
            '"principal_disbursed": "100", "rates": {}}',
            "lender_type",
        ),
        ("validation", '{"sent_on": "1 Nov 2021"}', "not a date"),
    ],
)
def test_a_malformed_request_exits_2_with_a_readable_error(
    command: str, stdin: str, words: str
) -> None:
    result = fairdebt("legal", command, stdin=stdin)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    first, *rest = result.stderr.splitlines()
    assert first.startswith("error: ") and words in first
    assert rest and rest[0].startswith("hint: ")


def test_a_request_nested_thousands_deep_is_exit_2_with_its_depth() -> None:
    from cli_run import fairdebt

    result = fairdebt("legal", "charges", stdin="[" * 5000 + "]" * 5000)

    assert result.returncode == 2, result.stderr
    assert "nested 5000 levels deep" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_request_with_a_byte_order_mark_or_in_utf_16_is_read_as_the_api_reads_it() -> None:
    command, request_, answer = documented_examples()[0]
    text = json.dumps(request_)
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        result = CliRunner().invoke(app, ["legal", command], input=data)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == answer
