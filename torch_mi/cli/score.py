"""Score label columns against a target column, streaming: the functions behind ``torch-mi``.

:func:`score_files` (files, directories, globs, stdin), :func:`score_table` (pandas, polars,
pyarrow) and :func:`score_columns` (an opened :class:`~torch_mi.cli.sources.Source`) take plain
parameters and return a :class:`~torch_mi.cli.report.Report`. Batches go through the Metric
classes in sparse mode (any label ids), so memory follows the number of distinct labels, never the
number of rows. Under torch.distributed each rank reads its share of the files and the Metric
classes sync their tables in ``compute()``: every rank returns the scores of all the data.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np
import torch
from torchmetrics import MetricCollection
from tqdm import tqdm

import torch_mi
from torch_mi._validation import AVERAGE_METHODS
from torch_mi.cli import distributed
from torch_mi.cli.errors import InputError, one_line
from torch_mi.cli.heatmap import check_plotting, write_heatmap
from torch_mi.cli.labels import LabelEncoder, Vocabulary, distinct_pairs
from torch_mi.cli.metric_registry import BY_NAME, choose_metrics
from torch_mi.cli.parts import Part
from torch_mi.cli.report import PredsScores, Report
from torch_mi.cli.sources import PathLike, Source, open_paths, open_table

__all__ = ["score_columns", "score_files", "score_table"]

Labels = Union[str, Sequence[str], None]


def score_files(
    paths: Union[PathLike, Sequence[PathLike]], target: str, preds: Labels = None, *,
    input_format: Optional[str] = None, delimiter: Optional[str] = None, block_size: int = 1 << 20,
    batch_rows: int = 1 << 16, **options: Any,
) -> Report:
    """Score columns of CSV / Parquet / NumPy files, directories (hive-partitioned too), globs or ``"-"`` (stdin).

    All the files are one dataset. ``preds`` names the columns to score against ``target`` (a
    name, a comma-separated list or a list); by default every other column. ``options`` are those of
    :func:`score_columns`. Under torch.distributed, ranks share out the files (Parquet: row
    groups) and every rank returns the scores of all of them.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.csv"
        >>> _ = path.write_text("truth;run\\na;0\\na;0\\nb;1\\nb;2\\n")  # ';'-separated: sniffed
        >>> report = score_files(path, target="truth")
        >>> [(row.preds, row.clusters, round(row.homogeneity, 4)) for row in report.scores]
        [('run', 3, 1.0)]
    """
    return _score(lambda: open_paths(paths, input_format=input_format, delimiter=delimiter,
                                     block_size=block_size, batch_rows=batch_rows),
                  target, preds, **options)


def score_table(table: Any, target: str, preds: Labels = None, *, batch_rows: int = 1 << 16,
                **options: Any) -> Report:
    """Score columns of an in-memory table: pyarrow, pandas, polars, or anything with ``__arrow_c_stream__``.

    Under torch.distributed each rank passes its own rows; every rank returns the scores of all.

    Example:
        >>> import pyarrow as pa
        >>> table = pa.table({"y": [0, 0, 1, 1], "a": ["x", "x", "z", "z"], "b": [5, 6, 5, 6]})
        >>> report = score_table(table, target="y", preds="a,b")
        >>> [(row.preds, row.nmi) for row in report.scores]
        [('a', 1.0), ('b', 0.0)]
    """
    return _score(lambda: open_table(table, batch_rows), target, preds, **options)


def score_columns(source: Source, target: str, preds: Labels = None, **options: Any) -> Report:
    """Score the ``preds`` columns of an opened source against its ``target`` column.

    Args:
        source: from :func:`torch_mi.cli.sources.open_paths` or :func:`~torch_mi.cli.sources.open_table`.
        target: the reference labeling's column.
        preds: the columns to score: a name, a comma-separated list or a list; default every other column.
        metrics: the scores to report, in order: names of :data:`~torch_mi.cli.metric_registry.NAMES`
            (a name, a comma-separated list or a list), or ``"all"``; default MI (nats, bits), NMI,
            AMI, ARI, ACC, homogeneity, completeness and V-measure. Without SciPy, ACC is left out
            of the default with a warning, and naming it is an error.
        average_method: the mean of the entropies that NMI and AMI divide by (default ``"arithmetic"``).
        device: the torch device that counts, e.g. ``"cuda"`` (default ``"cpu"``).
        ignore_label: samples whose target has this label (given as text, e.g. ``"-1"``) are left out.
        ignore_preds_label: each preds column is scored on the samples it did not give this label
            (e.g. HDBSCAN's noise ``"-1"``); each row of the report then has its own ``samples``.
        heatmap: write the contingency heatmap of ``heatmap_preds`` (default the first preds column)
            to this path (png, pdf, svg: by its suffix); needs matplotlib.
        progress: show a progress bar on stderr when it is a terminal.

    Raises:
        InputError (a ValueError): a missing column, a label column of the wrong type, a missing
            value, an unreadable input; the message is meant to be shown as it is.
    """
    return _score(lambda: source, target, preds, **options)


# ------------------------------------------------------------------------------------- the job
@dataclass
class _Plan:
    """What to read and how to count it, decided before any row is read (the same on every rank)."""

    target: str
    preds: list[str]
    names: list[str]
    encoders: dict[str, LabelEncoder]
    ignore: Optional[tuple[int, int]]
    ignore_preds: Optional[list[tuple[int, int]]]
    heatmap_preds: Optional[int]


@dataclass
class _Counts:
    """What one rank has read; all of it is reduced over ranks at the end."""

    collections: list[MetricCollection]
    target_labels: Vocabulary
    preds_labels: list[Vocabulary]
    heatmap: Optional[torch_mi.MutualInfoScore]  # the heatmap column's table, when the plan has one
    samples: int = 0
    ignored: int = 0
    preds_samples: list[int] = field(default_factory=list)


def _score(
    open_source: Callable[[], Source], target: str, preds: Labels = None, *, average_method: str = "arithmetic",
    device: Union[str, torch.device] = "cpu", ignore_label: Optional[str] = None,
    ignore_preds_label: Optional[str] = None, heatmap: Optional[PathLike] = None,
    heatmap_preds: Optional[str] = None, progress: bool = False, metrics: Labels = None,
) -> Report:
    if average_method not in AVERAGE_METHODS:
        raise InputError(f"average method must be one of {', '.join(AVERAGE_METHODS)}; got {average_method!r}")
    names, note = choose_metrics(metrics)
    if note is not None:
        warnings.warn(note, stacklevel=3)
    torch_device = resolve_device(device)
    if heatmap is not None:
        check_plotting()
    message: Optional[str] = None
    try:
        source = open_source()
        plan = _plan(source, target, preds, ignore_label, ignore_preds_label, heatmap is not None, heatmap_preds)
        counts = _read(source, plan, names, average_method, torch_device, progress)
    except InputError as error:
        message = str(error)
    # Every rank gets here, failed or not: they stop together rather than wait on each other.
    failure = distributed.first_error(message)
    if failure is not None:
        raise InputError(failure)
    report = _reduce(source, plan, counts, names, average_method, torch_device, ignore_label, ignore_preds_label)
    if heatmap is not None:
        _heatmap(plan, counts, Path(heatmap))
    return report


def resolve_device(name: Union[str, torch.device]) -> torch.device:
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise InputError(f"device {name!r} is not a torch device (e.g. cpu, cuda, cuda:1)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {name}: no CUDA device is available here (torch.cuda.is_available() is False)")
    try:
        torch.zeros(1, device=device)
    except (RuntimeError, AssertionError) as error:
        raise InputError(f"device {name}: cannot use it: {one_line(error)}") from None
    return device


def split_names(names: Labels) -> Optional[list[str]]:
    """``"a,b"`` and ``["a,b", "c"]`` -> ``["a", "b", "c"]``; None stays None."""
    if names is None:
        return None
    if isinstance(names, str):
        names = [names]
    return [piece for name in names for piece in name.split(",") if piece]


def _plan(source: Source, target: str, preds: Labels, ignore_label: Optional[str],
          ignore_preds_label: Optional[str], heatmap: bool, heatmap_preds: Optional[str]) -> _Plan:
    columns = source.columns
    # A name that is a column as given (commas and all) is kept whole.
    chosen = None if preds is None else [
        piece for name in ([preds] if isinstance(preds, str) else preds)
        for piece in ([name] if name in columns else split_names(name) or [])
    ]
    if chosen is None:
        chosen = [name for name in columns if name != target]
        if not chosen:
            raise InputError(f"{source.name} has no column besides the target {target!r} to score")
    if not chosen:
        raise InputError("no preds column named")
    names = list(dict.fromkeys([target, *chosen]))
    kinds = source.check(names, target)
    heatmap_index = None
    if heatmap:
        heatmap_preds = chosen[0] if heatmap_preds is None else heatmap_preds
        if heatmap_preds not in chosen:
            raise InputError(f"the heatmap's column {heatmap_preds!r} is not among the preds: {', '.join(chosen)}")
        heatmap_index = chosen.index(heatmap_preds)
    # Label texts are kept (memory per distinct label) only for the heatmap's axes.
    named = {target, chosen[heatmap_index]} if heatmap_index is not None else set()
    encoders = {name: LabelEncoder(name, kind, keep_names=name in named) for name, kind in kinds.items()}
    ignore = None if ignore_label is None else encoders[target].id_of(ignore_label)
    ignore_preds = None if ignore_preds_label is None else [encoders[p].id_of(ignore_preds_label) for p in chosen]
    return _Plan(target, chosen, names, encoders, ignore, ignore_preds, heatmap_index)


def _collection(names: list[str], num_clusterings: int, average_method: str, device: torch.device) -> MetricCollection:
    # Any: MetricCollection takes dict[str, Metric] in torchmetrics 1.3 and dict[str, Metric |
    # MetricCollection] later; dict is invariant, so no one value type fits both versions
    metrics: dict[str, Any] = {name: BY_NAME[name].factory(num_clusterings, average_method) for name in names}
    # All of them keep the same table: one group, named up front so that every rank (also one that
    # reads nothing) has the same group and makes the same collective calls in compute().
    return MetricCollection(metrics, compute_groups=[list(metrics)]).to(device)


def _read(source: Source, plan: _Plan, names: list[str], average_method: str, device: torch.device,
          progress: bool) -> _Counts:
    per_column = plan.ignore_preds is not None
    # Ignoring a preds label drops different samples from each column: one table per column then.
    collections = ([_collection(names, 1, average_method, device) for _ in plan.preds] if per_column
                   else [_collection(names, len(plan.preds), average_method, device)])
    counts = _Counts(collections, Vocabulary(plan.target), [Vocabulary(name) for name in plan.preds],
                     torch_mi.MutualInfoScore().to(device) if plan.heatmap_preds is not None else None,
                     preds_samples=[0] * len(plan.preds))
    # The left-out labels are registered too, so that a label colliding with them is caught.
    if plan.ignore is not None:
        counts.target_labels.add(np.array([plan.ignore]))
    for vocabulary, label in zip(counts.preds_labels, plan.ignore_preds or []):
        vocabulary.add(np.array([label]))
    parts = source.parts(split=source.shared and distributed.world_size() > 1)
    mine = distributed.my_share(parts) if source.shared else parts
    with _progress_bar(mine, progress) as bar:
        for part in mine:
            for batch in part.batches(plan.names):
                rows = _add_batch(batch, plan, counts, device)
                bar.update(rows)
    return counts


def _add_batch(batch: dict[str, Any], plan: _Plan, counts: _Counts, device: torch.device) -> int:
    codes = {name: plan.encoders[name].encode(batch[name]) for name in plan.names}
    target = codes[plan.target].row_ids()
    rows = len(target)
    kept = None if plan.ignore is None else target != plan.ignore[0]
    if kept is not None:
        counts.ignored += int(rows - kept.sum())
    counts.target_labels.add(codes[plan.target].used(kept))
    target_kept = target if kept is None else target[kept]
    counts.samples += len(target_kept)
    preds = [codes[name].row_ids() for name in plan.preds]
    masks: list[Optional[np.ndarray]] = []
    for i, (name, ids) in enumerate(zip(plan.preds, preds)):
        mask = kept
        if plan.ignore_preds is not None:
            mask = ids != plan.ignore_preds[i][0] if kept is None else kept & (ids != plan.ignore_preds[i][0])
        masks.append(mask)
        counts.preds_labels[i].add(codes[name].used(mask))
    if plan.ignore_preds is None:
        if len(target_kept):
            stacked = np.stack([ids if kept is None else ids[kept] for ids in preds])
            counts.collections[0].update(_tensor(stacked, device), _tensor(target_kept, device))
        for i in range(len(preds)):
            counts.preds_samples[i] += len(target_kept)
    else:
        for i, (ids, mask) in enumerate(zip(preds, masks)):
            chosen_target, chosen = (target, ids) if mask is None else (target[mask], ids[mask])
            counts.preds_samples[i] += len(chosen)
            if len(chosen):
                counts.collections[i].update(_tensor(chosen[None], device), _tensor(chosen_target, device))
    if counts.heatmap is not None:
        assert plan.heatmap_preds is not None  # _read makes counts.heatmap only for a plan's heatmap column
        mask = masks[plan.heatmap_preds]
        ids = preds[plan.heatmap_preds]
        chosen_target, chosen = (target, ids) if mask is None else (target[mask], ids[mask])
        if len(chosen):
            counts.heatmap.update(_tensor(chosen, device), _tensor(chosen_target, device))
    return rows


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array)).to(device)


def _progress_bar(parts: list[Part], enabled: bool) -> tqdm:
    show = enabled and distributed.rank() == 0 and sys.stderr.isatty()
    sizes = [part.count_rows() for part in parts] if show else []
    known = [size for size in sizes if size is not None]
    return tqdm(
        total=sum(known) if len(known) == len(sizes) else None, unit=" rows", unit_scale=True, file=sys.stderr,
        disable=not show,
        delay=0.5,  # short runs finish before a bar would appear
        leave=False,
    )


def _reduce(source: Source, plan: _Plan, counts: _Counts, names: list[str], average_method: str,
            device: torch.device, ignore_label: Optional[str], ignore_preds_label: Optional[str]) -> Report:
    """Sums over ranks and the scores; collective: every rank calls it."""
    samples = distributed.total(counts.samples, device)
    if samples == 0:
        raise InputError(f"{source.name} has no rows to score")
    ignored = distributed.total(counts.ignored, device)
    preds_samples = [distributed.total(count, device) for count in counts.preds_samples]
    _check_preds_samples(plan, preds_samples, ignore_preds_label)
    values: list[dict[str, float]] = []
    with warnings.catch_warnings():
        # A rank that read no rows computes too (it takes part in the sync); torchmetrics warns then.
        warnings.filterwarnings("ignore", message=".*compute.*before.*update.*")
        for collection in counts.collections:
            results = {key: value.reshape(-1).cpu().tolist() for key, value in collection.compute().items()}
            values.extend({name: results[name][i] for name in names}  # in the asked-for order
                          for i in range(len(results[names[0]])))
    target_clusters = _count(counts.target_labels, plan.ignore, device)
    scores = [
        PredsScores(preds=name, clusters=_count(vocabulary, None if plan.ignore_preds is None else plan.ignore_preds[i],
                                                device),
                    samples=preds_samples[i], values=values[i])
        for i, (name, vocabulary) in enumerate(zip(plan.preds, counts.preds_labels))
    ]
    return Report(source=source.name, format=source.format, target=plan.target, samples=samples,
                  target_clusters=target_clusters, average_method=average_method, scores=scores, ignored=ignored,
                  ignore_label=ignore_label, ignore_preds_label=ignore_preds_label, ranks=distributed.world_size(),
                  metrics=list(names))


def _check_preds_samples(plan: _Plan, preds_samples: list[int], ignore_preds_label: Optional[str]) -> None:
    """A preds column with no sample left would score an empty table: a perfect score it has not earned."""
    for name, count in zip(plan.preds, preds_samples):
        if count == 0:
            raise InputError(f"preds column {name!r} gave every sample the --ignore-preds-label "
                             f"{ignore_preds_label!r}: no samples left to score it on")


def _count(vocabulary: Vocabulary, ignored: Optional[tuple[int, int]], device: torch.device) -> int:
    """Distinct labels over all ranks, the left-out label not counted."""
    rows = distinct_pairs(distributed.gather_rows(vocabulary.distinct(), device), vocabulary.column)
    return len(rows) - (ignored is not None)


def _heatmap(plan: _Plan, counts: _Counts, path: Path) -> None:
    heatmap, index = counts.heatmap, plan.heatmap_preds
    # only called with --heatmap: _plan chose the column and _read made its metric
    assert heatmap is not None and index is not None
    with heatmap.sync_context(should_unsync=False):
        table, rows, cols = heatmap.contingency_matrix(return_labels=True)
    name = plan.preds[index]
    row_names = distributed.gather_dicts(plan.encoders[plan.target].names or {})
    col_names = distributed.gather_dicts(plan.encoders[name].names or {})
    if distributed.rank() == 0:
        write_heatmap(path, table, [row_names.get(int(i), int(i)) for i in rows.tolist()],
                      [col_names.get(int(i), int(i)) for i in cols.tolist()], plan.target, name)
