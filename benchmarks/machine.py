"""Where and with what a run happened: CPU, cores, memory, GPU, library versions, date, load."""

from __future__ import annotations

import datetime
import hashlib
import os
import platform
import site
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def describe() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": _memory_gib(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: _version(name) for name in ("torch", "scikit-learn", "torchmetrics", "numpy", "numba")},
        "torch_mi_commit": _git_commit(),
        "torch_mi_source_sha256": _source_hash(),
        "loadavg_start": os.getloadavg(),
        "gpu": None,
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info["gpu"] = f"{props.name}, {props.total_memory / 2**30:.0f} GiB, CUDA {torch.version.cuda}"
    return info


def device_name(device: str) -> str:
    """The hardware behind ``device``, as a reader would name it."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(torch.device(device))
    return _cpu_model()


def relativize(text: str) -> str:
    """``text`` without this machine's absolute paths: the repository becomes relative, installed
    packages become ``<site-packages>/``, the interpreter's library ``<python>/``."""
    prefixes = [(str(REPO) + os.sep, "")]
    library = sys.modules.get("torch_mi")
    if library is not None and getattr(library, "__file__", None):  # may be imported from another checkout
        prefixes.append((str(Path(library.__file__).resolve().parent.parent) + os.sep, ""))
    for path in [*site.getsitepackages(), site.getusersitepackages(), sysconfig.get_paths()["purelib"]]:
        prefixes.append((str(path) + os.sep, "<site-packages>/"))
    prefixes.append((sysconfig.get_paths()["stdlib"] + os.sep, "<python>/"))
    prefixes.append((sys.prefix + os.sep, "<python-prefix>/"))
    prefixes.append((str(Path.home()) + os.sep, "~/"))
    for prefix, replacement in sorted(prefixes, key=lambda pair: -len(pair[0])):  # the longest first
        text = text.replace(prefix, replacement)
    return text


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    """The checkout's commit, marked when torch_mi/ has uncommitted changes (what was measured)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "torch_mi"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} (torch_mi/ has uncommitted changes)" if dirty else (commit or "unknown")


def _source_hash() -> str:
    """Hash of torch_mi/*.py as measured: the checkout may change while (or after) a run."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "torch_mi").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
