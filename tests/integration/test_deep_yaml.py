"""YAML nested thousands deep, in every file a user hands fairdebt: one line of cause (with the
line where it goes too deep) and a hint, exit 2 — never a RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import fairdebt
from portfolio_files import write_portfolio

from fairdebt.errors import FairdebtError
from fairdebt.services.plan_policy import parse_policy
from fairdebt.yamltext import MAX_DEPTH, YamlTooDeepError, check_depth, safe_load

FLOW = "a: " + "[" * 5000 + "]" * 5000 + "\n"
BLOCK = "".join(f"{' ' * i}k{i}:\n" for i in range(3000)) + " " * 3000 + "v: 1\n"


@pytest.mark.parametrize("text", [FLOW, BLOCK], ids=["flow", "block"])
def test_the_shared_loader_refuses_a_deep_document_with_its_line(text: str) -> None:
    with pytest.raises(YamlTooDeepError) as caught:
        safe_load(text)
    assert f"nested more than {MAX_DEPTH} levels deep" in str(caught.value)
    check_depth("[" * MAX_DEPTH + "]" * MAX_DEPTH)  # the limit itself is read
    assert safe_load("a: [[1]]") == {"a": [[1]]}


def test_a_deep_plan_policy_is_an_input_error() -> None:
    with pytest.raises(FairdebtError, match="not valid YAML at line 1"):
        parse_policy(FLOW, "policy.yaml")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "FAIRDEBT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "FAIRDEBT_DATA_DIR": str(tmp_path),
    }


def _refused(result, where: str) -> None:
    said = result.stdout + result.stderr
    assert result.returncode == 2, said
    assert "Traceback" not in said
    assert "nested more than 64 levels deep" in said, said
    assert where in said


@pytest.mark.parametrize("text", [FLOW, BLOCK], ids=["flow", "block"])
def test_strategy_check_and_run_refuse_a_deep_file(
    tmp_path: Path, env: dict[str, str], text: str
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    folder = write_portfolio(tmp_path / "p")

    _refused(fairdebt("strategy", "check", str(path), env=env, cwd=tmp_path), "deep.yaml")
    ran = fairdebt(
        "strategy", "run", "--as-of", "2026-04-20", "--portfolio", str(folder),
        "--strategy", str(path), "-q", env=env, cwd=tmp_path,
    )  # fmt: skip
    _refused(ran, "deep.yaml")


def test_templates_add_and_a_pack_file_refuse_a_deep_file(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(FLOW, encoding="utf-8")

    _refused(fairdebt("templates", "add", str(path), env=env, cwd=tmp_path), "template")
    _refused(fairdebt("packs", "list", "--pack-file", str(path), env=env, cwd=tmp_path), "deep")
