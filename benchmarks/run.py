"""Run every benchmark workload for torch_mi, scikit-learn and torchmetrics in one go.

    python -m benchmarks.run            # full run (tens of minutes), writes benchmarks/results/
    python -m benchmarks.run --quick    # smoke run, about a minute
    python -m benchmarks.run --quick --out /tmp/bench/RESULTS.md

Writes RESULTS.md (tables, targets, machine), RESULTS.png (chart) and RESULTS.json (raw numbers)
next to each other; ``--from-json`` re-renders the first two from the third without measuring.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

from benchmarks import machine, plan, workloads
from benchmarks.report import fmt_time, render
from benchmarks.spec import PROFILES

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "RESULTS.md"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short caps: a smoke run of about a minute")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"markdown report path (default {DEFAULT_OUT}); .png and .json go next to it")
    parser.add_argument("--cap", type=float, default=None, help="seconds before a peer's call is stopped and reported as over the cap (default 120, 3 with --quick)")
    parser.add_argument("--mod-cap", type=float, default=None, help="scikit-learn's cap on the i %% 8000 vs i %% 7000 AMI case (default 300)")
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch threads in every measurement (default 1: scikit-learn's loops are single-threaded too, and torch's "
        "OpenMP pool stalls badly on a machine that other jobs share); 0 keeps torch's default (one per core)",
    )
    parser.add_argument("--only", nargs="+", choices=workloads.NAMES, help="run only these workloads")
    parser.add_argument("--cpu-only", action="store_true", help="skip the CUDA workloads even when a GPU is present")
    parser.add_argument("--from-json", action="store_true", help="re-render the report and chart from the existing .json, measuring nothing")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    raw_path, chart_path = out.with_suffix(".json"), out.with_suffix(".png")
    if args.from_json:
        saved = json.loads(raw_path.read_text())
        _write(saved, out, chart_path)
        return 0

    profile = PROFILES["quick" if args.quick else "full"]
    if args.cap is not None:
        profile = dataclasses.replace(profile, cap_s=args.cap)
    if args.mod_cap is not None:
        profile = dataclasses.replace(profile, mod_cap_s=args.mod_cap)
    devices = ["cpu"] if args.cpu_only else plan.devices()
    specs = plan.build(profile, devices, args.only)

    from benchmarks.runner import Runner  # after argument errors: starting the forkserver takes a while

    saved: dict[str, Any] = {"profile": profile.name, "machine": machine.describe(), "records": []}
    saved["threads"] = args.threads
    runner = Runner(profile.budget_s, profile.max_repeats, threads=args.threads, log=_log)
    started = time.perf_counter()
    for index, spec in enumerate(specs, 1):
        result = runner.run(spec)
        saved["records"].append({"spec": spec.to_dict(), "result": result})
        _log(f"[{index}/{len(specs)} {time.perf_counter() - started:6.0f} s] {spec.device} {spec.workload} | {spec.case} | "
             f"{spec.metric or '-'} | {spec.impl}: {fmt_time(result)}")
        saved["loadavg_end"] = os.getloadavg()
        raw_path.write_text(json.dumps(saved, indent=1))  # after every measurement: a stopped run keeps what it has
    saved["total_s"] = time.perf_counter() - started
    raw_path.write_text(json.dumps(saved, indent=1))
    _write(saved, out, chart_path)
    _log(f"wrote {out}, {chart_path} and {raw_path} in {saved['total_s']:.0f} s")
    return 0


def _write(saved: dict[str, Any], out: Path, chart_path: Path) -> None:
    from benchmarks import chart

    records = saved["records"]
    chart.draw(records, chart_path, f"torch_mi vs scikit-learn vs torchmetrics — {saved['machine']['cpu']}, {saved['machine']['date']}")
    companions = [name for name in ("FINDINGS.md", "PROFILE.md") if (out.parent / name).exists()]
    out.write_text(
        render(records, saved["machine"], saved["profile"], saved.get("loadavg_end", ("?",) * 3), chart_path.name, saved.get("threads", 0), companions)
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
