"""Running ``torch-mi`` in-process, and checking its reports against scikit-learn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from torch_mi.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "torch_mi" / "data" / "digits_clusterings.csv"
SCORE_KEYS = ("mi_nats", "mi_bits", "nmi", "ami", "homogeneity", "completeness", "v_measure")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--no-progress"])
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv: str) -> dict:
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    return json.loads(out)


def sklearn_scores(target, preds, average_method: str = "arithmetic") -> dict[str, float]:
    h, c, v = skm.homogeneity_completeness_v_measure(target, preds)
    mi = skm.mutual_info_score(target, preds)
    return {
        "mi_nats": mi,
        "mi_bits": mi / np.log(2),
        "nmi": skm.normalized_mutual_info_score(target, preds, average_method=average_method),
        "ami": skm.adjusted_mutual_info_score(target, preds, average_method=average_method),
        "homogeneity": h,
        "completeness": c,
        "v_measure": v,
    }


def assert_row_matches(row: dict, target, preds, average_method: str = "arithmetic") -> None:
    assert row["clusters"] == len(set(np.asarray(preds).tolist()))
    assert row["samples"] == len(target)
    expected = sklearn_scores(target, preds, average_method)
    for key in SCORE_KEYS:
        assert row[key] == pytest.approx(expected[key], abs=1e-10), (row["preds"], key)


def assert_matches_sklearn(report: dict, target, columns: dict, average_method: str = "arithmetic") -> None:
    assert [row["preds"] for row in report["scores"]] == list(columns)
    assert report["samples"] == len(target)
    assert report["target_clusters"] == len(set(np.asarray(target).tolist()))
    for row in report["scores"]:
        assert_row_matches(row, target, columns[row["preds"]], average_method)


def assert_same_scores(left: dict, right: dict) -> None:
    assert left["samples"] == right["samples"] and left["target_clusters"] == right["target_clusters"]
    assert len(left["scores"]) == len(right["scores"])
    for a, b in zip(left["scores"], right["scores"]):
        assert a["preds"] == b["preds"] and a["clusters"] == b["clusters"] and a["samples"] == b["samples"]
        for key in SCORE_KEYS:
            assert a[key] == pytest.approx(b[key], abs=1e-13)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def csv_text(columns: dict[str, np.ndarray], delimiter: str = ",") -> str:
    rows = zip(*(np.asarray(values).tolist() for values in columns.values()))
    return delimiter.join(columns) + "\n" + "".join(delimiter.join(map(str, row)) + "\n" for row in rows)
