"""Everything written from RESULTS.json: RESULTS.md, and the generated blocks of the repository README and
of FINDINGS.md. Nothing here measures; ``python -m benchmarks.run --from-json`` reruns only this.

Blocks sit between markers (``<!-- benchmarks:start -->`` / ``<!-- benchmarks:end -->``) and are
replaced whole, so no figure in them is ever copied by hand.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from benchmarks import registry
from benchmarks.results import ResultsFile
from benchmarks.workload import Context, Table

HOLDS = {True: "pass", False: "**FAIL**", None: "undecided"}
README_MARKERS = ("<!-- benchmarks:start -->", "<!-- benchmarks:end -->")
GPU_README_MARKERS = ("<!-- benchmarks-gpu:start -->", "<!-- benchmarks-gpu:end -->")
FINDINGS_MARKERS = ("<!-- figures:start -->", "<!-- figures:end -->")


def targets(store: ResultsFile, device: str = "cpu") -> list[dict[str, Any]]:
    """Every goal on ``device`` of every workload, checked: [{"workload", "target", "measured", "holds"}]."""
    out = []
    for workload in registry.all_workloads():  # a workload never measured still lists its goals, undecided
        results = store.workload(workload.name)
        for goal in workload.targets:
            if goal.device == device:
                out += [{"workload": workload.name, **outcome} for outcome in goal.check(results)]
    return out


def store_device(store: ResultsFile) -> str:
    """"cuda" for a results file with CUDA rows and none on the CPU (the GPU run's file), else "cpu"."""
    devices = {r["measurement"]["device"].split(":")[0] for name in store.names() for r in store.workload(name).records}
    return "cuda" if devices == {"cuda"} else "cpu"


def targets_table(checked: list[dict[str, Any]]) -> Table:
    return Table(
        ["workload", "target", "measured", "holds"],
        [[t["workload"], t["target"], t["measured"], HOLDS[t["holds"]]] for t in checked],
    )


def _run_line(run_id: str, info: dict[str, Any], names: list[str]) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in info["versions"].items())
    load = lambda values: " / ".join(f"{v:.1f}" for v in values) if values else "?"  # noqa: E731
    return (
        f"- run `{run_id}` ({info['mode']}; workloads: {', '.join(names)}): torch_mi commit {info['torch_mi_commit']}, "
        f"source sha256 {info.get('torch_mi_source_sha256', '?')}; CPU {info['cpu']}, {info['cores']} cores "
        f"({info['cores_usable']} usable), RAM {info['memory_gib']} GiB; GPU: {info['gpu'] or 'none'}; "
        f"torch threads {', '.join(map(str, info['threads']))} (rows say which); Python {info['python']}, {versions}; "
        f"{info['platform']}; load average at start {load(info['loadavg_start'])}, "
        f"at end {load(info.get('loadavg_end'))}"
        + (f". Note: {info['migrated']}" if info.get("migrated") else "")
    )


def _runs(store: ResultsFile, names: Iterable[str]) -> list[str]:
    names = list(names)
    return [_run_line(run_id, info, [n for n in names if store.data["workloads"][n]["run"] == run_id])
            for run_id, info in store.runs_used(names).items()]


def results_markdown(store: ResultsFile, chart_name: str | None, companions: Iterable[str] = ()) -> str:
    present = [w for w in registry.all_workloads() if w.name in store.names()]
    parts = ["# torch_mi benchmarks: torch_mi vs scikit-learn vs torchmetrics", "",
             "Generated from RESULTS.json by `python -m benchmarks.run` (or `--from-json`); do not edit by hand.", ""]
    parts += _runs(store, [w.name for w in present]) + [""]
    device = store_device(store)
    missing = [w.name for w in registry.all_workloads()  # on the CPU, CUDA-only workloads have no cases
               if w.name not in store.names() and w.cases(Context(quick=False, device=device))]
    if missing:
        how = "" if device == "cpu" else " --devices cuda --out benchmarks/results/gpu/RESULTS.md"
        parts += [
            f"Not in RESULTS.json yet (`python -m benchmarks.run{how} --only {','.join(missing)}`): "
            f"{', '.join(missing)}.",
            "",
        ]
    if chart_name:
        parts += [f"![benchmark chart]({chart_name})", ""]
    parts += ["## Targets", "",
              "Ratios are from one run each, so both sides ran on the same machine at the same time.", "",
              targets_table(targets(store, store_device(store))).markdown(), ""]
    companions = list(companions)
    if companions:
        parts += ["See also: " + ", ".join(f"[{name}]({name})" for name in companions) + ".", ""]
    for workload in present:
        results = store.workload(workload.name)
        if not store.data["workloads"][workload.name].get("complete", True):
            parts += [f"(`{workload.name}`: the run stopped before this workload finished; rows may be missing.)", ""]
        for device in results.devices():
            suffix = (
                "" if device == "cpu"
                else f" — {device} ({results.run.get('gpu') or device}; sklearn columns: its CPU time)"
            )
            parts += [f"## {workload.title}{suffix}", "", workload.about, "",
                      workload.table(results, device).markdown(), ""]
    if not any(r["measurement"]["device"].startswith("cuda") for w in present for r in store.workload(w.name).records):
        parts += ["## CUDA", "",
                  "No CUDA device in the runs above: no CUDA rows. The GPU run (`bash scripts/gpu_session.sh bench` "
                  "on a machine with one) writes every workload on CUDA, update throughput as a share of copy "
                  "bandwidth, and the no-sync check (`cuda_checks`) into [gpu/RESULTS.md](gpu/RESULTS.md), "
                  "with its own targets.", ""]
    parts += ["## Notes", "", NOTES.strip(), ""]
    return "\n".join(parts)


