"""The import benchmark runs and reports its figure, baselines and checks (no timing asserted)."""

import json


def test_bench_import_prints_its_figure_baseline_and_checks(fairdebt) -> None:
    result = fairdebt("bench", "import", "--size", "300", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"name", "size", "seconds", "rate", "peak_rss_mb", "baselines", "checks"} <= set(report)
    assert report["name"] == "import" and report["size"] == 300
    assert report["checks"] and all(report["checks"].values())
    assert all(ratio > 0 for ratio in report["baselines"].values())
