"""The measuring loop's parent side: one fresh process per measurement, killed at the cap.

A fresh process keeps one measurement's memory (allocator caches, peak RSS) out of the next.
Processes are forked from a multiprocessing forkserver that preloads the heavy imports once, or, for a
measurement with ``process="spawn"``, started as a plain new interpreter (imports paid before the clock).
A peer over its cap is killed (by its own pid) and reported as over the cap; where the same peer
was already over the cap at a smaller size of the same series, it is reported so without
running again (its cost only grows along a series).
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any, Optional

from benchmarks import worker
from benchmarks.workload import Measurement

PRELOAD = ["torch", "numpy", "sklearn.metrics", "torchmetrics", "torch_mi", "benchmarks.worker"]
# Building a measurement's data (up to 64 x 10^6 labels) is not capped by the peer's cap.
SETUP_TIMEOUT_S = 600.0


class Runner:
    def __init__(self, budget_s: float, max_repeats: int) -> None:
        self.budget_s = budget_s
        self.max_repeats = max_repeats
        self.contexts = {
            "fork": multiprocessing.get_context("forkserver"), "spawn": multiprocessing.get_context("spawn")
        }
        self.contexts["fork"].set_forkserver_preload(PRELOAD)
        self.capped: list[Measurement] = []  # every measurement stopped at its cap

    def run(self, spec: Measurement) -> dict[str, Any]:
        implied = self._implied_by(spec)
        if implied is not None:
            return {"status": "cap", "inferred_from": implied.case, "cap_s": spec.cap_s}
        started = time.perf_counter()
        result = self._run_in_process(spec)
        result["cap_s"] = spec.cap_s
        result["wall_s"] = time.perf_counter() - started
        if result["status"] == "cap":
            self.capped.append(spec)
        return result

    def _implied_by(self, spec: Measurement) -> Optional[Measurement]:
        if spec.series is None or spec.dims is None:
            return None
        for earlier in self.capped:
            same_series = (
                earlier.workload, earlier.series, earlier.impl, earlier.metric, earlier.device, earlier.threads,
            ) == (
                spec.workload, spec.series, spec.impl, spec.metric, spec.device, spec.threads,
            )
            if same_series and earlier.cap_s >= spec.cap_s and all(a <= b for a, b in zip(earlier.dims, spec.dims)):
                return earlier
        return None

    def _run_in_process(self, spec: Measurement) -> dict[str, Any]:
        context = self.contexts[spec.process]
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=worker.measure, args=(spec.to_dict(), sender, self.budget_s, self.max_repeats), daemon=True
        )
        process.start()
        sender.close()  # only the child holds the sending end now, so its death reads as EOF here
        try:
            message = _receive(receiver, SETUP_TIMEOUT_S)
            if message is None:
                return {"status": "error", "error": f"setup took over {SETUP_TIMEOUT_S:.0f} s"}
            if message[0] == "ready":
                message = _receive(receiver, spec.cap_s)
                if message is None:
                    return {"status": "cap"}
            return message[1]
        except EOFError:
            process.join(5)
            return {"status": "error", "error": f"process died (exit code {process.exitcode}; out of memory?)"}
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()  # this measurement's own process, by its pid
            process.join()


def _receive(receiver: Any, timeout_s: float) -> Optional[tuple[str, Any]]:
    """The next message, or None once ``timeout_s`` passes; EOFError if the child died."""
    if not receiver.poll(timeout_s):
        return None
    return receiver.recv()
