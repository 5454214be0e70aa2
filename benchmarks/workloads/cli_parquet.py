"""The command line on a Parquet dataset (issue 12): one process vs torchrun with 2 ranks.

A dataset of N rows (10^8; 10^6 in quick runs) is written before the clock starts into a temporary
directory (never into the repository): 10 Parquet files of row groups of up to 10^6 rows, int32
columns y (target, 100 classes), a (agrees with y on half the rows, random elsewhere) and b (random).
Then, timed as a whole (interpreter start-up included), with every default score:

    python -m torch_mi DIR --target y --preds a b --format json --no-progress
    python -m torch.distributed.run --standalone --nproc-per-node=2 -m torch_mi DIR (same options)

Each process runs with OMP_NUM_THREADS = the row's torch thread count. Peak memory is each process's
own peak RSS (VmHWM, polled every 20 ms over the process tree, and at least the kernel's
ru_maxrss of waited-for children): the single process; for torchrun the launcher, the largest rank
and the sum over ranks. Both runs must print the same scores. The dataset is shared by the two
measurements of a run and removed when the run ends (or by the next run, if that one was killed).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

from benchmarks import data
from benchmarks.goals import Custom
from benchmarks.results import Result, WorkloadResults
from benchmarks.tables import MiB, fmt_ratio, fmt_time
from benchmarks.workload import Context, Job, Measurement, Table, Workload, power_label
from benchmarks.workloads._shared import missing_module, unavailable, why_unavailable

REPO = Path(__file__).resolve().parents[2]
SIZES = {"quick": {"rows": 10**6, "cap_s": 120.0}, "full": {"rows": 10**8, "cap_s": 1200.0}}
FILES = 10
ROW_GROUP = 10**6
K = 100
OPTIONS = ["--target", "y", "--preds", "a", "b", "--format", "json", "--no-progress"]
COMMANDS = {
    "single": ["-m", "torch_mi"],
    "torchrun_2": ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "-m", "torch_mi"],
}
LABELS = {"single": "python -m torch_mi (1 process)", "torchrun_2": "torchrun, 2 ranks"}
DATASET_PREFIX = "torch_mi_bench_parquet_"
POLL_S = 0.02


def cases(ctx: Context) -> list[Measurement]:
    if ctx.device != "cpu":
        return []  # the command's --device is not what is measured here
    sizes = SIZES["quick" if ctx.quick else "full"]
    case = f"{power_label(sizes['rows'])} rows, {FILES} Parquet files, preds a b"
    return [Measurement("cli_parquet", case, impl, {"rows": sizes["rows"]},
                        threads=ctx.one_thread, cap_s=max(ctx.cap_s, sizes["cap_s"])) for impl in COMMANDS]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dataset(rows: int) -> Path:
    """The run's dataset of ``rows`` rows: written by the first measurement that needs it, reused by the
    next, removed once the run's measuring server (this process's parent) exits."""
    root = Path(tempfile.gettempdir())
    for stale in root.glob(DATASET_PREFIX + "*"):  # left by runs that ended before their watcher ran
        owner = stale.name.split(".")[0].rsplit("_", 1)[-1]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    server = os.getppid()
    where = root / f"{DATASET_PREFIX}{rows}_{server}"
    done = where.with_suffix(".complete")  # beside the directory: the command reads every file inside it
    if done.exists():
        return where
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir()
    _remove_after(server, where, done)
    import pyarrow as pa
    import pyarrow.parquet as pq
    import torch

    gen = data.generator(71)
    per_file = -(-rows // FILES)
    written = 0
    for index in range(FILES):
        size = min(per_file, rows - written)
        with pq.ParquetWriter(
            where / f"part-{index:02d}.parquet", pa.schema([("y", pa.int32()), ("a", pa.int32()), ("b", pa.int32())])
        ) as out:
            for start in range(0, size, ROW_GROUP):
                chunk = min(ROW_GROUP, size - start)
                y = torch.randint(0, K, (chunk,), generator=gen)
                a = data.noisy_copy(y, K, gen)
                b = torch.randint(0, K, (chunk,), generator=gen)
                out.write_table(
                    pa.table({name: col.to(torch.int32).numpy() for name, col in (("y", y), ("a", a), ("b", b))})
                )
        written += size
    done.write_text(str(rows))
    return where


def _remove_after(pid: int, *paths: Path) -> None:
    """Start a small detached process that deletes ``paths`` once process ``pid`` has exited."""
    script = ("import os, shutil, sys, time\n"
              "pid = int(sys.argv[1])\n"
              "while True:\n"
              "    try:\n        os.kill(pid, 0)\n"
              "    except ProcessLookupError:\n        break\n"
              "    time.sleep(1)\n"
              "for path in sys.argv[2:]:\n"
              "    shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) "
              "else os.path.exists(path) and os.unlink(path)\n")
    subprocess.Popen([sys.executable, "-c", script, str(pid), *map(str, paths)], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _tree(root: int) -> dict[int, int]:
    """pid -> parent pid for ``root`` and every descendant."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root: parents.get(root, 0)}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree[pid] = ppid
                frontier.append(pid)
    return tree


