"""Scores of one dataset -> what ``torch-mi`` prints: an aligned table, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from torch_mi.cli.metric_registry import DEFAULT, headings

OUTPUT_FORMATS = ("table", "json", "csv", "markdown")


@dataclass
class PredsScores:
    """The scores of one prediction column against the target, over ``samples`` samples.

    ``values`` maps each reported metric's name (see :mod:`torch_mi.cli.metric_registry`) to its
    value; ``row.nmi`` and ``row["nmi"]`` read it too.
    """

    preds: str
    clusters: int
    samples: int
    values: dict[str, float] = field(default_factory=dict)

    def __getattr__(self, name: str) -> float:
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute or reported metric {name!r}")

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def as_dict(self) -> dict[str, Any]:
        """preds, clusters, samples and one key per metric: a JSON row, a CSV row."""
        return {"preds": self.preds, "clusters": self.clusters, "samples": self.samples, **self.values}


@dataclass
class Report:
    """The scores of every preds column, and what they were computed on.

    ``metrics`` names the reported scores, in column order. ``samples`` counts the samples scored
    (those whose target is not ``ignore_label``); ``ignored`` the ones left out. With
    ``ignore_preds_label``, each preds column is scored on its own ``samples``: those it did not
    give that label.
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
    metrics: list[str] = field(default_factory=lambda: list(DEFAULT))

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (what ``--json`` prints): every score row flat."""
        fields = {name: value for name, value in vars(self).items() if name != "scores"}
        return {**fields, "scores": [row.as_dict() for row in self.scores]}


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
    return json.dumps(report.as_dict(), indent=2)


def to_csv(report: Report) -> str:
    """One row per preds column, scores at full precision (``repr`` of the float64)."""
    keys = ["preds", "clusters", "samples", *report.metrics]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for row in report.scores:
        cells = row.as_dict()
        writer.writerow([cells[key] for key in keys])
    return out.getvalue().rstrip("\n")


def _title(report: Report) -> str:
    title = f"{report.source}: {report.samples} samples"
    if report.ignore_label is not None:
        title += f" ({report.ignored} with target {report.ignore_label!r} left out)"
    title += f"; target {report.target!r} has {report.target_clusters} clusters"
    averaged = [name.upper() for name in ("nmi", "ami") if name in report.metrics]
    if averaged:
        title += f"; {' and '.join(averaged)} {'use' if len(averaged) > 1 else 'uses'} the {report.average_method} mean"
    if report.ranks > 1:
        title += f"; read by {report.ranks} ranks"
    return title


def _cells(report: Report, precision: int) -> tuple[list[str], list[list[str]]]:
    per_column_samples = report.ignore_preds_label is not None
    header = ["preds", "clusters", *(["samples"] if per_column_samples else []), *headings(report.metrics)]
    rows = [
        [row.preds, str(row.clusters), *([str(row.samples)] if per_column_samples else []),
         *(f"{row.values[name]:.{precision}f}" for name in report.metrics)]
        for row in report.scores
    ]
    return header, rows


def to_table(report: Report, precision: int = 4) -> str:
    """A title line and one aligned row per prediction column.

    Example:
        >>> row = PredsScores("guess", 2, 6, {"nmi": 0.7337, "ari": 0.5714, "acc": 0.8333})
        >>> report = Report("labels.csv", "csv", "truth", 6, 3, "arithmetic", [row], metrics=["nmi", "ari", "acc"])
        >>> print(to_table(report, precision=2))
        labels.csv: 6 samples; target 'truth' has 3 clusters; NMI uses the arithmetic mean
        <BLANKLINE>
        preds  clusters   NMI   ARI   ACC
        guess         2  0.73  0.57  0.83
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
