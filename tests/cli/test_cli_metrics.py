"""--metrics: which scores are reported, in which order, and what happens without SciPy."""

from __future__ import annotations

import csv
import functools
import io
import sys
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest
import torch
from .cli_helpers import (SCORE_KEYS, assert_matches_sklearn, assert_row_matches, csv_text, run, run_json,
                         sklearn_scores)

from torch_mi.cli import InputError, score_table
from torch_mi.cli.metric_registry import DEFAULT, NAMES, choose_metrics
from torch_mi.cli.score import _collection

PAPERS = ["nmi", "ami", "ari", "acc"]  # the clustering papers' report


def test_default_is_the_mi_family_with_ari_and_acc(capsys, csv_file, labels):
    assert {"ari", "acc"} <= set(DEFAULT) and set(DEFAULT) < set(NAMES)
    preds = {name: labels[name] for name in ("noisy", "words", "random")}
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", *preds)
    assert_matches_sklearn(report, labels["truth"], preds, metrics=DEFAULT)


@pytest.mark.parametrize("average_method", ["min", "max"])
def test_chosen_metrics_in_the_order_asked(capsys, csv_file, labels, average_method):
    preds = {name: labels[name] for name in ("noisy", "words")}
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", *preds,
                      "--metrics", "acc,nmi", "--metrics", "ARI", "--metrics", "ami",
                      "--average-method", average_method)
    assert_matches_sklearn(report, labels["truth"], preds, average_method, metrics=["acc", "nmi", "ari", "ami"])


def test_all_metrics_against_sklearn(capsys, csv_file, labels):
    preds = {name: labels[name] for name in ("noisy", "words", "random", "truth")}
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", *preds, "--metrics", "all")
    assert_matches_sklearn(report, labels["truth"], preds, metrics=NAMES)
    itself = report["scores"][-1]  # the target against itself
    assert (itself["ari"], itself["acc"], itself["vi_nats"], itself["nvi"]) == (1.0, 1.0, 0.0, 0.0)
    assert (itself["purity"], itself["bcubed_precision"], itself["bcubed_recall"], itself["bcubed_f"]) == (1.0,) * 4


def test_per_column_samples_with_ari_and_acc(capsys, tmp_path, labels):
    # --ignore-preds-label: one table per column; ARI and ACC are scored on each column's own samples.
    noise = np.where(np.arange(600) % 4 == 0, -1, labels["noisy"])
    path = tmp_path / "labels.csv"
    path.write_text(csv_text({"t": labels["truth"], "p": noise, "q": labels["random"]}))
    report = run_json(capsys, str(path), "--target", "t", "--ignore-preds-label", "-1", "--metrics", "ari,acc")
    assert report["samples"] == 600
    for row, column in zip(report["scores"], (noise, labels["random"])):
        kept = column != -1
        assert_row_matches(row, labels["truth"][kept], column[kept], metrics=["ari", "acc"])


def test_chosen_columns_in_every_output_format(capsys, csv_file):
    argv = (str(csv_file), "--target", "truth", "--preds", "noisy", "--metrics", ",".join(PAPERS))
    status, table, _ = run(capsys, *argv)
    assert status == 0
    lines = table.splitlines()
    assert lines[0].endswith("NMI and AMI use the arithmetic mean")
    assert lines[2].split() == ["preds", "clusters", "NMI", "AMI", "ARI", "ACC"]
    status, markdown, _ = run(capsys, *argv, "--format", "markdown")
    assert markdown.splitlines()[2] == "| preds | clusters | NMI | AMI | ARI | ACC |"
    status, text, _ = run(capsys, *argv, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["preds", "clusters", "samples", *PAPERS]
    report = run_json(capsys, *argv)
    assert list(report["scores"][0]) == ["preds", "clusters", "samples", *PAPERS]
    assert [float(rows[0][key]) for key in PAPERS] == [report["scores"][0][key] for key in PAPERS]


@pytest.mark.parametrize(("metrics", "ending"), [
    ("nmi,ari", "has 6 clusters; NMI uses the arithmetic mean"),
    ("ari,acc", "has 6 clusters"),
], ids=["nmi only", "no mi"])
def test_title_names_the_mean_only_for_the_scores_that_use_it(capsys, csv_file, metrics, ending):
    status, out, _ = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "--metrics", metrics)
    assert status == 0 and out.splitlines()[0].endswith(ending)


