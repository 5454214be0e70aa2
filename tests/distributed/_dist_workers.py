"""Worker side of tests/distributed/test_distributed.py: code that runs inside each spawned gloo rank.

Kept apart from the test module so that a spawned rank imports only torch, torchmetrics and
torch_mi (not pytest, scikit-learn or lightning): process start-up dominates these tests.

Every rank rebuilds the same data from fixed seeds (``build_data``), takes its own shard, runs
the metrics and writes ``Record``s to ``out_dir/rank{r}.pt``. A record says "this value must equal
score S on the labels of this scope"; the test process recomputes that reference itself, with
torch_mi.functional and scikit-learn, on a single process.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Optional

import numpy as np
import torch
import torch.distributed as dist

# --------------------------------------------------------------------------------------- data


@dataclass
class ShardedData:
    """Labels split over ranks: ``batches[rank]`` is that rank's list of (preds, target) batches.

    ``preds`` is (N,) or, for batched clusterings, (B, N); ``target`` is (N,).
    """

    batches: list[list[tuple[np.ndarray, np.ndarray]]]
    num_clusterings: Optional[int] = None

    def _cat(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        rows = self.num_clusterings
        empty_preds = np.zeros((0,) if rows is None else (rows, 0), dtype=np.int64)
        preds = np.concatenate([empty_preds] + [p for p, _ in pairs], axis=-1)
        target = np.concatenate([np.zeros(0, dtype=np.int64)] + [t for _, t in pairs])
        return preds, target

    def labels(self, scope: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The samples a scope covers, concatenated in rank order.

        ("all",): every sample of every rank; ("local", r): rank r's samples; ("step", i): the
        i-th batch of every rank; ("batch", r, i): rank r's i-th batch; ("first", k): the first
        k batches of every rank.
        """
        kind = scope[0]
        if kind == "all":
            return self._cat([b for rank in self.batches for b in rank])
        if kind == "local":
            return self._cat(self.batches[scope[1]])
        if kind == "step":
            return self._cat([rank[scope[1]] for rank in self.batches])
        if kind == "batch":
            return self._cat([self.batches[scope[1]][scope[2]]])
        if kind == "first":
            return self._cat([b for rank in self.batches for b in rank[: scope[1]]])
        raise ValueError(f"unknown scope {scope!r}")


def _correlated(rng: np.random.Generator, n: int, num_target: int, num_preds: int, noise: float) -> tuple:
    """Target in [0, num_target), preds a noisy function of it in [0, num_preds)."""
    target = rng.integers(0, num_target, n)
    preds = (target * 7 + 3) % num_preds
    flip = rng.random(n) < noise
    preds[flip] = rng.integers(0, num_preds, int(flip.sum()))
    return preds.astype(np.int64), target.astype(np.int64)


def _split(rng: np.random.Generator, n: int, parts: int) -> list[int]:
    """Random cut points: batch sizes that sum to n (some may be 0)."""
    cuts = np.sort(rng.integers(0, n + 1, parts - 1))
    return np.diff(np.concatenate([[0], cuts, [n]])).tolist()


