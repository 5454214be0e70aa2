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

import torch_mi.functional as F
from torch_mi.cli import InputError, score_table
from torch_mi.cli.metric_registry import DEFAULT, NAMES, choose_metrics, help_text
from torch_mi.cli.score import _collection

from .cli_helpers import (
    SCORE_KEYS,
    assert_matches_sklearn,
    assert_row_matches,
    csv_text,
    metric_keys,
    run,
    run_json,
    sklearn_scores,
)

PAPERS = ["nmi", "ami", "ari", "acc"]  # the clustering papers' report
# The registry's order, written out: the columns of --metrics all.
REGISTRY_ORDER = ["mi_nats", "mi_bits", "nmi", "ami", "ari", "acc", "purity", "homogeneity", "completeness",
                  "v_measure", "rand", "fmi", "pairwise_precision", "pairwise_recall", "pairwise_f", "pair_jaccard",
                  "bcubed_precision", "bcubed_recall", "bcubed_f", "vi_nats", "vi_bits", "nvi"]
REGISTRY_HEADINGS = ["MI (nats)", "MI (bits)", "NMI", "AMI", "ARI", "ACC", "purity", "homogeneity", "completeness",
                     "V-measure", "Rand", "FMI", "pair P", "pair R", "pair F", "pair Jaccard", "BCubed P", "BCubed R",
                     "BCubed F", "VI (nats)", "VI (bits)", "NVI"]
# The pair-counting precision / recall / F1 / Jaccard: in --metrics all, not in the default.
PAIR = ["pairwise_precision", "pairwise_recall", "pairwise_f", "pair_jaccard"]
PAIR_HEADINGS = ["pair P", "pair R", "pair F", "pair Jaccard"]


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
    assert [itself[name] for name in PAIR] == [1.0] * 4


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


# ------------------------------------------------------- purity, BCubed and the pair scores
SEVERAL = ("noisy", "words", "random", "truth")  # one collection with num_clusterings=4
# Scores that are one integer ratio, rounded once: the same float64 however the input is streamed.
EXACT = {"purity", *PAIR}


def _ids(values) -> torch.Tensor:
    """Labels (strings or integers) as ids 0..k-1: what the functional scores take."""
    return torch.from_numpy(np.unique(np.asarray(values), return_inverse=True)[1].reshape(-1))


def functional_scores(target, columns: dict) -> dict[str, list[float]]:
    """Purity, BCubed and the pair scores of every column, from torch_mi.functional on one (B, N) batch."""
    preds, target = torch.stack([_ids(values) for values in columns.values()]), _ids(target)
    scores = {"purity": F.purity_score(preds, target), "bcubed_precision": F.bcubed_precision(preds, target),
              "bcubed_recall": F.bcubed_recall(preds, target), "bcubed_f": F.bcubed_fscore(preds, target),
              "pairwise_precision": F.pairwise_precision(preds, target),
              "pairwise_recall": F.pairwise_recall(preds, target), "pairwise_f": F.pairwise_fscore(preds, target),
              "pair_jaccard": F.pair_jaccard_index(preds, target)}
    return {name: value.tolist() for name, value in scores.items()}


def assert_matches_functional(rows: list[dict], target, columns: dict, metrics: list[str]) -> None:
    assert [row["preds"] for row in rows] == list(columns)
    expected = functional_scores(target, columns)
    for i, row in enumerate(rows):
        assert [key for key in metric_keys(row) if key in expected] == [key for key in metrics if key in expected]
        for name in metrics:
            if name not in expected:
                continue
            if name in EXACT:  # an integer ratio (count over n, pair counts), rounded once: the same float64
                assert row[name] == expected[name][i], row["preds"]
            else:  # products of shares summed over the table: the order of the sum may move the last bit
                assert row[name] == pytest.approx(expected[name][i], rel=0, abs=1e-15), (row["preds"], name)


@pytest.mark.parametrize("metrics", ["purity,bcubed_f", "bcubed_recall,Purity,bcubed-precision,bcubed_f",
                                     "pairwise_precision,pair_jaccard",
                                     "pair_jaccard,Pairwise-F,pairwise_recall,pairwise_precision"])
