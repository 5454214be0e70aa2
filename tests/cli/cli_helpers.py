"""Running ``torch-mi`` in-process, and checking its reports against scikit-learn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import entropy
from sklearn import metrics as skm

from torch_mi.cli import main
from torch_mi.cli.metric_registry import DEFAULT

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "torch_mi" / "data" / "digits_clusterings.csv"
SCORE_KEYS = DEFAULT  # the columns reported without --metrics
ROW_KEYS = ("preds", "clusters", "samples")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--no-progress"])
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv: str) -> dict:
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    return json.loads(out)


def matched_samples(target, preds) -> int:
    """Cluster accuracy's numerator: SciPy's optimal assignment on scikit-learn's contingency matrix."""
    table = skm.cluster.contingency_matrix(target, preds)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return int(table[rows, cols].sum())


def ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, and 1 where the denominator is 0 (no pair to get wrong)."""
    return numerator / denominator if denominator else 1.0


def pair_scores(target, preds) -> dict[str, float]:
    """Pairwise precision, recall, F1 and the pair Jaccard index, from scikit-learn's pair confusion matrix."""
    _, fp, fn, tp = (int(count) for count in skm.cluster.pair_confusion_matrix(target, preds).ravel())
    return {
        "pairwise_precision": ratio(tp, tp + fp),
        "pairwise_recall": ratio(tp, tp + fn),
        "pairwise_f": ratio(2 * tp, 2 * tp + fn + fp),
        "pair_jaccard": ratio(tp, tp + fp + fn),
    }


def sklearn_scores(target, preds, average_method: str = "arithmetic") -> dict[str, float]:
    """Every score of the registry, from scikit-learn and SciPy."""
    h, c, v = skm.homogeneity_completeness_v_measure(target, preds)
    mi = skm.mutual_info_score(target, preds)
    h_target = entropy(np.unique(np.asarray(target), return_counts=True)[1])
    h_preds = entropy(np.unique(np.asarray(preds), return_counts=True)[1])
    vi = h_target + h_preds - 2 * mi
    joint = h_target + h_preds - mi
    table = skm.cluster.contingency_matrix(target, preds).astype(np.float64)  # rows: target, cols: preds
    n = table.sum()
    precision = (table**2 / table.sum(0)).sum() / n  # Bagga & Baldwin's BCubed, per cell
    recall = (table**2 / table.sum(1)[:, None]).sum() / n
    return {
        "mi_nats": mi,
        "mi_bits": mi / np.log(2),
        "nmi": skm.normalized_mutual_info_score(target, preds, average_method=average_method),
        "ami": skm.adjusted_mutual_info_score(target, preds, average_method=average_method),
        "ari": skm.adjusted_rand_score(target, preds),
        "acc": matched_samples(target, preds) / len(target),
        "purity": table.max(axis=0).sum() / n,
        "homogeneity": h,
        "completeness": c,
        "v_measure": v,
        "rand": skm.rand_score(target, preds),
        "fmi": skm.fowlkes_mallows_score(target, preds),
        **pair_scores(target, preds),
        "bcubed_precision": precision,
        "bcubed_recall": recall,
        "bcubed_f": 2 * precision * recall / (precision + recall),
        "vi_nats": vi,
        "vi_bits": vi / np.log(2),
        "nvi": vi / joint if joint > 0 else 0.0,
    }


def metric_keys(row: dict) -> list[str]:
    return [key for key in row if key not in ROW_KEYS]


def assert_row_matches(row: dict, target, preds, average_method: str = "arithmetic",
                       metrics=SCORE_KEYS) -> None:
    assert row["clusters"] == len(set(np.asarray(preds).tolist()))
    assert row["samples"] == len(target)
    assert metric_keys(row) == list(metrics)
    expected = sklearn_scores(target, preds, average_method)
    for key in metrics:
        if key == "acc":  # matched / n of two exact integers: the same float64
            assert row[key] == expected[key], row["preds"]
        else:
            assert row[key] == pytest.approx(expected[key], abs=1e-10), (row["preds"], key)


def assert_matches_sklearn(report: dict, target, columns: dict, average_method: str = "arithmetic",
                           metrics=SCORE_KEYS) -> None:
    assert report["metrics"] == list(metrics)
    assert [row["preds"] for row in report["scores"]] == list(columns)
    assert report["samples"] == len(target)
    assert report["target_clusters"] == len(set(np.asarray(target).tolist()))
    for row in report["scores"]:
        assert_row_matches(row, target, columns[row["preds"]], average_method, metrics)


def assert_same_scores(left: dict, right: dict) -> None:
    assert left["samples"] == right["samples"] and left["target_clusters"] == right["target_clusters"]
    assert left["metrics"] == right["metrics"]
    assert len(left["scores"]) == len(right["scores"])
    for a, b in zip(left["scores"], right["scores"]):
        assert a["preds"] == b["preds"] and a["clusters"] == b["clusters"] and a["samples"] == b["samples"]
        assert metric_keys(a) == metric_keys(b) == left["metrics"]
        for key in left["metrics"]:
            assert a[key] == pytest.approx(b[key], abs=1e-13), (a["preds"], key)



def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def csv_text(columns: dict[str, np.ndarray], delimiter: str = ",") -> str:
    rows = zip(*(np.asarray(values).tolist() for values in columns.values()))
    return delimiter.join(columns) + "\n" + "".join(delimiter.join(map(str, row)) + "\n" for row in rows)
