"""`fairdebt bench routing`: the command's JSON, the best-known lookup, the baseline by hand.

The solver runs for one second on the smallest committed instance; no timing is asserted
(benchmarks never run as timed assertions in tests).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairdebt.bench.routing import find_best_known, nearest_neighbour, read_instance
from fairdebt.cli import app
from fairdebt.errors import InputFileError

INSTANCES = Path(__file__).resolve().parents[2] / "bench" / "instances"

# Depot at (0, 0); customers at (3, 0), (6, 0), (0, 4), demands 1, 1, 2; capacity 2.
TINY_CVRP = "\n".join(
    [
        "NAME : tiny",
        "COMMENT : (a hand-made check, Best value: 22)",
        "TYPE : CVRP",
        "DIMENSION : 4",
        "EDGE_WEIGHT_TYPE : EUC_2D",
        "CAPACITY : 2",
        "NODE_COORD_SECTION",
        "1 0 0",
        "2 3 0",
        "3 6 0",
        "4 0 4",
        "DEMAND_SECTION",
        "1 0",
        "2 1",
        "3 1",
        "4 2",
        "DEPOT_SECTION",
        "1",
        "-1",
        "EOF",
        "",
    ]
)

# The same places in Solomon's layout; customer 2 opens at 500, customer 3 is due by 100.
TINY_SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  3         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       1000          0
    1      3          0          1          0        100          1
    2      6          0          1        500        600          1
    3      0          4          1          0        100          1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_command_prints_the_figures_as_json() -> None:
    instance = INSTANCES / "E-n22-k4.txt"
    result = CliRunner().invoke(
        app, ["bench", "routing", "--instance", str(instance), "--seconds", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    for field in ("cost", "best_known", "gap_percent", "seconds", "baselines"):
        assert field in figures
    assert figures["best_known"] == 375  # from the instance's COMMENT
    assert isinstance(figures["gap_percent"], float | int) and figures["gap_percent"] >= 0
    assert figures["feasible"] is True and figures["cost"] >= 375
    assert figures["baselines"]["nearest_neighbour"] >= figures["cost"]


def test_nearest_neighbour_by_hand(tmp_path: Path) -> None:
    # From the depot the nearest is (3,0): 3, then (6,0): 3, the vehicle is full, back: 6;
    # then (0,4) alone: 4 + 4. Total 20.
    inst = read_instance(write(tmp_path, "tiny.vrp", TINY_CVRP))
    assert inst.customers == 3 and inst.capacity == 2
    assert nearest_neighbour(inst) == 20


def test_nearest_neighbour_keeps_time_windows_on_a_solomon_instance(tmp_path: Path) -> None:
    # DIMACS units (x10, truncated). Nearest first: 0 → 1 (30) → 2 (30, waits till 5000); 3 is
    # due by 1000, so back (60) and a second vehicle 0 → 3 → 0 (40 + 40). Total 200. Without
    # the windows it would be 0 → 1 → 2 → 3 → 0 = 30 + 30 + 72 + 40 = 172.
    inst = read_instance(write(tmp_path, "tiny.txt", TINY_SOLOMON))
    assert inst.scale == 10 and inst.windows is not None and inst.vehicles == 3
    assert nearest_neighbour(inst) == 200


def test_best_known_from_the_sol_file_else_the_comment_else_none(tmp_path: Path) -> None:
    instance = write(tmp_path, "tiny.vrp", TINY_CVRP)
    assert find_best_known(instance, read_instance(instance).comment) == 22.0
    write(tmp_path, "tiny.sol", "Route #1: 1 2\nRoute #2: 3\nCost 20\n")
    assert find_best_known(instance, read_instance(instance).comment) == 20.0
    assert find_best_known(tmp_path / "other.vrp", "no value here") is None
    assert find_best_known(INSTANCES / "X-n120-k6.vrp", "") == 13332.0


def test_a_file_that_is_no_instance_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        read_instance(write(tmp_path, "junk.vrp", "hello\x00world"))
    with pytest.raises(InputFileError):
        read_instance(tmp_path / "missing.vrp")


def test_an_unknown_instance_file_exits_2_with_cause_and_hint(tmp_path: Path, fairdebt) -> None:
    result = fairdebt("bench", "routing", "--instance", str(tmp_path / "missing.vrp"), "--json")
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "hint" in result.stderr
    assert "Traceback" not in result.stderr
