"""Run the benchmark workloads for torch_mi, scikit-learn and torchmetrics side by side.

    python -m benchmarks.run                              # full run (tens of minutes): benchmarks/results/
    python -m benchmarks.run --only mi_large,ami_sizes    # some workloads; merged into RESULTS.json
    python -m benchmarks.run --quick                      # smoke run, well under a minute: benchmarks/results/quick/
    python -m benchmarks.run --from-json                  # re-render everything from RESULTS.json, measuring nothing
    python -m benchmarks.run --devices cuda --out benchmarks/results/gpu/RESULTS.md   # the GPU run's rows, on a GPU

Writes RESULTS.json (raw numbers), RESULTS.md (tables, targets, machine) and RESULTS.png (chart) next
to each other. Writing into benchmarks/results/ also regenerates the figures block of FINDINGS.md and
the benchmark block of the repository README; writing into benchmarks/results/gpu/ (the CUDA rows, from a
machine with a GPU: scripts/gpu_session.sh) regenerates the README's GPU block.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from typing import Optional

from benchmarks import machine, registry
from benchmarks.results import ResultsFile
from benchmarks.workload import Context

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GPU_RESULTS_DIR = RESULTS_DIR / "gpu"
README = Path(__file__).resolve().parent.parent / "README.md"
MODES = {
    "quick": {"cap_s": 1.0, "budget_s": 0.05, "max_repeats": 3},
    "full": {"cap_s": 120.0, "budget_s": 3.0, "max_repeats": 7},
}


def _names(text: str) -> list[str]:
    names = [name for name in text.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in registry.names()]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(registry.names())}"
        )
    return names


def _devices(text: str) -> tuple[str, ...]:
    devices = tuple(part for part in text.replace(",", " ").split() if part)
    if not devices or any(device not in ("cpu", "cuda") for device in devices):
        raise argparse.ArgumentTypeError(f"expected devices among cpu,cuda (e.g. cuda), got {text!r}")
    return devices


def _threads(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        counts = ()
    if not counts or any(count < 0 for count in counts):
        raise argparse.ArgumentTypeError(f"expected thread counts like 1,2 (0 = torch's default), got {text!r}")
    return counts


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, 1 s caps: a smoke run (the test suite runs it)")
    parser.add_argument("--only", type=_names, default=None, metavar="NAMES",
                        help=f"comma-separated workloads (default all): {', '.join(registry.names())}")
    parser.add_argument("--threads", type=_threads, default=(1, 2), metavar="N,M",
                        help="torch thread counts for thread-sensitive rows (default 1,2); other rows use the first. "
                        "0 = torch's default")
    parser.add_argument("--cap", type=float, default=None,
                        help="seconds before a call is stopped and reported as over the cap "
                        "(default 120; 1 with --quick)")
    parser.add_argument("--out", type=Path, default=None,
                        help="RESULTS.md path; .json and .png go next to it "
                        "(default benchmarks/results/, or results/quick/ with --quick)")
    parser.add_argument("--fresh", action="store_true",
                        help="start a new RESULTS.json instead of merging into the existing one")
    parser.add_argument("--devices", type=_devices, default=None, metavar="DEVICES",
                        help="where torch_mi runs: cpu, cuda or cpu,cuda "
                        "(default: cpu, and cuda when a GPU is present)")
    parser.add_argument("--cpu-only", action="store_true", help="the same as --devices cpu")
    parser.add_argument("--from-json", action="store_true",
                        help="re-render RESULTS.md, the chart and the README/FINDINGS blocks from RESULTS.json")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    out: Path = args.out or (RESULTS_DIR / "quick" / "RESULTS.md" if args.quick else RESULTS_DIR / "RESULTS.md")
    if args.devices and not args.from_json:
        # A workload measured again loses its old rows: CUDA-only rows would wipe the CPU figures of record.
        if args.devices == ("cuda",) and out.resolve() == (RESULTS_DIR / "RESULTS.md").resolve():
            raise SystemExit("--devices cuda: CUDA rows go to their own file, --out benchmarks/results/gpu/RESULTS.md")
        if "cpu" in args.devices and out.resolve() == (GPU_RESULTS_DIR / "RESULTS.md").resolve():
            raise SystemExit("benchmarks/results/gpu/ holds the GPU run's CUDA rows only: use --devices cuda")
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path = out.with_suffix(".json")
    store = ResultsFile() if args.fresh else ResultsFile.load(json_path)
    if not args.from_json:
        measure(store, json_path, mode, args)
    write_outputs(store, out)
    return 0


def measure(store: ResultsFile, json_path: Path, mode: str, args: argparse.Namespace) -> None:
    import torch

    from benchmarks.runner import Runner  # after argument errors: starting the forkserver takes a while

    settings = MODES[mode]
    cap_s = args.cap if args.cap is not None else settings["cap_s"]
    devices = list(args.devices or (["cpu"] + (["cuda"] if torch.cuda.is_available() and not args.cpu_only else [])))
    if "cuda" in devices and not torch.cuda.is_available():
        raise SystemExit("--devices cuda: torch sees no CUDA device here (torch.cuda.is_available() is False)")
    workloads = [registry.get(name) for name in (args.only or registry.names())]
    plan = [
        (w, m)
        for w in workloads
        for device in devices
        for m in w.cases(Context(args.quick, device, args.threads, cap_s))
    ]
    run_id = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = {**machine.describe(), "mode": mode, "threads": list(args.threads), "only": args.only}
    store.start_run(run_id, info)
    runner = Runner(settings["budget_s"], settings["max_repeats"])
    started = time.perf_counter()
    begun: set[str] = set()
    for index, (workload, m) in enumerate(plan, 1):
        if workload.name not in begun:
            if begun:
                store.finish_workload(plan[index - 2][0].name)
            store.begin_workload(workload.name, run_id)
            begun.add(workload.name)
        result = runner.run(m)
        store.add(workload.name, m.to_dict(), result)
        _log(f"[{index}/{len(plan)} {time.perf_counter() - started:5.0f} s] {m.device} {m.workload} | {m.case} | "
             f"{m.metric or '-'} | {m.impl} | {m.threads} thr.: {_short(result)}")
        info["loadavg_end"] = os.getloadavg()
        store.save(json_path)  # after every measurement: a stopped run keeps what it has
    if plan:
        store.finish_workload(plan[-1][0].name)
    for workload in workloads:  # a workload with nothing to measure here (cuda_checks without CUDA) keeps no old rows
        if workload.name not in begun:
            store.data["workloads"].pop(workload.name, None)
    info["total_s"] = round(time.perf_counter() - started, 1)
    store.save(json_path)
    _log(f"measured {len(plan)} in {info['total_s']:.0f} s")


def write_outputs(store: ResultsFile, out: Path) -> None:
    from benchmarks import chart, render

    chart_path = out.with_suffix(".png")
    runs = store.runs_used(store.names())
    latest = runs[max(runs)] if runs else {"cpu": "?", "date": "?"}
    chart.draw(store, chart_path, f"torch_mi vs scikit-learn vs torchmetrics — {latest['cpu']}, {latest['date']}")
    companions = [name for name in ("FINDINGS.md", "PROFILE.md") if (out.parent / name).exists()]
    out.write_text(render.results_markdown(store, chart_path.name, companions))
    written = [out, chart_path, out.with_suffix(".json")]
    if out.resolve() == (RESULTS_DIR / "RESULTS.md").resolve():  # the results of record: the docs quote them
        findings = RESULTS_DIR / "FINDINGS.md"
        findings.write_text(render.splice(findings.read_text(), render.findings_block(store), render.FINDINGS_MARKERS))
        written += [findings]
    if out.resolve() in {(RESULTS_DIR / "RESULTS.md").resolve(), (GPU_RESULTS_DIR / "RESULTS.md").resolve()}:
        README.write_text(readme_with_blocks(README.read_text()))
        written += [README]
    _log("wrote " + ", ".join(machine.relativize(str(path)) for path in written))


def readme_with_blocks(text: str) -> str:
    """The README with both generated blocks redone: the CPU figures and the GPU run's (empty until one ran)."""
    from benchmarks import render

    text = render.splice(
        text, render.readme_block(ResultsFile.load(RESULTS_DIR / "RESULTS.json")), render.README_MARKERS
    )
    gpu = ResultsFile.load(GPU_RESULTS_DIR / "RESULTS.json")
    return render.splice(text, render.readme_block(gpu, "cuda"), render.GPU_README_MARKERS)


def _short(result: dict) -> str:
    from benchmarks.tables import fmt_time

    return fmt_time(result)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
