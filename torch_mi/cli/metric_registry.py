"""The scores that ``torch-mi`` can report: one registry of name, heading and Metric factory.

The names are the ``--metrics`` choices and the JSON / CSV keys; the registry's order is the
order of the columns under ``--metrics all``. Every entry's Metric keeps the same contingency
state, so the chosen ones go into one ``MetricCollection`` with one compute group: one table
update per batch, however many columns are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

from torchmetrics import Metric

import torch_mi
from torch_mi.cli.errors import InputError

ACCURACY_HINT = "pip install 'torch_mi[accuracy]'"
ALL = "all"


@dataclass(frozen=True)
class MetricSpec:
    """One column of the report: its key, its heading, what it is, and how to make its Metric."""

    name: str
    heading: str
    description: str
    # (num_clusterings, average_method) -> a Metric in sparse mode (any label ids)
    factory: Callable[[int, str], Metric]
    needs_scipy: bool = False


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("mi_nats", "MI (nats)", "mutual information, natural log",
               lambda b, _: torch_mi.MutualInfoScore(num_clusterings=b)),
    MetricSpec("mi_bits", "MI (bits)", "mutual information, log base 2",
               lambda b, _: torch_mi.MutualInfoScore(num_clusterings=b, log_base=2)),
    MetricSpec("nmi", "NMI", "normalized mutual information (--average-method)",
               lambda b, mean: torch_mi.NormalizedMutualInfoScore(mean, num_clusterings=b)),
    MetricSpec("ami", "AMI", "adjusted mutual information (--average-method)",
               lambda b, mean: torch_mi.AdjustedMutualInfoScore(mean, num_clusterings=b)),
    MetricSpec("ari", "ARI", "adjusted Rand index",
               lambda b, _: torch_mi.AdjustedRandScore(num_clusterings=b)),
    MetricSpec("acc", "ACC", "cluster accuracy: best one-to-one matching (needs scipy)",
               lambda b, _: torch_mi.ClusterAccuracy(num_clusterings=b), needs_scipy=True),
    MetricSpec("purity", "purity", "share of samples in their cluster's majority class (favours many clusters)",
               lambda b, _: torch_mi.PurityScore(num_clusterings=b)),
    MetricSpec("homogeneity", "homogeneity", "each cluster holds one class",
               lambda b, _: torch_mi.HomogeneityScore(num_clusterings=b)),
    MetricSpec("completeness", "completeness", "each class is in one cluster",
               lambda b, _: torch_mi.CompletenessScore(num_clusterings=b)),
    MetricSpec("v_measure", "V-measure", "harmonic mean of homogeneity and completeness",
               lambda b, _: torch_mi.VMeasureScore(num_clusterings=b)),
    MetricSpec("rand", "Rand", "Rand index: share of sample pairs treated alike",
               lambda b, _: torch_mi.RandScore(num_clusterings=b)),
    MetricSpec("fmi", "FMI", "Fowlkes-Mallows index",
               lambda b, _: torch_mi.FowlkesMallowsIndex(num_clusterings=b)),
    MetricSpec("pairwise_precision", "pair P",
               "pairwise precision: share of pairs joined in preds that the target joins",
               lambda b, _: torch_mi.PairwisePrecision(num_clusterings=b)),
    MetricSpec("pairwise_recall", "pair R", "pairwise recall: share of pairs joined in the target that preds joins",
               lambda b, _: torch_mi.PairwiseRecall(num_clusterings=b)),
    MetricSpec("pairwise_f", "pair F", "harmonic mean of pairwise precision and recall",
               lambda b, _: torch_mi.PairwiseFScore(num_clusterings=b)),
    MetricSpec("pair_jaccard", "pair Jaccard", "Jaccard index of the pairs joined: tp / (tp + fp + fn)",
               lambda b, _: torch_mi.PairJaccardIndex(num_clusterings=b)),
    MetricSpec("bcubed_precision", "BCubed P", "BCubed precision: per sample, share of its cluster in its class",
               lambda b, _: torch_mi.BCubedPrecision(num_clusterings=b)),
    MetricSpec("bcubed_recall", "BCubed R", "BCubed recall: per sample, share of its class in its cluster",
               lambda b, _: torch_mi.BCubedRecall(num_clusterings=b)),
    MetricSpec("bcubed_f", "BCubed F", "harmonic mean of BCubed precision and recall",
               lambda b, _: torch_mi.BCubedFScore(num_clusterings=b)),
    MetricSpec("vi_nats", "VI (nats)", "variation of information, natural log (a distance: 0 is best)",
               lambda b, _: torch_mi.VariationOfInformation(num_clusterings=b)),
    MetricSpec("vi_bits", "VI (bits)", "variation of information, log base 2",
               lambda b, _: torch_mi.VariationOfInformation(num_clusterings=b, log_base=2)),
    MetricSpec("nvi", "NVI", "variation of information / joint entropy, in [0, 1]",
               lambda b, _: torch_mi.VariationOfInformation(num_clusterings=b, normalized=True)),
)
BY_NAME = {spec.name: spec for spec in METRICS}
NAMES = tuple(BY_NAME)
# The clustering papers' report (NMI, AMI, ARI, ACC) beside the rest of the MI family.
DEFAULT = ("mi_nats", "mi_bits", "nmi", "ami", "ari", "acc", "homogeneity", "completeness", "v_measure")


def scipy_available() -> bool:
    """Whether cluster accuracy can run: SciPy's assignment solvers import."""
    try:
        import scipy.optimize  # the accuracy extra
        import scipy.sparse.csgraph  # noqa: F401  (imported only to see that it imports)
    except ImportError:
        return False
    return True


