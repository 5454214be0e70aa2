"""The markdown report: machine, one table per workload, the targets, and how it was measured."""

from __future__ import annotations

from typing import Any, Optional

from benchmarks import targets as targets_mod
from benchmarks import workloads
from benchmarks.lookup import cases, find, ratio
from benchmarks.peers import METRIC_NAMES

MiB = 2**20
DAGGER = "†"


def fmt_time(result: Optional[dict[str, Any]]) -> str:
    if result is None:
        return "–"
    status = result.get("status")
    if status == "ok":
        s = result["seconds"]
        return f"{s * 1000:.3g} ms" if s < 0.1 else f"{s:.3g} s"
    if status == "cap":
        return f"> {result['cap_s']:g} s" + (DAGGER if result.get("inferred_from") else "")
    return "error: " + result.get("error", "?").replace("|", "/")[:80]


def fmt_ratio(peer: Optional[dict[str, Any]], base: Optional[dict[str, Any]]) -> str:
    value, lower_bound = ratio(peer, base)
    if value is None:
        return "–"
    digits = f"{value:.1e}" if value < 0.01 else f"{value:.2f}" if value < 10 else f"{value:.0f}"
    return f"{'> ' if lower_bound else ''}{digits}x"


def fmt_mib(result: Optional[dict[str, Any]], key: str = "peak_growth_bytes") -> str:
    if not result or result.get("status") != "ok" or result.get(key) is None:
        return "–"
    return f"{result[key] / MiB:,.0f}"


def fmt_diff(mine: Optional[dict[str, Any]], theirs: Optional[dict[str, Any]]) -> str:
    """Largest |torch_mi - peer| over the scores, to show both computed the same thing."""
    if not mine or not theirs or mine.get("status") != "ok" or theirs.get("status") != "ok":
        return "–"
    a, b = mine.get("value"), theirs.get("value")
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    try:
        return f"{max(abs(x - y) for x, y in zip(a, b)):.1e}"
    except TypeError:
        return "–"


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _update(records, device: str) -> str:
    module = workloads.module("update")
    bare = find(records, "update", "bare_scatter_add", device=device)
    theirs = find(records, "update", "torchmetrics", device=device)
    copy = find(records, "update", module.COPY, device=device)
    rows = []
    case = ""
    for impl, label in module.IMPLS.items():
        result = find(records, "update", impl, device=device)
        if result is None:
            continue
        case = next(r["spec"]["case"] for r in records if r["spec"]["workload"] == "update")
        rate = "–"
        if result.get("status") == "ok":
            rate = f"{result['extra']['samples'] / result['seconds'] / 1e6:,.1f} M"
        row = [label, fmt_time(result), rate, fmt_ratio(bare, result), fmt_ratio(theirs, result), fmt_mib(result)]
        if copy is not None and copy.get("status") == "ok" and result.get("status") == "ok":
            bandwidth = copy["extra"]["bytes_moved"] / copy["seconds"]
            row.append(f"{result['extra']['samples'] * 16 / result['seconds'] / bandwidth:.1%}")
        rows.append(row)
    headers = ["implementation", "time", "samples/s", "bare time ÷ time", "torchmetrics time ÷ time", "peak growth MiB"]
    if copy is not None:
        headers.append("16 B/sample as share of copy bandwidth")
    text = (
        f"{case}. \"bare time ÷ time\" is the share of the bare scatter_add_ throughput a row reaches. torchmetrics' "
        "update() only appends the batch to a list: its cost moves to compute() and to memory (Streaming and Memory below).\n\n"
    )
    text += table(headers, rows)
    if copy is not None and copy.get("status") == "ok":
        text += f"\n\nDevice-to-device copy bandwidth measured: {copy['extra']['bytes_moved'] / copy['seconds'] / 1e9:,.0f} GB/s (read + write)."
    return text


def _peer_table(records, workload: str, device: str, with_metric: bool) -> str:
    """Rows = cases; columns = each peer's time and its ratio to torch_mi (peer time ÷ torch_mi time)."""
    sk_device = "cpu"  # scikit-learn only runs on the CPU; on a GPU run its CPU time is the reference
    headers = (["score"] if with_metric else []) + [
        "case", "torch_mi", "sklearn", "sklearn ÷ torch_mi", "torchmetrics", "torchmetrics ÷ torch_mi",
        "peak MiB torch_mi / sklearn / torchmetrics", "|torch_mi − sklearn|",
    ]
    rows = []
    for metric, case, _ in cases(records, workload, device):
        mine = find(records, workload, "torch_mi", metric, device, case=case)
        sk = find(records, workload, "sklearn", metric, sk_device, case=case)
        tm = find(records, workload, "torchmetrics", metric, device, case=case)
        row = ([METRIC_NAMES[metric]] if with_metric else []) + [
            case, fmt_time(mine), fmt_time(sk), fmt_ratio(sk, mine), fmt_time(tm), fmt_ratio(tm, mine),
            " / ".join(fmt_mib(r) for r in (mine, sk, tm)), fmt_diff(mine, sk),
        ]
        rows.append(row)
    return table(headers, rows)


