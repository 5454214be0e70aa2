"""The benchmark harness: a ``--quick`` run end to end, the generated documents, and the goal checks.

No timing is asserted: speed is claimed in benchmarks/results/, not tested here.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import machine, registry, render
from benchmarks.goals import Pick, Ratio, Seconds
from benchmarks.results import ResultsFile, WorkloadResults
from benchmarks.workload import Context

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
KEPT = {"workload": "zz_not_in_this_run", "marker": "kept"}  # an entry a partial run must leave alone


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    seeded = ResultsFile()
    seeded.start_run("earlier", {**machine.describe(), "mode": "full", "threads": [1], "marker": KEPT["marker"]})
    seeded.begin_workload(KEPT["workload"], "earlier")
    seeded.save(out.with_suffix(".json"))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--cpu-only", "--threads", "1,2", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out, ResultsFile.load(out.with_suffix(".json")), out.read_text()


def quick_cases(workload):
    return workload.cases(Context(quick=True, device="cpu", threads=(1, 2), cap_s=1.0))


@pytest.mark.slow
def test_every_registered_workload_produced_its_rows(quick):
    _, store, text = quick
    measured = [w for w in registry.all_workloads() if quick_cases(w)]
    assert {"mi_large", "ami_sizes", "ami_mi_ratio", "nmi_batched", "update", "memory"} <= {w.name for w in measured}
    for workload in measured:
        results = store.workload(workload.name)
        assert store.data["workloads"][workload.name]["complete"]
        assert len(results.records) == len(quick_cases(workload)), workload.name
        table = workload.table(results, "cpu")
        assert table.rows and all(len(row) == len(table.headers) for row in table.rows), workload.name
        assert f"## {workload.title}\n" in text and table.markdown() in text
    # cuda_checks measures nothing without CUDA (and --cpu-only), so it has neither records nor a section.
    assert "cuda_checks" not in store.names() and "CUDA: update()" not in text


@pytest.mark.slow
def test_every_measurement_finished_or_was_capped_at_the_thread_count_asked(quick):
    _, store, _ = quick
    for name in store.names():
        for record in store.workload(name).records:
            m, result = record["measurement"], record["result"]
            assert result["status"] in ("ok", "cap"), (name, m["case"], m["impl"], result.get("error"))
            if result["status"] == "ok":
                assert math.isfinite(result["seconds"]) and result["seconds"] > 0
                assert result["threads"] == m["threads"], (name, m["impl"])  # the worker really ran with that many


@pytest.mark.slow
def test_ratios_in_every_table_are_finite_and_positive(quick):
    _, store, _ = quick
    seen = 0
    for workload in registry.all_workloads():
        table = workload.table(store.workload(workload.name), "cpu")
        for header, cells in zip(table.headers, zip(*table.rows)):
            if "÷" not in header:
                continue
            for cell in cells:
                if cell == "–":
                    continue
                value = float(re.fullmatch(r"[<>]? ?([0-9.e+-]+)x", cell).group(1))
                assert math.isfinite(value) and value > 0, (workload.name, header, cell)
                seen += 1
    assert seen >= 40


@pytest.mark.slow
def test_thread_sensitive_rows_are_reported_at_one_and_two_threads(quick):
    _, store, _ = quick
    for name in ("mi_large", "ami_mi_ratio", "nmi_batched"):
        assert store.workload(name).threads(store.workload(name).records[0]["measurement"]["impl"]) == [1, 2], name
    table = registry.get("mi_large").table(store.workload("mi_large"), "cpu")
    assert "threads" in table.headers
    assert sorted(row[table.headers.index("threads")] for row in table.rows) == ["1", "2"]
    # scikit-learn is single-threaded: measured once, shared by both rows.
    assert len([r for r in store.workload("mi_large").records if r["measurement"]["impl"] == "sklearn"]) == 1


@pytest.mark.slow
def test_targets_are_listed_with_a_verdict_and_the_quick_mi_row_is_decided(quick):
    _, store, text = quick
    checked = render.targets(store)
    for workload in registry.all_workloads():  # each goal gives one verdict, or one per thread count
        on_cpu = [goal for goal in workload.targets if goal.device == "cpu"]
        assert sum(t["workload"] == workload.name for t in checked) >= len(on_cpu), workload.name
    assert all(t["holds"] in (True, False, None) for t in checked)
    # mi_large's n=10^6 goal runs in quick mode: one verdict per thread count
    bare = [t for t in checked if t["workload"] == "mi_large" and "bare bincount" in t["target"]]
    assert len(bare) == 2 and all(t["holds"] is not None for t in bare)
    # dense_count's goals are at 10^7 labels, which only a full run measures: listed, undecided
    dense = [t for t in checked if t["workload"] == "dense_count"]
    assert len(dense) == 3 and all(t["holds"] is None for t in dense)
    assert render.targets_table(checked).markdown() in text


@pytest.mark.slow
def test_a_partial_run_merges_into_the_results_file(quick):
    _, store, _ = quick
    assert KEPT["workload"] in store.names()
    kept_run = store.data["workloads"][KEPT["workload"]]["run"]
    assert store.data["runs"][kept_run]["marker"] == KEPT["marker"]
    assert len({store.data["workloads"][name]["run"] for name in store.names()}) == 2


@pytest.mark.slow
def test_quick_outputs_are_written_without_machine_paths(quick):
    out, _, text = quick
    png = out.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    for field in ("CPU", "torch 2", "scikit-learn", "torchmetrics", "## Targets", "(quick;"):
        assert field in text
    assert str(REPO) not in out.with_suffix(".json").read_text()


def test_committed_readme_and_findings_blocks_are_what_the_generator_makes_from_results_json():
    store = ResultsFile.load(RESULTS / "RESULTS.json")
    readme = (REPO / "README.md").read_text()
    assert render.current_block(readme, render.README_MARKERS) == render.readme_block(store)
    findings = (RESULTS / "FINDINGS.md").read_text()
    assert render.current_block(findings, render.FINDINGS_MARKERS) == render.findings_block(store)
    companions = [name for name in ("FINDINGS.md", "PROFILE.md") if (RESULTS / name).exists()]
    assert (RESULTS / "RESULTS.md").read_text() == render.results_markdown(store, "RESULTS.png", companions)
    gpu = ResultsFile.load(RESULTS / "gpu" / "RESULTS.json")  # empty until a GPU run: every CUDA goal undecided
    assert render.current_block(readme, render.GPU_README_MARKERS) == render.readme_block(gpu, "cuda")


def test_cpu_and_gpu_files_report_their_own_devices_goals():
    cpu_goals, cuda_goals = render.targets(ResultsFile(), "cpu"), render.targets(ResultsFile(), "cuda")
    assert cpu_goals and cuda_goals
    assert all(t["target"].startswith("CUDA:") for t in cuda_goals)
    assert not any(t["target"].startswith("CUDA:") for t in cpu_goals)
    wanted = {"update", "end_to_end", "streaming", "ami_sizes", "cuda_checks"}  # the GPU issue's goals
    assert wanted <= {t["workload"] for t in cuda_goals}


def test_committed_results_carry_no_absolute_paths():
    from benchmarks.machine import relativize

    here = [str(REPO), str(Path.home()), sys.prefix]
    for name in ("RESULTS.json", "RESULTS.md", "PROFILE.md", "FINDINGS.md"):
        text = (RESULTS / name).read_text()
        assert not any(path in text for path in here), name
        assert not re.search(r"(?<![\w<>.~-])/(home|work|root|Users|tmp|opt)/", text), name
    assert relativize(f"{REPO}/torch_mi/_table.py:12(f)") == "torch_mi/_table.py:12(f)"
    import torch

    assert relativize(torch.__file__).startswith("<")  # an installed package's path names no directory of this machine


def _results(records):
    return WorkloadResults("w", [
        {"measurement": {"case": "c", "metric": "", "device": "cpu", "params": {}, **m}, "result": r}
        for m, r in records
    ])


def test_ratio_goals_decide_exact_values_and_bounds_per_thread_count():
    ok = lambda s: {"status": "ok", "seconds": s}  # noqa: E731
    cap = lambda s: {"status": "cap", "cap_s": s}  # noqa: E731
    goal = Ratio("fast", Pick("sklearn", fixed_threads=True), Pick("torch_mi"), at_least=15)
    results = _results([({"impl": "torch_mi", "threads": 1}, ok(0.1)), ({"impl": "torch_mi", "threads": 2}, ok(0.05)),
                        ({"impl": "sklearn", "threads": 1}, ok(1.0))])
    assert [(o["target"], o["holds"]) for o in goal.check(results)] == [
        ("fast (1 thread)", False), ("fast (2 threads)", True)
    ]
    goal = Ratio("fast", Pick("sklearn", fixed_threads=True), Pick("torch_mi"), at_least=5)
    assert [o["holds"] for o in goal.check(results)] == [True, True]
    capped = _results([({"impl": "torch_mi", "threads": 1}, ok(1.0)), ({"impl": "sklearn", "threads": 1}, cap(3.0))])
    assert goal.check(capped)[0]["holds"] is None  # > 3x only: cannot tell whether >= 5x
    assert Ratio("g", Pick("sklearn"), Pick("torch_mi"), at_least=2).check(capped)[0]["holds"] is True
    assert Ratio("g", Pick("sklearn"), Pick("torch_mi"), at_most=2).check(capped)[0]["holds"] is False
    assert Ratio("g", Pick("nobody"), Pick("torch_mi"), at_least=2).check(capped)[0]["holds"] is None
    assert [o["holds"] for o in Seconds("s", Pick("torch_mi"), 0.3).check(capped)] == [False]
    short_cap = _results([({"impl": "torch_mi", "threads": 1}, cap(0.1))])
    assert Seconds("s", Pick("torch_mi"), 0.3).check(short_cap)[0]["holds"] is None


def test_unknown_workloads_and_bad_thread_counts_are_rejected_by_name():
    from benchmarks.run import parse_args

    assert parse_args(["--only", "mi_large,ami_sizes"]).only == ["mi_large", "ami_sizes"]
    assert parse_args(["--threads", "1,2"]).threads == (1, 2)
    assert parse_args(["--devices", "cuda"]).devices == ("cuda",)
    assert parse_args(["--devices", "cpu,cuda"]).devices == ("cpu", "cuda")
    for argv in (["--only", "nope"], ["--threads", "x"], ["--threads", "-1"], ["--devices", "gpu"], ["--devices", ""]):
        with pytest.raises(SystemExit):
            parse_args(argv)


def test_cuda_rows_never_overwrite_the_cpu_figures_of_record(capsys):
    from benchmarks.run import main

    # Refused before anything is measured or written (and before CUDA is even looked for).
    with pytest.raises(SystemExit, match="gpu/RESULTS.md"):
        main(["--devices", "cuda", "--only", "update"])
    with pytest.raises(SystemExit, match="CUDA rows only"):
        main(["--devices", "cpu", "--only", "update", "--out", str(RESULTS / "gpu" / "RESULTS.md")])


@pytest.mark.slow
def test_a_peer_over_its_cap_is_stopped_and_later_sizes_are_inferred():
    from benchmarks.runner import Runner
    from benchmarks.tables import fmt_time
    from benchmarks.workload import Measurement

    runner = Runner(budget_s=0.1, max_repeats=1)

    def make(n):
        return Measurement("end_to_end", f"n={n}", "torchmetrics", {"n": n, "k": 100}, metric="ami", cap_s=0.5,
                           series="s", dims=(n, 100))

    result = runner.run(make(10**4))
    assert result["status"] == "cap" and fmt_time(result) == "> 0.5 s"
    assert result["wall_s"] < 60  # killed, not waited for
    inferred = runner.run(make(10**5))
    assert inferred["status"] == "cap" and inferred["inferred_from"] == "n=10000"
    assert "inferred_from" not in runner.run(make(10**3))  # a smaller size is measured, not assumed


def test_the_readme_example_workload_is_the_real_file():
    readme = (REPO / "benchmarks" / "README.md").read_text()
    source = (REPO / "benchmarks" / "workloads" / "v_measure.py").read_text()
    assert f"```python\n{source}```" in readme


def test_cuda_rows_exist_only_with_a_cuda_device_and_name_it():
    checks = registry.get("cuda_checks")
    assert checks.cases(Context(quick=True, device="cpu")) == []
    on_gpu = checks.cases(Context(quick=True, device="cuda"))
    assert on_gpu and all(m.device == "cuda" for m in on_gpu)
    store = ResultsFile()
    store.start_run("r", {**machine.describe(), "mode": "quick", "threads": [1], "gpu": "Some GPU, 80 GiB, CUDA 12"})
    store.begin_workload("cuda_checks", "r")
    for m in on_gpu:
        outcome = "no sync" if m.impl == "dense_novalidate" else "sync"
        store.add("cuda_checks", m.to_dict(),
                  {"status": "ok", "seconds": 0.01, "extra": {"outcome": outcome, "device_name": "Some GPU"}})
    text = render.results_markdown(store, None)
    assert "## CUDA: update() without host-device synchronization — cuda (Some GPU, 80 GiB, CUDA 12" in text
    verdict = [t for t in render.targets(store, "cuda") if t["workload"] == "cuda_checks"]
    assert verdict[0]["holds"] is True and "on Some GPU" in verdict[0]["measured"]


def test_the_ari_workloads_exact_reference_is_scikit_learns_ari_in_exact_arithmetic():
    import numpy as np
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics.cluster import contingency_matrix

    from benchmarks.workloads.ari import HUGE_TABLE, exact_ari

    rng = np.random.default_rng(3)
    for _ in range(20):
        target, preds = rng.integers(0, 4, 60), rng.integers(0, 5, 60)
        table = contingency_matrix(target, preds).tolist()
        assert abs(float(exact_ari(table)) - adjusted_rand_score(target, preds)) < 1e-12
    assert exact_ari([[3, 0], [0, 2]]) == 1
    assert sum(map(sum, HUGE_TABLE)) == 10**12  # the row's claim


def test_a_workload_whose_api_is_missing_records_not_available_instead_of_failing(monkeypatch):
    from benchmarks import worker
    from benchmarks.workloads import feature_mi

    why = "torch_mi.feature_selection is not installed / not on this tree"
    monkeypatch.setattr(feature_mi, "missing_module", lambda *names: why)
    records = []
    for m in feature_mi.WORKLOAD.cases(Context(quick=False, device="cpu", threads=(1,))):  # full sizes: the goals' rows
        if m.impl == "sklearn":  # scikit-learn still runs; a made-up time keeps this test fast
            result = {"status": "ok", "seconds": 1.0, "value": [0.1] * m.params["sklearn_features"]}
        else:
            result = worker._measure(m, feature_mi.prepare(m), 0.01, 1)
        records.append({"measurement": m.to_dict(), "result": result})
    results = WorkloadResults("feature_mi", records)
    table = feature_mi.WORKLOAD.table(results, "cpu")
    assert table.rows and all(row[1] == f"not run: {why}" for row in table.rows)
    assert all(row[table.headers.index("sklearn ÷ torch_mi")] == "–" for row in table.rows)
    outcomes = [o for goal in feature_mi.WORKLOAD.targets for o in goal.check(results)]
    assert outcomes and all(o["holds"] is None and o["measured"] == f"not run: {why}" for o in outcomes)
