"""Scores of one dataset -> what ``torch-mi`` prints: an aligned table, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from typing import Optional

OUTPUT_FORMATS = ("table", "json", "csv", "markdown")

# (attribute, heading); the attributes are also the JSON and CSV keys.
SCORES = (
    ("mi_nats", "MI (nats)"),
    ("mi_bits", "MI (bits)"),
    ("nmi", "NMI"),
    ("ami", "AMI"),
    ("homogeneity", "homogeneity"),
    ("completeness", "completeness"),
    ("v_measure", "V-measure"),
)


@dataclass
class PredsScores:
    """Every score of one prediction column against the target, over ``samples`` samples."""

    preds: str
    clusters: int
    samples: int
    mi_nats: float
    mi_bits: float
    nmi: float
    ami: float
    homogeneity: float
    completeness: float
    v_measure: float


@dataclass
class Report:
    """The scores of every preds column, and what they were computed on.

    ``samples`` counts the samples scored (those whose target is not ``ignore_label``);
    ``ignored`` the ones left out. With ``ignore_preds_label``, each preds column is scored on its
    own ``samples``: those it did not give that label.
    """

    source: str
    format: str
    target: str
    samples: int
    target_clusters: int
    average_method: str
    scores: list[PredsScores] = field(default_factory=list)
    ignored: int = 0
    ignore_label: Optional[str] = None
    ignore_preds_label: Optional[str] = None
    ranks: int = 1


def render(report: Report, output_format: str = "table", precision: int = 4) -> str:
    """The report in one of :data:`OUTPUT_FORMATS`."""
    if output_format == "json":
        return to_json(report)
    if output_format == "csv":
        return to_csv(report)
    if output_format == "markdown":
        return to_markdown(report, precision)
    return to_table(report, precision)


def to_json(report: Report) -> str:
    """The report as JSON, scores at full float64 precision."""
    return json.dumps(asdict(report), indent=2)


def to_csv(report: Report) -> str:
    """One row per preds column, scores at full precision (``repr`` of the float64)."""
    keys = ["preds", "clusters", "samples", *(name for name, _ in SCORES)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for row in report.scores:
        writer.writerow([getattr(row, key) for key in keys])
    return out.getvalue().rstrip("\n")


def _title(report: Report) -> str:
    title = f"{report.source}: {report.samples} samples"
    if report.ignore_label is not None:
        title += f" ({report.ignored} with target {report.ignore_label!r} left out)"
    title += (f"; target {report.target!r} has {report.target_clusters} clusters; "
              f"NMI and AMI use the {report.average_method} mean")
    if report.ranks > 1:
        title += f"; read by {report.ranks} ranks"
    return title


def _cells(report: Report, precision: int) -> tuple[list[str], list[list[str]]]:
    per_column_samples = report.ignore_preds_label is not None
    header = ["preds", "clusters", *(["samples"] if per_column_samples else []), *(h for _, h in SCORES)]
    rows = [
        [row.preds, str(row.clusters), *([str(row.samples)] if per_column_samples else []),
         *(f"{getattr(row, name):.{precision}f}" for name, _ in SCORES)]
        for row in report.scores
    ]
    return header, rows


def to_table(report: Report, precision: int = 4) -> str:
    """A title line and one aligned row per prediction column.

    Example:
        >>> report = Report("labels.csv", "csv", "truth", 6, 3, "arithmetic",
        ...                 [PredsScores("guess", 2, 6, 0.6365, 0.9183, 0.7337, 0.5, 0.5794, 1.0, 0.7337)])
        >>> print(to_table(report, precision=2))
        labels.csv: 6 samples; target 'truth' has 3 clusters; NMI and AMI use the arithmetic mean
        <BLANKLINE>
        preds  clusters  MI (nats)  MI (bits)   NMI   AMI  homogeneity  completeness  V-measure
        guess         2       0.64       0.92  0.73  0.50         0.58          1.00       0.73
    """
    header, rows = _cells(report, precision)
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # Names left-aligned, numbers right-aligned, two spaces between columns.
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:]))]).rstrip()

    if report.ignore_preds_label is not None:
        note = f"(each preds column scored on its samples not labelled {report.ignore_preds_label!r})"
        return "\n".join([_title(report), note, "", line(header), *(line(cells) for cells in rows)])
    return "\n".join([_title(report), "", line(header), *(line(cells) for cells in rows)])


def to_markdown(report: Report, precision: int = 4) -> str:
    """The title as a paragraph, then a Markdown table."""
    header, rows = _cells(report, precision)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    rule = "|" + "|".join(["---", *(["---:"] * (len(header) - 1))]) + "|"
    return "\n".join([_title(report), "", line(header), rule, *(line(cells) for cells in rows)])
