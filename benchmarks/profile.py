"""Profile a torch_mi hot path: where does the time of one benchmark case go?

    python -m benchmarks.profile ami-sizes-1400 update-dense --out benchmarks/results/PROFILE.md

For each named case: cProfile's top Python functions by own time (which torch_mi function is
hot), then torch.profiler's top operators by own CPU time (which tensor ops inside it are).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any, Callable

import torch

from benchmarks import data
from benchmarks.machine import relativize


def _update(options: dict[str, Any]) -> Callable[[], Callable[[], Any]]:
    def setup() -> Callable[[], Any]:
        from torch_mi import MutualInfoScore

        batches = list(data.label_batches(10**7, 10**6, 100, seed=1))

        def run() -> None:
            metric = MutualInfoScore(**options)
            for preds, target in batches:
                metric.update(preds, target)

        return run

    return setup


def _ami(make_labels: Callable[[], tuple[torch.Tensor, torch.Tensor]]) -> Callable[[], Callable[[], Any]]:
    def setup() -> Callable[[], Any]:
        from torch_mi.functional import adjusted_mutual_info_score

        preds, target = make_labels()
        return lambda: adjusted_mutual_info_score(preds, target)

    return setup


def _batched(score: str, loop: bool) -> Callable[[], Callable[[], Any]]:
    def setup() -> Callable[[], Any]:
        from benchmarks.workloads.batched import labels
        from torch_mi import functional

        fn = getattr(functional, score)
        preds, target = labels(64, 10**6, 20, "cpu")
        if loop:
            return lambda: [fn(row, target) for row in preds]
        return lambda: fn(preds, target)

    return setup


def _triangular(m: int) -> tuple[torch.Tensor, torch.Tensor]:
    sizes = data.triangular_sizes(m)
    return data.labels_with_sizes(sizes, sizes, seed=4)


CASES: dict[str, Callable[[], Callable[[], Any]]] = {
    "update-dense-novalidate": _update({"num_classes": 100, "validate_args": False}),
    "update-dense": _update({"num_classes": 100}),
    "update-dynamic": _update({"num_classes": None}),
    "ami-sizes-1400": _ami(lambda: _triangular(1400)),
    "ami-modulo-8000x7000": _ami(lambda: data.modulo_labels(10**6, 8000, 7000)),
    "ami-1e6x1000": _ami(lambda: data.correlated_labels(10**6, 1000, seed=2)),
    "ami-zipf-1e4": _ami(
        lambda: data.labels_with_sizes(data.zipf_sizes(10**6, 10**4), data.zipf_sizes(10**6, 10**4), seed=4)
    ),
    "ami-sizes-100": _ami(lambda: _triangular(100)),
    "batched-ami": _batched("adjusted_mutual_info_score", loop=False),
    "batched-ami-loop": _batched("adjusted_mutual_info_score", loop=True),
    "batched-nmi": _batched("normalized_mutual_info_score", loop=False),
    "batched-nmi-loop": _batched("normalized_mutual_info_score", loop=True),
}


def profile_case(name: str, top: int) -> str:
    run = CASES[name]()
    run()  # warm-up: first-call costs are not the hot path
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start

    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    # File names in cProfile's output are absolute: keep this machine's paths out of the report.
    python_part = "\n".join(relativize(line) for line in text.getvalue().splitlines() if line.strip())

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=False) as prof:
        run()
    ops = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=top)
    return (
        f"## {name}\n\nwall time (unprofiled): {wall:.3f} s, torch threads {torch.get_num_threads()}\n\n"
        f"### cProfile, by own time\n\n```\n{python_part}\n```\n\n"
        f"### torch.profiler, by self CPU time\n\n```\n{ops}\n```\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="+", choices=sorted(CASES))
    parser.add_argument("--out", type=Path, default=None, help="markdown file to write (default: print)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as in benchmarks.run)")
    parser.add_argument("--top", type=int, default=18)
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    from benchmarks import machine

    header = (
        "# torch_mi hot-path profiles\n\n"
        f"torch_mi commit {machine._git_commit()}, source sha256 {machine._source_hash()}; {machine._cpu_model()}; "
        f"torch {torch.__version__}. Regenerate: `python -m benchmarks.profile {' '.join(args.cases)}`\n\n"
    )
    report = header + "\n".join(profile_case(name, args.top) for name in args.cases)
    if args.out:
        args.out.write_text(report)
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
