"""The bundled example, the entry points, and the four output formats."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import torch_mi
from torch_mi.cli import main

from .cli_helpers import EXAMPLE, REPO, SCORE_KEYS, assert_matches_sklearn, run, run_json


def test_no_input_scores_the_bundled_example(capsys):
    status, out, err = run(capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert "1797 samples" in lines[0] and "'digit' has 10 clusters" in lines[0]
    assert lines[2].split()[:3] == ["preds", "clusters", "MI"]
    assert [line.split()[0] for line in lines[3:]] == [
        "kmeans_5", "kmeans_10", "kmeans_15", "kmeans_20", "kmeans_10_pca2", "random_10"
    ]


def test_example_json_matches_sklearn(capsys):
    data = np.genfromtxt(EXAMPLE, delimiter=",", names=True, dtype=np.int64)
    columns = {name: data[name] for name in data.dtype.names if name != "digit"}
    report = run_json(capsys)
    assert report["source"] == "digits_clusterings.csv (bundled example)"
    assert_matches_sklearn(report, data["digit"], columns)


def test_example_with_chosen_columns(capsys):
    report = run_json(capsys, "--preds", "kmeans_10", "--average-method", "max")
    assert [row["preds"] for row in report["scores"]] == ["kmeans_10"]
    assert report["average_method"] == "max"


def test_module_entry_point_runs_in_a_subprocess():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "torch_mi", "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["scores"]) == 6


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"torch-mi {torch_mi.__version__}"


def test_table_output_lists_every_preds_column(capsys, csv_file):
    status, out, err = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "words",
                           "--precision", "6")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"{csv_file}: 600 samples")
    assert lines[2].split() == ["preds", "clusters", "MI", "(nats)", "MI", "(bits)", "NMI", "AMI", "ARI", "ACC",
                                "homogeneity", "completeness", "V-measure"]
    assert [line.split()[0] for line in lines[3:]] == ["noisy", "words"]
    assert len(lines[3].split()[2].split(".")[1]) == 6
    assert len({len(line) for line in lines[2:]}) == 1  # aligned: every number ends where its heading ends


def test_csv_output_has_full_precision(capsys, csv_file):
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "noisy,words")
    status, out, _ = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy,words", "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["preds"] for row in rows] == ["noisy", "words"]
    for row, expected in zip(rows, report["scores"]):
        assert int(row["clusters"]) == expected["clusters"] and int(row["samples"]) == 600
        for key in SCORE_KEYS:
            assert float(row[key]) == expected[key]  # repr round-trips a float64 exactly


def test_markdown_output_is_a_table(capsys, csv_file):
    status, out, _ = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "--format", "markdown")
    assert status == 0
    lines = out.splitlines()
    assert lines[2].startswith("| preds | clusters | MI (nats) |")
    assert lines[3].startswith("|---|---:|")
    assert lines[4].startswith("| noisy | ")


def test_json_flag_is_format_json(capsys, csv_file):
    argv = (str(csv_file), "--target", "truth", "--preds", "noisy")
    assert run(capsys, *argv, "--json")[1] == run(capsys, *argv, "--format", "json")[1]


def test_progress_bar_stays_off_without_a_terminal(capsys, csv_file):
    status = main([str(csv_file), "--target", "truth", "--preds", "noisy", "--block-size", "64"])
    assert status == 0
    assert capsys.readouterr().err == ""