def choose_metrics(requested: Union[str, Sequence[str], None] = None) -> tuple[list[str], Optional[str]]:
    """The metric names to report, in order, and a note to show when one had to be left out.

    ``requested``: None (the default set), a name, a comma-separated list, a list of either, or
    ``"all"``. Without SciPy, cluster accuracy is left out of the default and of ``all`` (with a
    note) and is an error when named.

    Example:
        >>> choose_metrics("nmi,ARI")[0]
        ['nmi', 'ari']
        >>> choose_metrics(["ami", "nmi", "ami"])[0]
        ['ami', 'nmi']
        >>> choose_metrics("purity,BCubed-F")[0]  # case and '-' for '_' do not matter
        ['purity', 'bcubed_f']
        >>> choose_metrics("Pairwise-F,pair_jaccard")[0]
        ['pairwise_f', 'pair_jaccard']
    """
    if requested is None:
        wanted, explicit = list(DEFAULT), False
    else:
        pieces = [requested] if isinstance(requested, str) else list(requested)
        if not all(isinstance(piece, str) for piece in pieces):
            raise InputError(f"metrics must be names (strings); got {requested!r}")
        names = [name.strip().lower().replace("-", "_") for piece in pieces for name in piece.split(",")]
        names = [name for name in names if name]
        if not names:
            raise InputError(f"no metric named; choose from {', '.join(NAMES)} or {ALL}")
        unknown = [name for name in names if name != ALL and name not in BY_NAME]
        if unknown:
            raise InputError(f"unknown metric {unknown[0]!r}; choose from {', '.join(NAMES)} or {ALL}")
        explicit = ALL not in names
        wanted = list(dict.fromkeys(item for name in names for item in (NAMES if name == ALL else [name])))
    if any(BY_NAME[name].needs_scipy for name in wanted) and not scipy_available():
        if explicit:
            raise InputError(f"metric 'acc' (cluster accuracy) needs scipy: {ACCURACY_HINT}")
        kept = [name for name in wanted if not BY_NAME[name].needs_scipy]
        return kept, f"ACC (cluster accuracy) left out: it needs scipy: {ACCURACY_HINT}"
    return wanted, None


def headings(names: Sequence[str]) -> list[str]:
    """The column headings of these metrics."""
    return [BY_NAME[name].heading for name in names]


def help_text() -> str:
    """The ``--metrics`` part of ``--help``: one line per name."""
    width = max(len(name) for name in NAMES)
    lines = [f"  {spec.name.ljust(width)}  {spec.description}" for spec in METRICS]
    return "\n".join([*lines, f"  {ALL.ljust(width)}  every one of them"])