def _peak_kib(pid: int) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class TreePeaks:
    """Polls the process tree under ``root``: each process's highest VmHWM seen, and its parent."""

    def __init__(self, root: int) -> None:
        self.root, self.peaks, self.parents = root, {}, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for pid, ppid in _tree(self.root).items():
                kib = _peak_kib(pid)
                if kib is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kib)
                    self.parents[pid] = ppid
            self._stop.wait(POLL_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def prepare(m: Measurement) -> Job:
    why = missing_module("pyarrow")
    if why:
        return unavailable(f"{why} (torch_mi[cli] brings it)")
    where = dataset(m.params["rows"])
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "OMP_NUM_THREADS": str(max(1, m.threads))}
    command = [sys.executable, *COMMANDS[m.impl], str(where), *OPTIONS]
    extra: dict = {"rows": m.params["rows"]}

    def run() -> dict:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        peaks = TreePeaks(process.pid)
        out, err = process.communicate()
        extra["wall_s"] = time.perf_counter() - started
        peaks.stop()
        if process.returncode != 0:
            raise RuntimeError(f"exit code {process.returncode}: {err.strip()[-300:]}")
        children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # largest waited-for descendant
        ranks = [pid for pid, ppid in peaks.parents.items() if ppid == process.pid]
        top = peaks.peaks.get(process.pid, 0)
        if m.impl == "single":
            extra["peak_process_bytes"] = max(top, children_kib) * 1024
        else:
            rank_peaks = [peaks.peaks[pid] for pid in ranks]
            extra["ranks_seen"] = len(rank_peaks)
            extra["peak_launcher_bytes"] = top * 1024
            extra["peak_rank_max_bytes"] = max(rank_peaks + [children_kib if rank_peaks else 0]) * 1024
            extra["peak_rank_sum_bytes"] = sum(rank_peaks) * 1024
        report = json.loads(out)
        return {"samples": report["samples"],
                "scores": {row["preds"]: {key: value for key, value in row.items() if isinstance(value, float)}
                           for row in report["scores"]}}

    return Job(run, repeat=False, extra=extra)


def _mib(result: Optional[Result], key: str) -> str:
    if not result or result.get("status") != "ok" or result["extra"].get(key) is None:
        return "–"
    return f"{result['extra'][key] / MiB:,.0f}"


def _score_diff(mine: Optional[Result], theirs: Optional[Result]) -> Optional[float]:
    if (not mine or not theirs or mine.get("status") != "ok" or theirs.get("status") != "ok"
            or why_unavailable(mine) or why_unavailable(theirs)):
        return None
    a, b = mine["value"]["scores"], theirs["value"]["scores"]
    return max(abs(a[p][k] - b[p][k]) for p in a for k in a[p])


def table(results: WorkloadResults, device: str) -> Table:
    single = results.find(impl="single", device=device)
    headers = ["command", "time (wall, incl. start-up)", "rows/s", "1 process ÷ this",
               "peak RSS MiB: process / launcher", "largest rank", "sum over ranks", "max |score − 1-process score|"]
    rows, case = [], ""
    for impl, label in LABELS.items():
        result = results.find(impl=impl, device=device)
        if result is None:
            continue
        case = next(r["measurement"]["case"] for r in results.records if r["measurement"]["impl"] == impl)
        why = why_unavailable(result)
        ok = result.get("status") == "ok" and not why
        diff = _score_diff(result, single)
        rows.append([
            label, f"not run: {why}" if why else fmt_time(result),
            f"{result['extra']['rows'] / result['seconds']:,.0f}" if ok else "–",
            fmt_ratio(single, result) if impl != "single" else "–",
            _mib(result, "peak_process_bytes" if impl == "single" else "peak_launcher_bytes"),
            _mib(result, "peak_rank_max_bytes") if impl != "single" else "–",
            _mib(result, "peak_rank_sum_bytes") if impl != "single" else "–",
            "–" if diff is None or impl == "single" else f"{diff:.1e}",
        ])
    note = (f"{case}; every default score of --preds a b. torchrun with --standalone (a free local port); "
            "OMP_NUM_THREADS per process.")
    return Table(headers, rows, note)


def _same_scores(results: WorkloadResults) -> list[dict]:
    name = "torchrun with 2 ranks prints the 1-process scores (within 1e-12)"
    diff = _score_diff(results.find(impl="torchrun_2"), results.find(impl="single"))
    if diff is None:
        return [{"target": name, "measured": "not measured in this run", "holds": None}]
    return [{"target": name, "measured": f"largest difference {diff:.1e}", "holds": diff <= 1e-12}]


def plot(ax, results: WorkloadResults) -> None:
    """Wall time per command on a linear axis (the two are often close), peak RSS written on the bars."""
    for index, impl in enumerate(LABELS):
        result = results.find(impl=impl)
        if not result or result.get("status") != "ok" or why_unavailable(result):
            continue
        ax.bar(index, result["seconds"], 0.6, color="tab:blue" if impl == "single" else "lightsteelblue")
        key = "peak_process_bytes" if impl == "single" else "peak_rank_sum_bytes"
        ax.text(index, result["seconds"], f"peak {_mib(result, key)} MiB" + ("" if impl == "single" else " (ranks)"),
                ha="center", va="bottom", fontsize=6)
    ax.set_xticks(range(len(LABELS)))
    ax.set_xticklabels(list(LABELS.values()), fontsize=6)
    ax.set_ylabel("seconds (wall)")


WORKLOAD = Workload(
    name="cli_parquet",
    title="Command line on a Parquet dataset: 1 process vs torchrun",
    about="`python -m torch_mi DIR --target y --preds a b --format json` on 10^8 Parquet rows written to a "
    "temporary directory, one process vs `torch.distributed.run` with 2 ranks: wall time and peak RSS per process.",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[Custom("same scores under torchrun", _same_scores)],
    order=75,
    plot=plot,
)