def _batches(preds: np.ndarray, target: np.ndarray, sizes: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    out, start = [], 0
    for size in sizes:
        out.append((preds[..., start : start + size].copy(), target[start : start + size].copy()))
        start += size
    return out


def _shard(preds: np.ndarray, target: np.ndarray, rank_sizes: list[int], rng: np.random.Generator, per_rank: int):
    """Cut labels into consecutive rank shards of the given sizes, each in ``per_rank`` random batches."""
    shards, start = [], 0
    for size in rank_sizes:
        p, t = preds[..., start : start + size], target[start : start + size]
        shards.append(_batches(p, t, _split(rng, size, per_rank)) if size else [])
        start += size
    return shards


def build_data(world_size: int) -> dict[str, ShardedData]:
    """Every data set the checks use, deterministic for a given world size."""
    rng = np.random.default_rng(1234 + world_size)
    data: dict[str, ShardedData] = {}

    # Uneven shards, many distinct pairs: sparse blocks of different lengths per rank (padded
    # all_gather) and enough rows to trigger the sparse state's compaction.
    weights = [0.7, 0.05, 0.25] if world_size == 3 else [0.9, 0.1]
    n = 16000
    sizes = [int(n * w) for w in weights]
    sizes[0] += n - sum(sizes)
    preds, target = _correlated(rng, n, 150, 200, noise=0.5)
    data["uneven"] = ShardedData(_shard(preds, target, sizes, rng, per_rank=7))

    # Arbitrary ids (negative, huge, sparse): sparse mode only.
    preds, target = _correlated(rng, 900, 12, 9, noise=0.3)
    target_ids = np.array([-(10**12), -7, 0, 3, 5, 10**6, 2**40, 11, 12, 13, -1, 10**15])
    pred_ids = np.array([-3, 8, 10**9, -(10**9), 42, 43, 44, 7, 2**50])
    sizes = [500, 150, 250] if world_size == 3 else [700, 200]
    data["ids"] = ShardedData(_shard(pred_ids[preds], target_ids[target], sizes, rng, 3))

    # Disjoint label sets: rank r only sees targets in [10r, 10r+10) and preds in [4r, 4r+4).
    shards = []
    for rank in range(world_size):
        p, t = _correlated(rng, 200 + 90 * rank, 10, 4, noise=0.4)
        shards.append(_batches(p + 4 * rank, t + 10 * rank, _split(rng, len(t), 3)))
    data["disjoint"] = ShardedData(shards)

    # The last rank has no samples at all (it never calls update).
    preds, target = _correlated(rng, 600, 8, 6, noise=0.3)
    data["empty_rank"] = ShardedData(_shard(preds, target, [400, 200, 0] if world_size == 3 else [600, 0], rng, 3))

    # Every rank updates, but only with zero-length batches on rank 1.
    preds, target = _correlated(rng, 500, 8, 6, noise=0.3)
    shards = _shard(preds, target, [300, 0, 200] if world_size == 3 else [500, 0], rng, 2)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    shards[1] = [empty, empty]
    data["empty_batches"] = ShardedData(shards)

    # No samples anywhere.
    data["nothing"] = ShardedData([[] for _ in range(world_size)])

    # ignore_index: targets -1 are ignored; the last rank's samples are all ignored.
    preds, target = _correlated(rng, 700, 6, 5, noise=0.3)
    target[rng.random(700) < 0.2] = -1
    target[-150:] = -1
    last = [150]
    data["ignore"] = ShardedData(_shard(preds, target, ([350, 200] if world_size == 3 else [550]) + last, rng, 3))

    # num_clusterings=3: preds (3, N); some targets -1 (a label, or ignored).
    target = rng.integers(0, 8, 800)
    preds = np.stack([(target + k) % 6 for k in range(3)])
    noisy = rng.random(preds.shape) < np.array([[0.1], [0.4], [0.9]])
    preds[noisy] = rng.integers(0, 6, int(noisy.sum()))
    target[rng.random(800) < 0.1] = -1
    sizes = [500, 0, 300] if world_size == 3 else [650, 150]
    data["batched"] = ShardedData(_shard(preds, target, sizes, rng, 3), num_clusterings=3)

    # forward() steps: every rank takes part in every step (dist_sync_on_step syncs per step);
    # batch sizes differ by rank and step, and some batches are empty.
    shards = []
    for rank in range(world_size):
        rank_batches = []
        for step in range(4):
            size = 0 if (rank == world_size - 1 and step in (1, 3)) else 30 + 17 * rank + 11 * step
            rank_batches.append(_correlated(rng, size, 7, 5, noise=0.4))
        shards.append(rank_batches)
    data["steps"] = ShardedData(shards)
    return data


# ------------------------------------------------------------------------------------ records


@dataclass
class Record:
    """A value one rank computed, and what it must equal: score ``score`` with ``kwargs`` on the
    ``scope`` samples of data set ``data``, without the targets equal to ``ignore_index``."""

    check: str
    rank: int
    score: str
    kwargs: dict
    value: Any
    data: str
    scope: tuple
    ignore_index: Optional[int] = None


@dataclass
class Context:
    rank: int
    world_size: int
    data: dict[str, ShardedData]
    records: list[Record] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def record(self, check: str, spec: tuple, value: Any, data: str, scope: tuple, ignore_index=None) -> None:
        score, kwargs = spec
        self.records.append(Record(check, self.rank, score, dict(kwargs), value, data, scope, ignore_index))

    def mine(self, name: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(torch.as_tensor(p), torch.as_tensor(t)) for p, t in self.data[name].batches[self.rank]]


# (score, kwargs) pairs; the test maps each to a functional twin and a scikit-learn function.
ALL_SPECS = [
    ("mi", {}),
    ("mi", {"log_base": 2}),
    *[("nmi", {"average_method": m}) for m in ("min", "geometric", "arithmetic", "max")],
    *[("ami", {"average_method": m}) for m in ("min", "geometric", "arithmetic", "max")],
    ("homogeneity", {}),
    ("completeness", {}),
    ("v_measure", {}),
    ("v_measure", {"beta": 0.5}),
    ("ari", {}),
    ("ri", {}),
    ("fmi", {}),
    ("acc", {}),
    ("vi", {}),
    ("vi", {"log_base": 2, "normalized": True}),
    ("purity", {}),
    ("bcubed_p", {}),
    ("bcubed_r", {}),
    ("bcubed_f", {"beta": 0.5}),
    ("pair_p", {}),
    ("pair_r", {}),
    ("pair_f", {"beta": 2.0}),
    ("pair_jaccard", {}),
]
SIX_SPECS = [("mi", {}), ("nmi", {}), ("ami", {}), ("homogeneity", {}), ("completeness", {}), ("v_measure", {})]


def make_metric(spec: tuple, **metric_kwargs: Any):
    import torch_mi

    classes = {
        "mi": torch_mi.MutualInfoScore,
        "nmi": torch_mi.NormalizedMutualInfoScore,
        "ami": torch_mi.AdjustedMutualInfoScore,
        "homogeneity": torch_mi.HomogeneityScore,
        "completeness": torch_mi.CompletenessScore,
        "v_measure": torch_mi.VMeasureScore,
        "ari": torch_mi.AdjustedRandScore,
        "ri": torch_mi.RandScore,
        "fmi": torch_mi.FowlkesMallowsIndex,
        "acc": torch_mi.ClusterAccuracy,
        "vi": torch_mi.VariationOfInformation,
        "purity": torch_mi.PurityScore,
        "bcubed_p": torch_mi.BCubedPrecision,
        "bcubed_r": torch_mi.BCubedRecall,
        "bcubed_f": torch_mi.BCubedFScore,
        "pair_p": torch_mi.PairwisePrecision,
        "pair_r": torch_mi.PairwiseRecall,
        "pair_f": torch_mi.PairwiseFScore,
        "pair_jaccard": torch_mi.PairJaccardIndex,
    }
    score, kwargs = spec
    return classes[score](**kwargs, **metric_kwargs)


def _modes(ctx: Context, name: str) -> list[tuple[str, dict]]:
    """("sparse", {num_classes: None}) and, where the labels fit a dense table, ("dense", {num_classes: ...})."""
    dense_sizes = {
        "uneven": (150, 200),
        "disjoint": (10 * ctx.world_size, 4 * ctx.world_size),
        "empty_rank": (8, 6),
        "empty_batches": 8,  # an int: a square 8 x 8 table
        "nothing": (3, 4),
        "ignore": (6, 5),
        "batched": (8, 6),
        "steps": (7, 5),
    }  # "ids" (arbitrary ids) is sparse only
    modes = [("sparse", {"num_classes": None})]
    if name in dense_sizes:
        modes.append(("dense", {"num_classes": dense_sizes[name]}))
    return modes


def _local_value(metric, spec: tuple, **metric_kwargs: Any):
    """compute() on a copy of the metric's current state, without syncing. ``spec`` and
    ``metric_kwargs`` are what the metric was built with."""
    probe = make_metric(spec, sync_on_compute=False, **metric_kwargs)
    probe.merge_state(metric)
    return probe.compute()


def _update_all(metric, batches) -> None:
    for preds, target in batches:
        metric.update(preds, target)


# ------------------------------------------------------------------------------------- checks


def check_compute(ctx: Context) -> None:
    """Default sync_on_compute: every rank's compute() is the score of all ranks' samples."""
    plan = {
        "uneven": ALL_SPECS,
        "ids": ALL_SPECS,
        "disjoint": ALL_SPECS,
        "empty_rank": SIX_SPECS,
        "empty_batches": SIX_SPECS,
        "nothing": SIX_SPECS,
    }
    for name, specs in plan.items():
        for mode, mode_kwargs in _modes(ctx, name):
            for spec in specs:
                metric = make_metric(spec, **mode_kwargs)
                _update_all(metric, ctx.mine(name))
                ctx.record(f"compute/{name}/{mode}", spec, metric.compute(), name, ("all",))


def check_ignore_index(ctx: Context) -> None:
    variants = [("dense", {"num_classes": (6, 5)}, -1), ("sparse", {"num_classes": None}, -1), ("sparse", {}, 3)]
    for mode, mode_kwargs, ignore in variants:
        for spec in SIX_SPECS:
            metric = make_metric(spec, ignore_index=ignore, **mode_kwargs)
            _update_all(metric, ctx.mine("ignore"))
            ctx.record(f"ignore/{mode}/{ignore}", spec, metric.compute(), "ignore", ("all",), ignore)


def check_batched(ctx: Context) -> None:
    # -1 is an ordinary label in sparse mode without ignore_index; dense mode needs it ignored.
    variants = [("sparse", None, None), ("sparse", None, -1), ("dense", (8, 6), -1)]
    for mode, num_classes, ignore in variants:
        for spec in SIX_SPECS:
            metric = make_metric(spec, num_classes=num_classes, num_clusterings=3, ignore_index=ignore)
            _update_all(metric, ctx.mine("batched"))
            ctx.record(f"batched/{mode}/{ignore}", spec, metric.compute(), "batched", ("all",), ignore)
        # FeatureMutualInfo keeps the same batched state, fed (N, F) feature codes: its values are
        # the MI of each row of preds, so the reference is the batched mutual_info_score.
        import torch_mi

        features = torch_mi.FeatureMutualInfo(3, num_classes=num_classes, ignore_index=ignore)
        for preds, target in ctx.mine("batched"):
            features.update(preds.T, target)
        ctx.record(f"batched/{mode}/{ignore}", ("mi", {}), features.compute(), "batched", ("all",), ignore)


def check_local(ctx: Context) -> None:
    """sync_on_compute=False gives the rank's own value; after a synced compute() the rank keeps
    accumulating its local state (compute() must restore it, not keep the gathered one)."""
    for name in ("uneven", "empty_rank", "disjoint"):
        for mode, mode_kwargs in _modes(ctx, name):
            for spec in SIX_SPECS:
                local = make_metric(spec, sync_on_compute=False, **mode_kwargs)
                _update_all(local, ctx.mine(name))
                ctx.record(f"local/{name}/{mode}", spec, local.compute(), name, ("local", ctx.rank))

                # torchmetrics returns a cached compute() (skipping the sync) on a rank that made no
                # update() since the last one, e.g. the rank without samples: the other ranks' gather
                # would then wait for it. Without the cache every compute() syncs on every rank.
                metric = make_metric(spec, compute_with_cache=False, **mode_kwargs)
                batches = ctx.mine(name)
                _update_all(metric, batches[:1])
                ctx.record(f"resume/{name}/{mode}", spec, metric.compute(), name, ("first", 1))
                _update_all(metric, batches[1:])
                ctx.record(f"resume/{name}/{mode}", spec, metric.compute(), name, ("all",))
                # ... and the state left behind is still the rank's own, not the gathered one.
                local_value = _local_value(metric, spec, **mode_kwargs)
                ctx.record(f"resume-local/{name}/{mode}", spec, local_value, name, ("local", ctx.rank))


def check_forward(ctx: Context) -> None:
    """forward(): with dist_sync_on_step=True the batch value covers every rank's batch of that
    step; without it, only the rank's own batch. compute() covers everything either way."""
    for mode, mode_kwargs in _modes(ctx, "steps"):
        for spec in SIX_SPECS:
            synced = make_metric(spec, dist_sync_on_step=True, **mode_kwargs)
            plain = make_metric(spec, **mode_kwargs)
            for step, (preds, target) in enumerate(ctx.mine("steps")):
                ctx.record(f"forward-synced/{mode}", spec, synced(preds, target), "steps", ("step", step))
                ctx.record(f"forward-local/{mode}", spec, plain(preds, target), "steps", ("batch", ctx.rank, step))
            ctx.record(f"forward-synced/{mode}", spec, synced.compute(), "steps", ("all",))
            ctx.record(f"forward-local/{mode}", spec, plain.compute(), "steps", ("all",))


def check_collection(ctx: Context) -> None:
    """A MetricCollection of the MI family, ARI, ACC and VI (extra kwargs included): one compute group, one
    table, and each member's compute() still the score of all samples."""
    from torchmetrics import MetricCollection

    specs = {
        "mi": ("mi", {}),
        "mi_bits": ("mi", {"log_base": 2}),
        "nmi": ("nmi", {}),
        "nmi_max": ("nmi", {"average_method": "max"}),
        "ami": ("ami", {}),
        "ami_geo": ("ami", {"average_method": "geometric"}),
        "homogeneity": ("homogeneity", {}),
        "completeness": ("completeness", {}),
        "v_measure": ("v_measure", {"beta": 2.0}),
        "ari": ("ari", {}),
        "acc": ("acc", {}),
        "vi": ("vi", {}),
    }
    for name in ("uneven", "empty_rank"):
        for mode, mode_kwargs in _modes(ctx, name):
            collection = MetricCollection({k: make_metric(s, **mode_kwargs) for k, s in specs.items()})
            _update_all(collection, ctx.mine(name))
            values = collection.compute()
            if ctx.mine(name):  # compute groups form on the first update(); a rank without one has none
                ctx.facts[f"collection/{name}/{mode}/groups"] = [sorted(g) for g in collection.compute_groups.values()]
            for key, spec in specs.items():
                ctx.record(f"collection/{name}/{mode}", spec, values[key], name, ("all",))
            # A second epoch: reset() then update again gives the same value, nothing left over.
            collection.reset()
            _update_all(collection, ctx.mine(name))
            values = collection.compute()
            for key, spec in specs.items():
                ctx.record(f"collection-reset/{name}/{mode}", spec, values[key], name, ("all",))


def check_merge_state(ctx: Context) -> None:
    """merge_state of metrics (and of a state dict) that each saw part of the rank's batches,
    then a synced compute(): the score of all samples; unsynced: the rank's own samples."""
    for name in ("uneven", "empty_rank", "batched"):
        extra = {"num_clusterings": 3} if name == "batched" else {}
        for mode, mode_kwargs in _modes(ctx, name):
            ignore = {"ignore_index": -1} if name == "batched" and mode == "dense" else {}
            for spec in SIX_SPECS:
                batches = ctx.mine(name)
                parts = [make_metric(spec, **mode_kwargs, **extra, **ignore) for _ in range(3)]
                for i, batch in enumerate(batches):
                    parts[i % 2].update(*batch)  # parts[2] stays empty
                merged = make_metric(spec, **mode_kwargs, **extra, **ignore)
                merged.merge_state(parts[0])
                merged.merge_state(parts[2])
                merged.merge_state(parts[1].metric_state)  # the dict form
                check = f"merge/{name}/{mode}"
                ignore_index = ignore.get("ignore_index")
                ctx.record(check, spec, merged.compute(), name, ("all",), ignore_index)
                local_value = _local_value(merged, spec, **mode_kwargs, **extra, **ignore)
                ctx.record(check + "/local", spec, local_value, name, ("local", ctx.rank), ignore_index)


CHECKS: list[Callable[[Context], None]] = [
    check_compute,
    check_ignore_index,
    check_batched,
    check_local,
    check_forward,
    check_collection,
    check_merge_state,
]


# ------------------------------------------------------------------------------------- entry


def run_checks(rank: int, world_size: int, port: int, out_dir: str) -> None:
    """Entry point of each spawned rank (torch.multiprocessing passes ``rank`` first)."""
    if os.path.isdir("/sys/class/net/lo"):
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # loopback only, whatever the hostname resolves to
    torch.set_num_threads(1)  # several ranks share few cores
    # Ranks without samples compute() without an update() on purpose.
    warnings.filterwarnings("ignore", message=r"The ``compute`` method of metric .* before the ``update``")
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=60),  # a lost rank fails the collective instead of hanging
    )
    try:
        ctx = Context(rank, world_size, build_data(world_size))
        for check in CHECKS:
            check(ctx)
        torch.save({"records": ctx.records, "facts": ctx.facts}, os.path.join(out_dir, f"rank{rank}.pt"))
        dist.barrier()
    finally:
        dist.destroy_process_group()