@pytest.mark.parametrize("preds", [("noisy",), SEVERAL], ids=["one preds column", "several preds columns"])
def test_purity_bcubed_and_pair_scores_match_the_functional_scores(capsys, csv_file, labels, metrics, preds):
    names = [name.lower().replace("-", "_") for name in metrics.split(",")]
    columns = {name: labels[name] for name in preds}
    # A small block: many batches, each one update of the shared table.
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", *preds, "--metrics", metrics,
                      "--block-size", "1024")
    assert report["metrics"] == names
    assert all(metric_keys(row) == names for row in report["scores"])
    assert_matches_functional(report["scores"], labels["truth"], columns, names)
    for row in report["scores"]:  # and the references from scikit-learn's tables
        assert_row_matches(row, labels["truth"], columns[row["preds"]], metrics=names)


@pytest.mark.parametrize("metrics", [["purity", "bcubed_f"], PAIR])
@pytest.mark.parametrize("preds", [("words",), SEVERAL], ids=["one preds column", "several preds columns"])
def test_score_table_reports_purity_bcubed_and_pair_scores(labels, preds, metrics):
    table = pa.table({"truth": labels["truth"], **{name: labels[name] for name in preds}})
    report = score_table(table, "truth", list(preds), metrics=metrics, batch_rows=50)
    assert report.metrics == metrics
    rows = [row.as_dict() for row in report.scores]
    assert_matches_functional(rows, labels["truth"], {name: labels[name] for name in preds}, report.metrics)
    row = report.scores[0]
    assert tuple(getattr(row, name) for name in metrics) == tuple(row[name] for name in metrics)


@pytest.mark.parametrize("metrics", [["purity", "bcubed_f"], PAIR])
def test_purity_bcubed_and_pair_scores_per_column_samples(capsys, tmp_path, labels, metrics):
    # --ignore-preds-label: one table per column, each scored on the samples it did not label -1.
    noise = np.where(np.arange(600) % 4 == 0, -1, labels["noisy"])
    path = tmp_path / "labels.csv"
    path.write_text(csv_text({"t": labels["truth"], "p": noise, "q": labels["random"]}))
    report = run_json(capsys, str(path), "--target", "t", "--ignore-preds-label", "-1", "--metrics", ",".join(metrics))
    for row, column in zip(report["scores"], (noise, labels["random"])):
        kept = column != -1
        assert row["samples"] == int(kept.sum())
        assert_matches_functional([row], labels["truth"][kept], {row["preds"]: column[kept]}, metrics)
        assert_row_matches(row, labels["truth"][kept], column[kept], metrics=metrics)


@pytest.mark.parametrize("metrics, headings, ending", [
    (["purity", "bcubed_precision", "bcubed_recall", "bcubed_f"], ["purity", "BCubed P", "BCubed R", "BCubed F"],
     "   purity  BCubed P  BCubed R  BCubed F"),
    (PAIR, PAIR_HEADINGS, "    pair P    pair R    pair F  pair Jaccard"),
], ids=["purity and BCubed", "pair scores"])
def test_purity_bcubed_and_pair_scores_in_the_table_and_markdown(capsys, csv_file, labels, metrics, headings, ending):
    argv = (str(csv_file), "--target", "truth", "--preds", "noisy", "words", "--metrics", ",".join(metrics),
            "--precision", "6")
    expected = functional_scores(labels["truth"], {name: labels[name] for name in ("noisy", "words")})
    values = {name: [f"{expected[key][i]:.6f}" for key in metrics] for i, name in enumerate(("noisy", "words"))}
    status, markdown, _ = run(capsys, *argv, "--format", "markdown")
    assert status == 0
    lines = markdown.splitlines()
    assert lines[0].endswith("has 6 clusters")  # none of them uses --average-method
    assert lines[2] == "| " + " | ".join(["preds", "clusters", *headings]) + " |"
    for line, name in zip(lines[4:], ("noisy", "words")):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells == [name, str(len(set(labels[name].tolist()))), *values[name]]
    status, table, _ = run(capsys, *argv)
    assert status == 0
    lines = table.splitlines()
    assert lines[0].endswith("has 6 clusters")
    header = lines[2]
    assert header.endswith(ending)
    assert [len(line) for line in lines[3:]] == [len(header)] * 2  # aligned under the headings
    for line, name in zip(lines[3:], ("noisy", "words")):
        assert line.split() == [name, str(len(set(labels[name].tolist()))), *values[name]]