def test_score_table_takes_metrics(labels):
    table = pa.table({name: labels[name] for name in ("truth", "noisy")})
    report = score_table(table, "truth", metrics=["ari", "acc,fmi"])
    assert report.metrics == ["ari", "acc", "fmi"]
    row = report.scores[0]
    assert list(row.values) == ["ari", "acc", "fmi"]
    assert row.ari == row["ari"] == row.values["ari"]
    with pytest.raises(AttributeError, match="'nmi'"):
        _ = row.nmi  # not reported
    assert score_table(table, "truth").metrics == list(DEFAULT)


@pytest.mark.parametrize(("metrics", "fragment"), [
    ("nmi,bogus", "unknown metric 'bogus'; choose from mi_nats, mi_bits, nmi, ami, ari, acc"),
    (",", "no metric named"),
    ([3], "metrics must be names"),
])
def test_bad_metrics_in_the_api_raise_before_reading(metrics, fragment):
    class Unreadable:  # would fail if it were read
        def __arrow_c_stream__(self, *args):
            raise AssertionError("read before the metrics were checked")
    with pytest.raises(InputError, match=fragment):
        score_table(Unreadable(), "t", metrics=metrics)


def test_one_compute_group_and_one_table_update_per_batch():
    collection = _collection(list(NAMES), 2, "arithmetic", torch.device("cpu"))
    assert list(collection.compute_groups.values()) == [list(NAMES)]
    updates = Counter()
    for name, metric in collection.items(copy_state=False):
        metric.update = functools.partial(_counted, updates, name, metric.update)
    preds, target = np.array([[0, 0, 1, 1, 2], [5, 6, 5, 6, 5]]), np.array([0, 0, 1, 1, 1])
    for _ in range(3):
        collection.update(torch.from_numpy(preds), torch.from_numpy(target))
    assert updates == {NAMES[0]: 3}  # the other metrics read its table
    values = collection.compute()
    for i in range(2):  # every metric saw all three batches
        expected = sklearn_scores(np.tile(target, 3), np.tile(preds[i], 3))
        for name in NAMES:
            assert values[name][i].item() == pytest.approx(expected[name], abs=1e-12), (name, i)


def _counted(updates: Counter, name: str, update, *args, **kwargs):
    updates[name] += 1
    return update(*args, **kwargs)


# ------------------------------------------------------------------------------ without SciPy
@pytest.fixture()
def no_scipy(monkeypatch):
    """Imports of SciPy fail, as where the accuracy extra is not installed."""
    for name in [name for name in sys.modules if name == "scipy" or name.startswith("scipy.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "scipy", None)


def test_without_scipy_the_default_leaves_acc_out_with_a_note(capsys, csv_file, labels, no_scipy):
    status, out, err = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "--json")
    assert status == 0
    assert err == "torch-mi: note: ACC (cluster accuracy) left out: it needs scipy: pip install 'torch_mi[accuracy]'\n"
    assert "acc" not in out
    status, out, err = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "--metrics", "all")
    assert status == 0 and "ACC" not in out and "VI (nats)" in out and "left out" in err


def test_without_scipy_asking_for_acc_is_an_error(capsys, csv_file, no_scipy):
    status, out, err = run(capsys, str(csv_file), "--target", "truth", "--metrics", "nmi,acc")
    assert (status, out) == (2, "")
    assert err == ("torch-mi: error: metric 'acc' (cluster accuracy) needs scipy: "
                   "pip install 'torch_mi[accuracy]'\n")


def test_without_scipy_the_api_warns_or_raises(labels, no_scipy):
    table = pa.table({name: labels[name] for name in ("truth", "noisy")})
    with pytest.warns(UserWarning, match=r"ACC \(cluster accuracy\) left out"):
        report = score_table(table, "truth")
    assert report.metrics == [name for name in DEFAULT if name != "acc"]
    with pytest.raises(InputError, match="needs scipy"):
        score_table(table, "truth", metrics="acc")


def test_choose_metrics_without_scipy_keeps_the_order(no_scipy):
    assert choose_metrics(None)[0] == [name for name in SCORE_KEYS if name != "acc"]
    assert choose_metrics("ari,nmi") == (["ari", "nmi"], None)