def readme_block(store: ResultsFile, device: str = "cpu") -> str:
    """The repository README's benchmark figures on ``device``: where they come from, and every target
    with its measurement. "cpu" reads benchmarks/results/RESULTS.json, "cuda" the GPU run's file."""
    checked = targets(store, device)
    counts = {label: sum(1 for t in checked if HOLDS[t["holds"]] == label) for label in HOLDS.values()}
    runs = store.runs_used(store.names())
    where = (
        (lambda info: f"{info['cpu']} ({info['cores']} cores)")
        if device == "cpu"
        else (lambda info: info.get("gpu") or "?")
    )
    when = "; ".join(
        f"{info['date']}, {info['mode']} run, commit {info['torch_mi_commit']}, {where(info)}" for info in runs.values()
    )
    markers, source = (README_MARKERS, "RESULTS.json") if device == "cpu" else (GPU_README_MARKERS, "gpu/RESULTS.json")
    lines = [
        markers[0],
        f"<!-- generated from benchmarks/results/{source} by `python -m benchmarks.run --from-json`; do not edit -->",
        "",
        f"Measured: {when or 'no results yet'}. Targets: {counts['pass']} pass, {counts['**FAIL**']} fail, "
        f"{counts['undecided']} undecided. Ratios are peer time ÷ torch_mi time from the same run.",
        "",
        targets_table(checked).markdown(),
        "",
        markers[1],
    ]
    return "\n".join(lines)


def findings_block(store: ResultsFile) -> str:
    """FINDINGS.md's figures: the targets, those not holding first."""
    checked = sorted(targets(store, "cpu"), key=lambda t: {False: 0, None: 1, True: 2}[t["holds"]])
    runs = store.runs_used(store.names())
    header = "; ".join(f"run `{run}`: {info['mode']}, commit {info['torch_mi_commit']}" for run, info in runs.items())
    return "\n".join([FINDINGS_MARKERS[0], "", f"From RESULTS.json ({header or 'no results yet'}).", "",
                      targets_table(checked).markdown(), "", FINDINGS_MARKERS[1]])


def splice(text: str, block: str, markers: tuple[str, str]) -> str:
    """``text`` with the part between (and including) ``markers`` replaced by ``block``."""
    pattern = re.compile(re.escape(markers[0]) + ".*?" + re.escape(markers[1]), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"markers {markers[0]} ... {markers[1]} not found")
    return pattern.sub(lambda _: block, text, count=1)


def current_block(text: str, markers: tuple[str, str]) -> str:
    start, end = text.index(markers[0]), text.index(markers[1]) + len(markers[1])
    return text[start:end]


NOTES = """
- Each measurement runs in a fresh process on the same seeded data for every peer; the data is built before
  the clock starts. Most are forked from a server that preloaded the imports; rows marked "plain process" start
  a new interpreter. A short measurement is repeated for a few seconds and the median kept (first run dropped as
  warm-up when there are 3+); a long one runs once.
- "x" columns are peer time ÷ torch_mi time: above 1 means torch_mi is faster. Update rows divide the bare
  scatter_add_ (or torchmetrics) time by the row's time instead, so 0.5x means half the bare throughput.
- A peer still running at its cap is killed and shown as "> cap"; its ratio is then a bound (">" or "<").
  † = not run again: the same peer exceeded the cap at a smaller size of the same series.
- Peak MiB is growth of the process's peak RSS (VmHWM, reset before the measured calls) over its RSS before
  them: input labels are not counted, temporaries and kept state are. On CUDA: `torch.cuda.max_memory_allocated`.
- |torch_mi − sklearn| is the largest absolute difference of the scores. torchmetrics computes in float32.
- Threads: rows where torch's thread count matters are measured at each count of `--threads` (default 1 and 2)
  and say which; the others use the first. Peers that run once (scikit-learn, single-threaded; torchmetrics)
  run at the first count, and every torch_mi row of the case is compared with that one measurement.
  On a machine other jobs share, torch's OpenMP pool can stall (a parallel region waits for a descheduled
  thread), so compare 2-thread rows only from a quiet machine.
"""
