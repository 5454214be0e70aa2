"""The ``torch-mi`` command's options (argparse)."""

from __future__ import annotations

import argparse
from typing import Optional

import torch_mi
from torch_mi._validation import AVERAGE_METHODS
from torch_mi.cli.metric_registry import DEFAULT, help_text
from torch_mi.cli.report import OUTPUT_FORMATS
from torch_mi.cli.sources import INPUT_FORMATS, MAX_READ_SIZE

EXAMPLE_TARGET = "digit"

_DESCRIPTION = """\
Score how well one or more clusterings (--preds) agree with a target labeling (--target):
by default mutual information in nats and bits, normalized and adjusted mutual information
(NMI, AMI), adjusted Rand index (ARI), cluster accuracy (ACC), homogeneity, completeness and
V-measure; --metrics picks others. The inputs are streamed in batches as one dataset, so
they may be larger than memory. With no INPUT, scores a bundled example: k-means and random
clusterings of scikit-learn's handwritten digits against the true digit (1797 samples, 10 classes)."""

_EPILOG = """\
metrics (--metrics, comma-separated or repeated; the columns in that order):
{metrics}

inputs (one or more, scored as one dataset):
  FILE         CSV/TSV (also .gz, .bz2, .zst, .lz4), Parquet, .npy, .npz
  DIRECTORY    its files, one format; hive partitions (key=value/) become columns
  'GLOB'       e.g. 'shards/*.parquet' or 'runs/**/*.csv' (quote it for the shell)
  -            CSV on stdin

columns:
  CSV/TSV  by header name; every cell read as text (the delimiter is sniffed, or --delimiter)
  Parquet  by field name
  .npz     by array key; every array 1-D, all of the same length
  .npy     a 2-D array (samples x columns): by column index 0, 1, ...;
           a structured array: by field name; a 1-D array: the single column 0

Labels are integers, booleans or strings; floating-point columns and missing values are errors.

distributed (one dataset, any number of processes or nodes; rank 0 prints):
  torchrun --nproc-per-node=4 -m torch_mi shards/ --target y --preds a b

examples:
  torch-mi                                     # the bundled digits example
  torch-mi runs.csv --target truth             # every other column is scored
  torch-mi runs.csv --target truth --preds kmeans,dbscan --ignore-preds-label -1
  torch-mi runs.csv --target truth --metrics nmi,ami,ari,acc
  torch-mi shards/ --target truth --preds run1 run2 --format markdown
  cat runs.csv | torch-mi - --target truth --json
  torch-mi labels.npy --target 0 --preds 1 2   # columns of a 2-D array
  torch-mi runs.csv --target truth --heatmap heat.png --heatmap-preds kmeans
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torch-mi", description=_DESCRIPTION, epilog=_EPILOG.format(metrics=help_text()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", metavar="INPUT", nargs="*",
                        help="files, directories, globs or - (stdin); omit them to score the bundled example")
    parser.add_argument("--target", metavar="COLUMN", help="the reference labeling (required with INPUT)")
    parser.add_argument("--preds", metavar="COLUMN", nargs="+",
                        help="labelings to score against the target, by name or comma-separated "
                        "(default: every other column)")
    parser.add_argument("--ignore-label", metavar="VALUE",
                        help="leave out the samples whose target has this label")
    parser.add_argument("--ignore-preds-label", metavar="VALUE",
                        help="score each preds column on the samples it did not give this label "
                        "(e.g. -1, HDBSCAN's noise); a column with no other label is an error")
    parser.add_argument("--metrics", metavar="NAMES", action="append",
                        help="the scores to report, in this order: names (listed below) comma-separated "
                        f"or repeated, e.g. nmi,ami,ari,acc; or all (default: {', '.join(DEFAULT)})")
    parser.add_argument("--average-method", choices=AVERAGE_METHODS, default="arithmetic",
                        help="mean of the two entropies that NMI and AMI divide by (default: %(default)s)")
    parser.add_argument("--format", choices=OUTPUT_FORMATS, default="table",
                        help="output: an aligned table, JSON, CSV (both at full precision) or Markdown "
                        "(default: %(default)s)")
    parser.add_argument("--json", dest="format", action="store_const", const="json", help="same as --format json")
    parser.add_argument("--precision", metavar="DIGITS", type=_non_negative_int, default=4,
                        help="decimal places in the table and Markdown (default: %(default)s)")
    parser.add_argument("--heatmap", metavar="PATH",
                        help="write the contingency heatmap of one preds column (png, pdf, svg); needs matplotlib")
    parser.add_argument("--heatmap-preds", metavar="COLUMN",
                        help="the preds column of the heatmap (default: the first)")
    parser.add_argument("--input-format", choices=INPUT_FORMATS,
                        help="the inputs' format, when their names do not tell")
    parser.add_argument("--delimiter", metavar="CHAR", type=_delimiter,
                        help="CSV field delimiter (default: sniffed from the first KB: , ; tab or |)")
    parser.add_argument("--device", default="cpu",
                        help="torch device that counts the labels, e.g. cuda (default: %(default)s)")
    parser.add_argument("--block-size", metavar="BYTES", type=_read_size, default=1 << 20,
                        help="CSV bytes read per batch (default: %(default)s)")
    parser.add_argument("--batch-rows", metavar="ROWS", type=_read_size, default=1 << 16,
                        help="rows read per batch from Parquet, .npy and .npz (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (it only shows on a terminal, and only for long runs)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {torch_mi.__version__}")
    return parser


def _delimiter(text: str) -> str:
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"expected one character (or \\t), got {text!r}")
    return text


def _read_size(text: str) -> int:
    return _int_at_least(text, 1, MAX_READ_SIZE)


def _non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def _int_at_least(text: str, low: int, high: Optional[int] = None) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        expected = f">= {low}" if high is None else f"from {low} to {high}"
        raise argparse.ArgumentTypeError(f"expected an integer {expected}, got {text!r}")
    return value
