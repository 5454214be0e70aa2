"""``torch-mi``: score clusterings stored in a file against a target column, streaming.

Run ``torch-mi --help`` for the options. The file is read batch by batch into the Metric classes
(sparse mode: any labels), so its size is bounded by the disk, not by memory. Problems with the
input end the run with one ``torch-mi: error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np
import torch

import torch_mi

if TYPE_CHECKING:  # the cli extra (pyarrow, tqdm) is imported only when the command runs
    from torch_mi._readers import Reader
    from torch_mi._report import Report

EXAMPLE_FILE = "digits_clusterings.csv"
EXAMPLE_TARGET = "digit"
_MAX_LISTED_COLUMNS = 20

_DESCRIPTION = """\
Score how well one or more clusterings (--preds) agree with a target labeling (--target):
mutual information in nats and bits, normalized and adjusted mutual information (NMI, AMI),
homogeneity, completeness and V-measure. The file is streamed in batches, so it may be larger
than memory. With no FILE, scores a bundled example: k-means and random clusterings of
scikit-learn's handwritten digits against the true digit (1797 samples, 10 classes)."""

_EPILOG = """\
columns:
  CSV/TSV  by header name (.csv, .tsv; also .gz, .bz2, .zst, .lz4 compressed)
  Parquet  by field name
  .npz     by array key; every array 1-D, all of the same length
  .npy     a 2-D array (samples x columns): by column index 0, 1, ...;
           a structured array: by field name; a 1-D array: the single column 0

Labels are integers, booleans or strings (the same string is the same cluster in every batch);
floating-point columns and missing values are errors.

examples:
  torch-mi                                     # the bundled digits example
  torch-mi runs.csv --target truth --preds kmeans dbscan
  torch-mi runs.parquet --target truth --preds run1 run2 --json
  torch-mi labels.npy --target 0 --preds 1 2   # columns of a 2-D array
  torch-mi labels.npz --target y --preds a b   # arrays in an .npz archive
"""


