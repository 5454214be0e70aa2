"""Real multi-process runs: gloo process groups on loopback, 2 and 3 ranks, spawned processes.

One spawned group per world size (both started together by a module-scoped fixture) executes
every check in tests/distributed/_dist_workers.py and writes what each rank computed; the tests below then
compare each value with the single-process reference on the samples it should cover: bit for bit with the
torch_mi.functional twin (the design promises bit-identity of compute() and the functional score
on the concatenated labels), and within 1e-10 of scikit-learn.
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics as skm
import sklearn.metrics.cluster as skc
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from scipy.optimize import linear_sum_assignment

from helpers import free_port
from torch_mi import functional as F

# Spawned ranks import the worker module by name; they inherit this process's sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dist_workers as workers  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()), reason="needs torch.distributed gloo"),
]

RUN_TIMEOUT_S = 150  # a hung rank fails the run instead of stalling CI
SKLEARN_TOL = 1e-10



def start_ranks(fn, world_size: int, out_dir: Path):
    """Spawn ``world_size`` ranks running ``fn(rank, world_size, port, out_dir)``; don't wait."""
    return mp.start_processes(
        fn, args=(world_size, free_port(), str(out_dir)), nprocs=world_size, join=False, start_method="spawn"
    )


def wait_for_ranks(contexts: list, timeout: float = RUN_TIMEOUT_S) -> None:
    """Wait for every spawned group. A rank that raises makes this raise ``ProcessRaisedException``
    carrying the rank's traceback (its group's other ranks are terminated); ranks still running at
    the deadline are killed and the test fails."""
    deadline = time.monotonic() + timeout
    try:
        pending = list(contexts)
        while pending:
            pending = [c for c in pending if not c.join(timeout=0.5, grace_period=5.0)]
            if pending and time.monotonic() > deadline:
                pytest.fail(f"spawned ranks did not finish within {timeout} s", pytrace=False)
    finally:
        for context in contexts:
            for process in context.processes:
                if process.is_alive():
                    process.kill()
                    process.join()


@dataclass
class DistRun:
    world_size: int
    data: dict
    records: list
    facts: list  # one dict per rank


WORLD_SIZES = (2, 3)


@pytest.fixture(scope="module")
def dist_runs(tmp_path_factory) -> dict[int, DistRun]:
    # Both world sizes run at once: spawned ranks spend most of their time importing, so two
    # groups side by side take little longer than one.
    out_dirs = {n: tmp_path_factory.mktemp(f"gloo{n}") for n in WORLD_SIZES}
    contexts = [start_ranks(workers.run_checks, n, out_dirs[n]) for n in WORLD_SIZES]
    wait_for_ranks(contexts)
    runs = {}
    for world_size, out_dir in out_dirs.items():
        records, facts = [], []
        for rank in range(world_size):
            saved = torch.load(out_dir / f"rank{rank}.pt", weights_only=False)  # written by our own workers
            records.extend(saved["records"])
            facts.append(saved["facts"])
        runs[world_size] = DistRun(world_size, workers.build_data(world_size), records, facts)
    return runs


@pytest.fixture(params=WORLD_SIZES, ids=[f"{n}ranks" for n in WORLD_SIZES])
def dist_run(request, dist_runs) -> DistRun:
    return dist_runs[request.param]


# ---------------------------------------------------------------------------------- references

FUNCTIONAL = {
    "mi": F.mutual_info_score,
    "nmi": F.normalized_mutual_info_score,
    "ami": F.adjusted_mutual_info_score,
    "homogeneity": F.homogeneity_score,
    "completeness": F.completeness_score,
    "v_measure": F.v_measure_score,
    "ari": F.adjusted_rand_score,
    "ri": F.rand_score,
    "fmi": F.fowlkes_mallows_index,
    "acc": F.cluster_accuracy,
    "vi": F.variation_of_information,
    "purity": F.purity_score,
    "bcubed_p": F.bcubed_precision,
    "bcubed_r": F.bcubed_recall,
    "bcubed_f": F.bcubed_fscore,
    "pair_p": F.pairwise_precision,
    "pair_r": F.pairwise_recall,
    "pair_f": F.pairwise_fscore,
    "pair_jaccard": F.pair_jaccard_index,
}


