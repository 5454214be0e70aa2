"""The benchmark harness runs end to end (``--quick``) and reports every workload row.

No timing is asserted: speed is claimed in benchmarks/results/, not tested here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--cpu-only", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_report_chart_and_raw_numbers_are_written(quick_run):
    assert quick_run.stat().st_size > 0
    png = quick_run.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    saved = json.loads(quick_run.with_suffix(".json").read_text())
    assert saved["records"] and saved["machine"]["cpu"]
    text = quick_run.read_text()
    for field in ("CPU:", "torch 2", "scikit-learn", "torchmetrics", "date:", "## Targets"):
        assert field in text


def test_every_workload_row_is_present(quick_run):
    from benchmarks import plan, workloads
    from benchmarks.spec import QUICK

    text = quick_run.read_text()
    specs = plan.build(QUICK, ["cpu"])
    assert {spec.workload for spec in specs} >= set(workloads.NAMES) - {"cuda_checks"}
    for spec in specs:
        assert spec.case in text, f"row for {spec.workload} / {spec.case} missing"
        if spec.workload in ("update", "memory"):  # one row per implementation; elsewhere peers are columns
            assert workloads.module(spec.workload).IMPLS[spec.impl] in text, f"{spec.impl} missing"
    for title in ("Update throughput", "End-to-end", "Streaming MI", "AMI as clusters grow", "Batched", "memory", "CUDA"):
        assert title in text


def test_every_measurement_finished_or_was_capped(quick_run):
    saved = json.loads(quick_run.with_suffix(".json").read_text())
    from benchmarks import plan
    from benchmarks.spec import QUICK

    assert len(saved["records"]) == len(plan.build(QUICK, ["cpu"]))
    errors = [(r["spec"]["case"], r["spec"]["impl"], r["result"].get("error")) for r in saved["records"] if r["result"]["status"] not in ("ok", "cap")]
    assert not errors
    assert "error:" not in quick_run.read_text()


def test_a_peer_over_its_cap_is_stopped_and_reported():
    from benchmarks.report import fmt_time
    from benchmarks.runner import Runner
    from benchmarks.spec import Spec

    runner = Runner(budget_s=0.1, max_repeats=1)
    slow = Spec("end_to_end", "n=10^4, k=100", "torchmetrics", {"n": 10**4, "k": 100}, metric="ami", cap_s=0.5, series="s", dims=(10**4, 100))
    result = runner.run(slow)
    assert result["status"] == "cap" and fmt_time(result) == "> 0.5 s"
    assert result["wall_s"] < 60  # killed, not waited for
    larger = Spec("end_to_end", "n=10^5, k=100", "torchmetrics", {"n": 10**5, "k": 100}, metric="ami", cap_s=0.5, series="s", dims=(10**5, 100))
    inferred = runner.run(larger)
    assert inferred["status"] == "cap" and inferred["inferred_from"] == slow.case
    smaller = Spec("end_to_end", "n=10^3, k=100", "torchmetrics", {"n": 10**3, "k": 100}, metric="ami", cap_s=0.5, series="s", dims=(10**3, 100))
    assert "inferred_from" not in runner.run(smaller)  # a smaller size is measured, not assumed