class _CliError(Exception):
    """A problem that ends the run with one line on stderr; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torch-mi",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", nargs="?", type=Path,
                        help="CSV, TSV, Parquet, .npy or .npz file; omit it to score the bundled example")
    parser.add_argument("--target", metavar="COLUMN", help="the reference labeling (required with FILE)")
    parser.add_argument("--preds", metavar="COLUMN", nargs="+",
                        help="one or more labelings, each scored against the target (required with FILE)")
    parser.add_argument("--format", choices=("csv", "tsv", "parquet", "npy", "npz"),
                        help="the file's format, when its name does not tell")
    parser.add_argument("--delimiter", metavar="CHAR", help="CSV field delimiter (default: ',' or tab for .tsv)")
    parser.add_argument("--average-method", choices=("arithmetic", "geometric", "min", "max"),
                        default="arithmetic", help="mean of the two entropies that NMI and AMI divide by "
                        "(default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print JSON (full precision) instead of a table")
    parser.add_argument("--precision", metavar="DIGITS", type=_non_negative_int, default=4,
                        help="decimal places in the table (default: %(default)s)")
    parser.add_argument("--device", default="cpu", help="torch device that counts the labels, e.g. cuda "
                        "(default: %(default)s)")
    parser.add_argument("--block-size", metavar="BYTES", type=_positive_int, default=1 << 20,
                        help="CSV bytes read per batch (default: %(default)s)")
    parser.add_argument("--batch-rows", metavar="ROWS", type=_positive_int, default=1 << 16,
                        help="rows read per batch from Parquet, .npy and .npz (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (it only shows on a terminal, and only for long runs)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {torch_mi.__version__}")
    return parser


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def _non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def _int_at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}")
    return value


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.file is not None and (args.target is None or args.preds is None):
        parser.error("--target and --preds are required with FILE")
    try:
        with ExitStack() as stack:
            output = _run(args, stack)
    except _CliError as error:
        print(f"torch-mi: error: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130
    print(output)
    return 0


def _run(args: argparse.Namespace, stack: ExitStack) -> str:
    try:
        from torch_mi import _readers
        from torch_mi._label_ids import check_label_type
    except ImportError as error:
        raise _CliError(f"{error.name or 'a dependency'} is missing: pip install 'torch_mi[cli]'", 1) from None
    device = _device(args.device)
    if args.file is None:
        path = stack.enter_context(resources.as_file(resources.files("torch_mi") / "data" / EXAMPLE_FILE))
        source = f"{EXAMPLE_FILE} (bundled example)"
    else:
        path = args.file
        source = str(path)
    try:
        reader = _readers.open_reader(path, args.format, block_size=args.block_size, batch_rows=args.batch_rows,
                                      delimiter=args.delimiter)
        target = args.target or EXAMPLE_TARGET
        preds = args.preds or [name for name in reader.columns if name != target]
        selected = list(dict.fromkeys([target, *preds]))
        for name in selected:
            _check_column(name, reader, source)
        reader.check_columns(selected)
        for name in selected:
            check_label_type(name, reader.columns[name])
        report = _score(reader, target, preds, device, args, source)
    except _readers.InputError as error:
        raise _CliError(str(error)) from None
    if args.json:
        from torch_mi._report import to_json

        return to_json(report)
    from torch_mi._report import to_table

    return to_table(report, args.precision)


def _device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except RuntimeError:
        raise _CliError(f"--device {name!r} is not a torch device (e.g. cpu, cuda, cuda:1)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise _CliError(f"--device {name}: no CUDA device is available here (torch.cuda.is_available() is False)")
    try:
        torch.zeros(1, device=device)
    except (RuntimeError, AssertionError) as error:
        raise _CliError(f"--device {name}: cannot use it: {' '.join(str(error).split())}") from None
    return device


def _check_column(name: str, reader: Reader, source: str) -> None:
    if name in reader.columns:
        return
    names = list(reader.columns)
    listed = ", ".join(names[:_MAX_LISTED_COLUMNS])
    if len(names) > _MAX_LISTED_COLUMNS:
        listed += f", ... ({len(names) - _MAX_LISTED_COLUMNS} more)"
    raise _CliError(f"column {name!r} not found in {source}; available columns: {listed}")


def _score(reader: Reader, target: str, preds: list[str], device: torch.device, args: argparse.Namespace,
           source: str) -> Report:
    from torch_mi._readers import ColumnTypeChanged

    retyped: set[str] = set()
    while True:
        try:
            return _score_once(reader, target, preds, device, args, source)
        except ColumnTypeChanged as change:
            # pyarrow typed a CSV column from its first block; it holds text further down.
            # Counting from the start again with the column read as text is exact.
            if change.column in retyped:
                raise
            retyped.add(change.column)
            reader.read_as_text(change.column)


def _metrics(num_clusterings: int, average_method: str, device: torch.device) -> Any:
    from torchmetrics import MetricCollection

    common = {"num_clusterings": num_clusterings}
    averaged = {**common, "average_method": average_method}
    # All seven keep the same table: with compute groups, the collection updates it once per batch.
    return MetricCollection(
        {
            "mi_nats": torch_mi.MutualInfoScore(**common),
            "mi_bits": torch_mi.MutualInfoScore(**common, log_base=2),
            "nmi": torch_mi.NormalizedMutualInfoScore(**averaged),
            "ami": torch_mi.AdjustedMutualInfoScore(**averaged),
            "homogeneity": torch_mi.HomogeneityScore(**common),
            "completeness": torch_mi.CompletenessScore(**common),
            "v_measure": torch_mi.VMeasureScore(**common),
        },
        compute_groups=True,
    ).to(device)


def _score_once(reader: Reader, target: str, preds: list[str], device: torch.device, args: argparse.Namespace,
                source: str) -> Report:
    from torch_mi._label_ids import LabelIds
    from torch_mi._readers import InputError
    from torch_mi._report import PredsScores, Report

    ids = {name: LabelIds(name) for name in [target, *preds]}
    metrics = _metrics(len(preds), args.average_method, device)
    samples = 0
    with _progress_bar(reader, args) as bar:
        for batch, step in reader.batches([target, *preds]):
            encoded = {name: label_ids(batch[name]) for name, label_ids in ids.items()}
            if encoded[target].size:
                preds_ids = np.stack([encoded[name] for name in preds])
                metrics.update(torch.from_numpy(preds_ids).to(device), torch.from_numpy(encoded[target]).to(device))
                samples += encoded[target].size
            bar.update(step)
        if samples == 0:
            raise InputError(f"{source} has no rows to score")
        bar.set_postfix_str("computing the scores")  # expected MI can take a while with many clusters
        results = metrics.compute()
    # reshape: torchmetrics squeezes a one-element result, so one preds column gives a 0-dim tensor.
    values = {name: value.reshape(-1).cpu().tolist() for name, value in results.items()}
    scores = [
        PredsScores(preds=name, clusters=ids[name].num_labels, **{key: column[i] for key, column in values.items()})
        for i, name in enumerate(preds)
    ]
    return Report(source=source, format=reader.format, target=target,
                  samples=samples, target_clusters=ids[target].num_labels, average_method=args.average_method,
                  scores=scores)


def _progress_bar(reader: Reader, args: argparse.Namespace) -> Any:
    from tqdm import tqdm

    in_bytes = reader.progress_unit == "B"
    return tqdm(
        total=reader.progress_total,
        unit="B" if in_bytes else " rows",
        unit_scale=True,
        unit_divisor=1024 if in_bytes else 1000,
        file=sys.stderr,
        disable=args.no_progress or not sys.stderr.isatty(),
        delay=0.5,  # short runs finish before a bar would appear
        leave=False,
    )


if __name__ == "__main__":
    sys.exit(main())