def _streaming(records, device: str) -> str:
    module = workloads.module("streaming")
    sk = find(records, "streaming", "sklearn", device="cpu")
    tm = find(records, "streaming", "torchmetrics", device=device)
    rows = []
    for impl in ("torch_mi_dense", "torch_mi_dynamic"):
        mine = find(records, "streaming", impl, device=device)
        if mine is None:
            continue
        rows.append([module.IMPLS[impl], fmt_time(mine), fmt_time(sk), fmt_ratio(sk, mine), fmt_time(tm), fmt_ratio(tm, mine),
                     " / ".join(fmt_mib(r) for r in (mine, sk, tm)), fmt_diff(mine, sk)])
    case = next((r["spec"]["case"] for r in records if r["spec"]["workload"] == "streaming"), "")
    headers = ["torch_mi", "time", "sklearn (concatenated)", "sklearn ÷ torch_mi", "torchmetrics Metric", "torchmetrics ÷ torch_mi",
               "peak MiB torch_mi / sklearn / torchmetrics", "|torch_mi − sklearn|"]
    return f"{case}: update() per batch, then compute().\n\n" + table(headers, rows)


def _batched(records, device: str) -> str:
    rows = []
    for metric, case, _ in cases(records, "batched", device):
        batched = find(records, "batched", "torch_mi_batched", metric, device, case=case)
        loop = find(records, "batched", "torch_mi_loop", metric, device, case=case)
        sk = find(records, "batched", "sklearn_loop", metric, "cpu", case=case)
        rows.append([METRIC_NAMES[metric], case, fmt_time(batched), fmt_time(loop), fmt_ratio(loop, batched), fmt_time(sk), fmt_ratio(sk, batched),
                     " / ".join(fmt_mib(r) for r in (batched, loop, sk)), fmt_diff(batched, sk)])
    headers = ["score", "case", "torch_mi batched call", "torch_mi loop", "loop ÷ batched", "sklearn loop", "sklearn ÷ batched",
               "peak MiB batched / loop / sklearn", "max |torch_mi − sklearn|"]
    return table(headers, rows)


def _memory(records, device: str) -> str:
    module = workloads.module("memory")
    rows = []
    case = ""
    for record in records:
        spec, result = record["spec"], record["result"]
        if spec["workload"] != "memory" or spec["device"] != device:
            continue
        case = spec["case"]
        who = "torchmetrics MutualInfoScore" if spec["impl"] == "torchmetrics" else f"torch_mi {METRIC_NAMES[spec['metric']]}"
        trace = result.get("extra", {}).get("trace") if result.get("status") == "ok" else None
        first = f"{trace[0][1] / MiB:,.0f}" if trace else "–"
        after = f"{result['extra']['after_stream_bytes'] / MiB:,.0f}" if trace else "–"
        drift = targets_mod.drift(result)
        peak_key = "gpu_peak_growth_bytes" if device.startswith("cuda") else "peak_growth_bytes"
        rows.append([who, module.IMPLS[spec["impl"]], first, after, "–" if drift is None else f"{drift / MiB:,.1f}", fmt_mib(result, peak_key), fmt_time(result)])
    unit = "CUDA allocated memory" if device.startswith("cuda") else "RSS"
    headers = ["metric", "mode", f"{unit} growth at 10% (MiB)", "at 100% (MiB)", "10% → 100% (MiB)", "peak incl. compute() (MiB)", "time (stream + compute)"]
    return f"{case}; growth of {unit} over the process before the stream.\n\n" + table(headers, rows)


def _cuda_checks(records) -> str:
    module = workloads.module("cuda_checks")
    rows = []
    for impl, (label, _, expected) in module.IMPLS.items():
        result = find(records, "cuda_checks", impl, device="cuda")
        if result is None:
            continue
        outcome = result.get("extra", {}).get("outcome", fmt_time(result)) if result.get("status") == "ok" else fmt_time(result)
        rows.append([label, expected, outcome, result.get("extra", {}).get("message", "")])
    return table(["update()", "expected", "observed", "message"], rows)


