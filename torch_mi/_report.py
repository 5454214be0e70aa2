"""Scores of one file -> the text table or the JSON document that ``torch-mi`` prints."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

# (attribute, table heading); the attributes are also the JSON keys.
_COLUMNS = (
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
    """Every score of one prediction column against the target."""

    preds: str
    clusters: int
    mi_nats: float
    mi_bits: float
    nmi: float
    ami: float
    homogeneity: float
    completeness: float
    v_measure: float


@dataclass
class Report:
    source: str
    format: str
    target: str
    samples: int
    target_clusters: int
    average_method: str
    scores: list[PredsScores] = field(default_factory=list)


def to_json(report: Report) -> str:
    """The report as JSON, scores at full float64 precision."""
    return json.dumps(asdict(report), indent=2)


def to_table(report: Report, precision: int = 4) -> str:
    """A header line and one aligned row per prediction column.

    Example:
        >>> report = Report("labels.csv", "csv", "truth", 6, 3, "arithmetic",
        ...                 [PredsScores("guess", 2, 0.6365, 0.9183, 0.7337, 0.5, 0.5794, 1.0, 0.7337)])
        >>> print(to_table(report, precision=2))
        labels.csv: 6 samples; target 'truth' has 3 clusters; NMI and AMI use the arithmetic mean
        <BLANKLINE>
        preds  clusters  MI (nats)  MI (bits)   NMI   AMI  homogeneity  completeness  V-measure
        guess         2       0.64       0.92  0.73  0.50         0.58          1.00       0.73
    """
    header = ["preds", "clusters", *(heading for _, heading in _COLUMNS)]
    rows = [
        [row.preds, str(row.clusters), *(f"{getattr(row, name):.{precision}f}" for name, _ in _COLUMNS)]
        for row in report.scores
    ]
    widths = [max(len(cells[i]) for cells in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        # Names left-aligned, numbers right-aligned, two spaces between columns.
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(cell.rjust(width) for cell, width in zip(cells[1:], widths[1:]))]).rstrip()

    title = (
        f"{report.source}: {report.samples} samples; target {report.target!r} has {report.target_clusters} "
        f"clusters; NMI and AMI use the {report.average_method} mean"
    )
    return "\n".join([title, "", line(header), *(line(cells) for cells in rows)])
