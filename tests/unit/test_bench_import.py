"""The import benchmark runs and reports in the shape ARCHITECTURE.md fixes (no timing asserted)."""

import json
import subprocess
import sys


def test_bench_import_prints_its_figure_baseline_and_checks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fairdebt", "bench", "import", "--size", "300", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"name", "size", "seconds", "rate", "peak_rss_mb", "baselines", "checks"} <= set(report)
    assert report["name"] == "import" and report["size"] == 300
    assert report["checks"] and all(report["checks"].values())
    assert all(ratio > 0 for ratio in report["baselines"].values())