def _sklearn(score: str, kwargs: dict, preds: np.ndarray, target: np.ndarray) -> float:
    if score == "mi":
        nats = skm.mutual_info_score(target, preds)
        return nats / math.log(kwargs["log_base"]) if "log_base" in kwargs else nats
    if score == "nmi":
        return skm.normalized_mutual_info_score(target, preds, **kwargs)
    if score == "ami":
        return skm.adjusted_mutual_info_score(target, preds, **kwargs)
    if score == "homogeneity":
        return skm.homogeneity_score(target, preds)
    if score == "completeness":
        return skm.completeness_score(target, preds)
    if score == "v_measure":
        return skm.v_measure_score(target, preds, **kwargs)
    if score == "ari":
        return skm.adjusted_rand_score(target, preds)
    if score == "ri":
        return skm.rand_score(target, preds)
    if score == "fmi":
        return skm.fowlkes_mallows_score(target, preds)
    table = skc.contingency_matrix(target, preds)
    if score == "acc":  # an independent solve of the matching on scikit-learn's table
        rows, cols = linear_sum_assignment(table, maximize=True)
        return table[rows, cols].sum() / table.sum()
    if score == "vi":  # H(U) + H(V) - 2 MI from scikit-learn's pieces; normalized by the joint entropy
        shares = table[table > 0] / table.sum()
        joint = -np.sum(shares * np.log(shares))
        nats = _entropy(table.sum(1)) + _entropy(table.sum(0)) - 2 * skm.mutual_info_score(target, preds)
        if kwargs.get("normalized"):
            return nats / joint if joint > 0 else 0.0
        return nats / math.log(kwargs["log_base"]) if "log_base" in kwargs else nats
    if score == "purity":  # each cluster's (column's) largest class
        return table.max(axis=0).sum() / table.sum()
    if score.startswith("bcubed"):  # sum of n_ij^2 / cluster (column) or class (row) size, over n
        squares = table.astype(np.float64) ** 2
        precision = (squares / table.sum(0)).sum() / table.sum()
        recall = (squares / table.sum(1)[:, None]).sum() / table.sum()
        weight = kwargs.get("beta", 1.0) ** 2
        return {"bcubed_p": precision, "bcubed_r": recall,
                "bcubed_f": (1 + weight) * precision * recall / (weight * precision + recall)}[score]
    if score.startswith("pair_"):  # from scikit-learn's pair confusion matrix [[tn, fp], [fn, tp]]
        (_, fp), (fn, tp) = skc.pair_confusion_matrix(target, preds).tolist()
        weight = kwargs.get("beta", 1.0) ** 2
        part, whole = {"pair_p": (tp, tp + fp), "pair_r": (tp, tp + fn), "pair_jaccard": (tp, tp + fp + fn),
                       "pair_f": ((1 + weight) * tp, (1 + weight) * tp + weight * fn + fp)}[score]
        return part / whole if whole else 1.0  # no pair joined where it counts: nothing wrong
    raise ValueError(score)


def _entropy(sizes: np.ndarray) -> float:
    shares = sizes[sizes > 0] / sizes.sum()
    return float(-np.sum(shares * np.log(shares)))


_DATA_CACHE: dict[int, dict] = {}


@lru_cache(maxsize=None)
def _reference(world_size: int, data: str, scope: tuple, ignore_index, score: str, kwargs: tuple):
    """(functional twin on all covered samples, scikit-learn's value or None for no samples)."""
    preds, target = _DATA_CACHE[world_size][data].labels(scope)
    if ignore_index is not None:
        kept = target != ignore_index
        preds, target = preds[..., kept], target[kept]
    kw = dict(kwargs)
    expected = FUNCTIONAL[score](torch.from_numpy(preds), torch.from_numpy(target), **kw)
    if target.size == 0:
        return expected, None  # scikit-learn's mutual_info_score fails on empty input
    if preds.ndim == 2:
        sk = np.array([_sklearn(score, kw, row, target) for row in preds])
    else:
        sk = np.float64(_sklearn(score, kw, preds, target))
    return expected, sk