def test_all_lists_the_new_scores_in_registry_order(capsys, csv_file, labels):
    assert list(NAMES) == REGISTRY_ORDER
    assert choose_metrics("all")[0] == REGISTRY_ORDER
    assert choose_metrics("bcubed_f,all,purity")[0] == ["bcubed_f", *(n for n in REGISTRY_ORDER if n != "bcubed_f")]
    columns = {name: labels[name] for name in SEVERAL}
    argv = (str(csv_file), "--target", "truth", "--preds", *SEVERAL, "--metrics", "all")
    report = run_json(capsys, *argv)
    assert report["metrics"] == REGISTRY_ORDER
    assert all(metric_keys(row) == REGISTRY_ORDER for row in report["scores"])
    assert_matches_functional(report["scores"], labels["truth"], columns, REGISTRY_ORDER)
    status, markdown, _ = run(capsys, *argv, "--format", "markdown")
    assert status == 0
    assert markdown.splitlines()[2] == "| " + " | ".join(["preds", "clusters", *REGISTRY_HEADINGS]) + " |"
    status, text, _ = run(capsys, *argv, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["preds", "clusters", "samples", *REGISTRY_ORDER]
    assert [[float(row[key]) for key in REGISTRY_ORDER] for row in rows] == \
        [[row[key] for key in REGISTRY_ORDER] for row in report["scores"]]


def test_a_labeling_against_itself_scores_one_on_the_pair_scores(capsys, csv_file, tmp_path, labels):
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "truth", "--metrics", ",".join(PAIR))
    assert [report["scores"][0][name] for name in PAIR] == [1.0] * 4
    # The limit cases: a side that joins no pair has nothing wrong to claim. Singletons against
    # themselves join no pair at all (0 / 0 everywhere: 1); singletons against one cluster claim
    # nothing (precision 1) and keep nothing (recall, F and Jaccard 0); one cluster against
    # singletons joins only wrong pairs (precision 0) and splits none of the target's (recall 1).
    columns = {"singletons": np.arange(50), "one": np.zeros(50, dtype=np.int64)}
    targets = {"t_single": columns["singletons"], "t_one": columns["one"]}
    path = tmp_path / "limits.csv"
    path.write_text(csv_text({**targets, **columns}))
    expected = {"t_single": {"singletons": [1.0, 1.0, 1.0, 1.0], "one": [0.0, 1.0, 0.0, 0.0]},
                "t_one": {"singletons": [1.0, 0.0, 0.0, 0.0], "one": [1.0, 1.0, 1.0, 1.0]}}
    for target, scores in expected.items():
        report = run_json(capsys, str(path), "--target", target, "--preds", *columns, "--metrics", ",".join(PAIR))
        assert {row["preds"]: [row[name] for name in PAIR] for row in report["scores"]} == scores, target
        for name, values in scores.items():  # the reference agrees on the limits
            reference = sklearn_scores(targets[target], columns[name])
            assert [reference[key] for key in PAIR] == values, (target, name)


def test_pair_scores_are_in_all_after_fmi_and_not_in_the_default(capsys, csv_file):
    assert not set(PAIR) & set(DEFAULT)
    chosen = choose_metrics("all")[0]
    assert chosen[chosen.index("fmi") + 1:chosen.index("fmi") + 5] == PAIR
    assert choose_metrics("PAIR-Jaccard,all")[0] == ["pair_jaccard",
                                                     *(n for n in REGISTRY_ORDER if n != "pair_jaccard")]
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "noisy")
    assert report["metrics"] == list(DEFAULT) and not set(PAIR) & set(report["scores"][0])
    described = [line.split()[0] for line in help_text().splitlines()]  # the --metrics part of --help
    assert described == [*REGISTRY_ORDER, "all"]
    assert [line.split(None, 1)[1] for line in help_text().splitlines()][12:16] == [
        "pairwise precision: share of pairs joined in preds that the target joins",
        "pairwise recall: share of pairs joined in the target that preds joins",
        "harmonic mean of pairwise precision and recall",
        "Jaccard index of the pairs joined: tp / (tp + fp + fn)"]


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
    assert status == 0 and "ACC" not in out and "VI (nats)" in out and "BCubed F" in out and "left out" in err


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
