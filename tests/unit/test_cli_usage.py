"""What a person meets at the command line: usage errors, a taken port, piped output, logs."""

from __future__ import annotations

import socket

import pytest
from cli_run import fairdebt

from fairdebt.cli import _common


@pytest.mark.parametrize(
    ("args", "cause", "command"),
    [
        (("tasks", "list", "--limit", "0"), "Invalid value for '--limit'", "fairdebt tasks list"),
        (("tasks", "list", "--bogus"), "No such option: --bogus", "fairdebt tasks list"),
        (("users", "create"), "Missing argument", "fairdebt users create"),
        (("users", "disable"), "Missing argument", "fairdebt users disable"),
        (("serve", "--port", "x"), "Invalid value for '--port'", "fairdebt serve"),
        (("nonsense",), "No such command 'nonsense'", "fairdebt"),
    ],
)
def test_a_usage_error_is_one_cause_and_one_hint(args, cause, command):
    result = fairdebt(*args, stdin="")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        result.stderr.splitlines()[0],
        f"hint: run {command} --help",
    ]
    assert result.stderr.startswith("error: ") and cause in result.stderr
    assert "Usage:" not in result.stderr and "╭" not in result.stderr


def test_users_create_without_a_terminal_says_to_pipe_the_password(tmp_path):
    result = fairdebt(
        "users", "create", "li", "--role", "collector", stdin="",
        env={"FAIRDEBT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"},
    )  # fmt: skip

    assert result.returncode == 2
    assert "error: no terminal to ask for the password" in result.stderr
    assert "hint: pass --password-stdin" in result.stderr
    assert "Aborted" not in result.stderr and "Warning" not in result.stderr


def test_serve_on_a_taken_port_says_so_before_starting(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = fairdebt(
            "serve", "--host", "127.0.0.1", "--port", str(port),
            env={"FAIRDEBT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"},
            timeout=60,
        )  # fmt: skip

    assert result.returncode == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "hint: another program uses port" in result.stderr and "--port" in result.stderr


def test_piped_rows_are_whole_tab_separated_values(capsys):
    long_id = "C-B" + "9" * 120
    rows = [{"id": long_id, "total": 123456, "note": None}]

    _common.print_rows(rows, ("id", "total", "note"), shown={"total": _common.money})
    lines = capsys.readouterr().out.splitlines()

    assert lines == ["id\ttotal\tnote", f"{long_id}\t1,234.56\t"]


def test_json_rows_keep_every_key_and_raw_values(capsys):
    import json

    _common.print_rows([{"id": "A1", "total_cents": 5}], ("id",), as_json=True)

    assert json.loads(capsys.readouterr().out) == [{"id": "A1", "total_cents": 5}]


def test_money_reads_as_money():
    assert _common.money(123456789, "CNY") == "1,234,567.89 CNY"
    assert _common.money(-5) == "-0.05" and _common.money(None) == ""


def test_without_a_terminal_progress_is_log_lines(capsys):
    with _common.progress() as bar:
        task = bar.add_task("importing", total=3)
        bar.update(task, description="reading", advance=1)
        bar.update(task, completed=3)
    with _common.step("running the strategy"):
        pass
    err = capsys.readouterr().err.splitlines()

    assert err[0].startswith("reading: 1/3 (") and err[0].endswith(" s)")
    assert err[1].startswith("reading: 3/3 (")
    assert err[2].startswith("running the strategy: done (")
