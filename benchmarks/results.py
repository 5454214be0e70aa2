"""RESULTS.json: every raw measurement, grouped by workload, merged across partial runs.

    {"format": 2,
     "runs": {run id: {machine, date, mode ("quick"/"full"), threads, total_s, loadavg_end}},
     "workloads": {name: {"run": run id, "complete": bool, "records": [{"measurement": {...}, "result": {...}}]}}}

A run of some workloads (``--only``) replaces those workloads' entries and keeps the others, so the
file always holds the latest measurement of every workload, each tagged with the run it came from.
No absolute path of the measuring machine is stored (``machine.relativize``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Optional

from benchmarks.machine import relativize

FORMAT = 2
Result = dict[str, Any]


class WorkloadResults:
    """One workload's records, looked up by what they measured."""

    def __init__(self, name: str, records: list[dict[str, Any]], run: Optional[dict[str, Any]] = None) -> None:
        self.name = name
        self.records = records
        self.run = run or {}

    def find(self, case: Optional[str] = None, impl: Optional[str] = None, metric: Optional[str] = None,
             device: str = "cpu", threads: Optional[int] = None, **params: Any) -> Optional[Result]:
        """The first result matching every given field (``params``: a subset of the measurement's params)."""
        for record in self.records:
            m = record["measurement"]
            if m["device"] != device or any(
                wanted is not None and m[key] != wanted
                for key, wanted in (("case", case), ("impl", impl), ("metric", metric), ("threads", threads))
            ):
                continue
            if all(m["params"].get(key) == value for key, value in params.items()):
                return record["result"]
        return None

    def cases(self, device: str = "cpu") -> list[tuple[str, str]]:
        """Distinct (metric, case), in run order."""
        seen: dict[tuple[str, str], None] = {}
        for record in self.records:
            m = record["measurement"]
            if m["device"] == device:
                seen.setdefault((m["metric"], m["case"]), None)
        return list(seen)

    def threads(self, impl: str, device: str = "cpu", case: Optional[str] = None) -> list[int]:
        """Thread counts ``impl`` was measured at (for ``case`` if given), ascending."""
        return sorted({
            r["measurement"]["threads"] for r in self.records
            if r["measurement"]["impl"] == impl and r["measurement"]["device"] == device
            and case in (None, r["measurement"]["case"])
        })

    def devices(self) -> list[str]:
        return sorted({r["measurement"]["device"] for r in self.records}, key=lambda d: (d != "cpu", d))


class ResultsFile:
    def __init__(self, data: Optional[dict[str, Any]] = None) -> None:
        self.data = data or {"format": FORMAT, "runs": {}, "workloads": {}}

    @classmethod
    def load(cls, path: Path) -> "ResultsFile":
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is not a format-{FORMAT} results file; move it away or rerun the workloads")
        return cls(data)

    def save(self, path: Path) -> None:
        used = {entry["run"] for entry in self.data["workloads"].values()}
        self.data["runs"] = {run: info for run, info in self.data["runs"].items() if run in used}
        path.write_text(json.dumps(_relativized(self.data), indent=1) + "\n")

    def start_run(self, run_id: str, info: dict[str, Any]) -> None:
        self.data["runs"][run_id] = info

    def begin_workload(self, name: str, run_id: str) -> None:
        """A workload being measured again: its old records go, the new ones come as they are measured."""
        self.data["workloads"][name] = {"run": run_id, "complete": False, "records": []}

    def add(self, name: str, measurement: dict[str, Any], result: Result) -> None:
        self.data["workloads"][name]["records"].append({"measurement": measurement, "result": result})

    def finish_workload(self, name: str) -> None:
        self.data["workloads"][name]["complete"] = True

    def workload(self, name: str) -> WorkloadResults:
        entry = self.data["workloads"].get(name, {"records": [], "run": None})
        return WorkloadResults(name, entry["records"], self.data["runs"].get(entry.get("run")))

    def names(self) -> list[str]:
        return list(self.data["workloads"])

    def runs_used(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = {self.data["workloads"][n]["run"] for n in names if n in self.data["workloads"]}
        return {run: info for run, info in sorted(self.data["runs"].items()) if run in ids}


def _relativized(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _relativized(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_relativized(item) for item in value]
    if isinstance(value, str):
        return relativize(value)
    return value