def assert_records(run: DistRun, checks: set[str]) -> None:
    """Every rank reported the same records for exactly ``checks``, and each value equals its
    functional reference bit for bit (dtype float64) and scikit-learn within 1e-10."""
    _DATA_CACHE[run.world_size] = run.data
    records = [r for r in run.records if r.check in checks]
    assert {r.check for r in records} == checks, f"missing checks: {checks - {r.check for r in records}}"
    per_rank = Counter(r.rank for r in records)
    assert sorted(per_rank) == list(range(run.world_size)) and len(set(per_rank.values())) == 1, per_rank

    failures = []
    for r in records:
        expected, sk = _reference(
            run.world_size, r.data, r.scope, r.ignore_index, r.score, tuple(sorted(r.kwargs.items()))
        )
        where = f"[{r.check} rank {r.rank} {r.score}{r.kwargs or ''} scope={r.scope}]"
        value = r.value
        if not (isinstance(value, torch.Tensor) and value.dtype == torch.float64 and torch.equal(value, expected)):
            failures.append(f"{where} got {value!r}, functional twin gives {expected!r}")
            continue
        if sk is not None and not np.allclose(value.numpy(), sk, rtol=0, atol=SKLEARN_TOL):
            failures.append(f"{where} got {value.tolist()}, scikit-learn gives {np.asarray(sk).tolist()}")
    assert not failures, f"{len(failures)} of {len(records)} values wrong:\n" + "\n".join(failures[:25])


def _both_modes(*names: str) -> set[str]:
    return {f"{name}/{mode}" for name in names for mode in ("sparse", "dense")}


# --------------------------------------------------------------------------------------- tests


def test_uneven_shards(dist_run):
    # ranks hold 70/5/25 % (or 90/10 %) of 16000 samples in random-size batches (some empty);
    # every score, every average method, log_base and beta; arbitrary ids in sparse mode.
    assert_records(dist_run, _both_modes("compute/uneven") | {"compute/ids/sparse"})


def test_disjoint_label_sets_per_rank(dist_run):
    assert_records(dist_run, _both_modes("compute/disjoint"))


def test_rank_without_samples(dist_run):
    # the last rank never calls update(); rank 1 updates with empty batches only; no rank has samples.
    assert_records(dist_run, _both_modes("compute/empty_rank", "compute/empty_batches", "compute/nothing"))


def test_ignore_index(dist_run):
    # ignored targets: -1 (out of the dense range) or 3 (a real label); the last rank's samples are all ignored.
    assert_records(dist_run, {"ignore/dense/-1", "ignore/sparse/-1", "ignore/sparse/3"})


def test_num_clusterings(dist_run):
    # preds (3, N); with 3 ranks rank 1 has no samples.
    assert_records(dist_run, {"batched/sparse/None", "batched/sparse/-1", "batched/dense/-1"})


def test_sync_on_compute_false_gives_local_value(dist_run):
    assert_records(dist_run, _both_modes("local/uneven", "local/empty_rank", "local/disjoint"))


def test_compute_keeps_accumulating_local_state(dist_run):
    # compute() after the first batch, more updates, compute() again; the state left behind is local.
    names = ("uneven", "empty_rank", "disjoint")
    assert_records(dist_run, _both_modes(*(f"resume/{n}" for n in names), *(f"resume-local/{n}" for n in names)))


def test_forward_with_dist_sync_on_step(dist_run):
    # forward()'s batch value covers every rank's batch of that step (empty on some ranks).
    assert_records(dist_run, _both_modes("forward-synced"))


def test_forward_without_dist_sync_on_step(dist_run):
    assert_records(dist_run, _both_modes("forward-local"))


def test_metric_collection_of_every_score_updates_one_table(dist_run):
    assert_records(dist_run, _both_modes("collection/uneven", "collection/empty_rank"))
    assert_records(dist_run, _both_modes("collection-reset/uneven", "collection-reset/empty_rank"))
    # every class keeps the same state, so the collection updates one table (one compute group);
    # the last rank has no samples of "empty_rank", so never updates and forms no groups there.
    for rank, facts in enumerate(dist_run.facts):
        groups = {k: v for k, v in facts.items() if k.startswith("collection/")}
        assert len(groups) == (2 if rank == dist_run.world_size - 1 else 4), groups.keys()
        for key, value in groups.items():
            assert len(value) == 1 and len(value[0]) == 12, (key, value)


def test_merge_state(dist_run):
    checks = _both_modes("merge/uneven", "merge/empty_rank", "merge/batched")
    assert_records(dist_run, checks | {c + "/local" for c in checks})