def _machine(info: dict[str, Any], profile_name: str, load_end: Any, threads: int) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in info["versions"].items())
    load = lambda values: " / ".join(f"{v:.1f}" for v in values)  # noqa: E731
    lines = [
        f"- date: {info['date']}; profile: `{profile_name}`; torch_mi commit {info['torch_mi_commit']}, source sha256 {info.get('torch_mi_source_sha256', '?')}",
        f"- CPU: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable), torch threads per measurement {threads or info['torch_threads']}{' (--threads 1, see Notes)' if threads == 1 else ''}, RAM {info['memory_gib']} GiB",
        f"- GPU: {info['gpu'] or 'none (CUDA workloads skipped)'}",
        f"- Python {info['python']}, {versions}; {info['platform']}",
        f"- load average (1/5/15 min) at start: {load(info['loadavg_start'])}; at end: {load(load_end)} — the machine is shared, see Notes",
    ]
    return "\n".join(lines)


def render(records: list[dict[str, Any]], info: dict[str, Any], profile_name: str, load_end: Any, chart_name: Optional[str], threads: int = 0, companions: tuple[str, ...] = ()) -> str:
    parts = ["# torch_mi benchmarks: torch_mi vs scikit-learn vs torchmetrics", "", _machine(info, profile_name, load_end, threads), ""]
    if chart_name:
        parts += [f"![benchmark chart]({chart_name})", ""]
    target_rows = [[t["target"], t["measured"], {True: "yes", False: "**no**", None: "undecided"}[t["holds"]]] for t in targets_mod.evaluate(records)]
    parts += ["## Targets (2-core CPU, ratios from this one run)", "", table(["target", "measured", "holds"], target_rows), ""]
    if companions:
        parts += ["See also: " + ", ".join(f"[{name}]({name})" for name in companions) + " (where torch_mi's time goes, profiled, and suggested changes).", ""]
    devices = ["cpu"] + (["cuda"] if any(r["spec"]["device"] == "cuda" for r in records) else [])
    for device in devices:
        suffix = "" if device == "cpu" else " — CUDA (sklearn columns: its CPU time from this run)"
        sections = [
            ("update", lambda: _update(records, device)),
            ("end_to_end", lambda: _peer_table(records, "end_to_end", device, with_metric=True)),
            ("streaming", lambda: _streaming(records, device)),
            ("expected_mi", lambda: _peer_table(records, "expected_mi", device, with_metric=False)),
            ("batched", lambda: _batched(records, device)),
            ("memory", lambda: _memory(records, device)),
        ]
        for name, render_section in sections:
            if any(r["spec"]["workload"] == name and r["spec"]["device"] == device for r in records):
                parts += [f"## {workloads.module(name).TITLE}{suffix}", "", render_section(), ""]
    parts += ["## CUDA checks", ""]
    if "cuda" in devices:
        parts += [_cuda_checks(records), ""]
    else:
        parts += ["Skipped: `torch.cuda.is_available()` is False on this machine. On a GPU the same command adds every "
                  "workload on CUDA, update throughput as a share of measured copy bandwidth, and this sync check.", ""]
    parts += ["## Notes", "", NOTES.strip(), ""]
    return "\n".join(parts)


NOTES = """
- Each measurement runs in a fresh process (forked from a server that preloaded the imports) on the same,
  seeded data for every peer; the data is built before the clock starts. A short measurement is repeated
  for a few seconds and the median kept (first run dropped as warm-up when there are 3+); a long one runs once.
- "x" columns are peer time ÷ torch_mi time: above 1 means torch_mi is faster. Update rows divide the bare
  scatter_add_ (or torchmetrics) time by the row's time instead, so 0.5x means half the bare throughput.
- A peer still running at its cap is killed and shown as "> cap"; its ratio is then a lower bound.
  † = not run again: the same peer exceeded the cap at a smaller size of the same series (cost only grows
  with n and the number of clusters there).
- Peak MiB is growth of the process's peak RSS (VmHWM, reset before the measured calls) over its RSS
  before them: input labels are not counted, temporaries and kept state are. On CUDA the memory columns
  are `torch.cuda.max_memory_allocated` growth.
- |torch_mi − sklearn| is the largest absolute difference of the scores: both computed the same thing.
  torchmetrics computes in float32, so its own differences are around 1e-7.
- torch runs one thread per measurement by default (`--threads 1`; `--threads 0` for torch's default of one per
  core): scikit-learn's counting and expected-MI loops are single-threaded, so every peer gets one core; and on
  a machine other jobs share, torch's OpenMP pool with 2 threads made single calls 10-100x slower (a parallel
  region waits for a descheduled thread), which would measure the neighbours, not the code.
- Timings are from a shared 2-core machine: other jobs ran at the same time (load average above), which
  slows every peer alike in expectation but adds noise; ratios within one run are the meaningful numbers.
"""
