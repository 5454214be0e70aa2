"""The ``torch-mi`` command line: formats, label kinds, streaming, output, and its errors."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from sklearn import metrics as skm

import torch_mi
from torch_mi.cli import main

REPO = Path(__file__).resolve().parent.parent
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


def assert_matches_sklearn(report: dict, target, columns: dict, average_method: str = "arithmetic") -> None:
    assert [row["preds"] for row in report["scores"]] == list(columns)
    assert report["samples"] == len(target)
    assert report["target_clusters"] == len(set(target))
    for row in report["scores"]:
        preds = columns[row["preds"]]
        assert row["clusters"] == len(set(preds))
        expected = sklearn_scores(target, preds, average_method)
        for key in SCORE_KEYS:
            assert row[key] == pytest.approx(expected[key], abs=1e-10), (row["preds"], key)


def assert_same_scores(left: dict, right: dict) -> None:
    assert left["samples"] == right["samples"] and left["target_clusters"] == right["target_clusters"]
    assert len(left["scores"]) == len(right["scores"])
    for a, b in zip(left["scores"], right["scores"]):
        assert a["clusters"] == b["clusters"]
        for key in SCORE_KEYS:
            assert a[key] == pytest.approx(b[key], abs=1e-13)


@pytest.fixture(scope="module")
def labels() -> dict[str, np.ndarray]:
    """600 samples: a string target, a noisy integer copy of it, and string and random clusterings."""
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 6, 600)
    names = np.array(["ant", "bee", "cat", "dog", "eel", "fox"])
    noisy = np.where(rng.random(600) < 0.8, truth * 3 + 100, rng.integers(-5, 5, 600))
    return {
        "truth": names[truth],
        "noisy": noisy,
        "words": np.array([f"c{value}" for value in rng.integers(0, 9, 600)]),
        "random": rng.integers(0, 40, 600),
    }


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory, labels) -> Path:
    path = tmp_path_factory.mktemp("csv") / "labels.csv"
    rows = zip(*(values.tolist() for values in labels.values()))
    path.write_text(",".join(labels) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))
    return path


# ------------------------------------------------------------------------------ the example
def test_no_file_scores_the_bundled_example(capsys):
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
    assert report["source"].startswith("digits_clusterings.csv")
    assert_matches_sklearn(report, data["digit"], columns)


def test_example_with_chosen_columns(capsys):
    report = run_json(capsys, "--preds", "kmeans_10", "--average-method", "max")
    assert [row["preds"] for row in report["scores"]] == ["kmeans_10"]
    assert report["average_method"] == "max"
    status, _, err = run(capsys, "--preds", "kmeans_99")
    assert status == 2
    assert err.startswith("torch-mi: error: column 'kmeans_99' not found in digits_clusterings.csv (bundled example);")


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


# --------------------------------------------------------------------------------- formats
@pytest.mark.parametrize("average_method", ["arithmetic", "geometric"])
def test_csv_with_string_labels_and_several_preds(capsys, csv_file, labels, average_method):
    preds = {name: labels[name] for name in ("noisy", "words", "random", "truth")}
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", *preds,
                      "--average-method", average_method)
    assert report["format"] == "csv"
    assert_matches_sklearn(report, labels["truth"], preds, average_method)
    assert report["scores"][-1]["nmi"] == 1.0  # the target against itself


def test_table_output_lists_every_preds_column(capsys, csv_file):
    status, out, err = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "words",
                           "--precision", "6")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"{csv_file}: 600 samples")
    assert lines[2].split() == ["preds", "clusters", "MI", "(nats)", "MI", "(bits)", "NMI", "AMI",
                                "homogeneity", "completeness", "V-measure"]
    assert [line.split()[0] for line in lines[3:]] == ["noisy", "words"]
    assert len(lines[3].split()[2].split(".")[1]) == 6
    # aligned: every number ends where its heading ends
    assert len({len(line) for line in lines[2:]}) == 1


def test_tsv_and_gzip_csv(capsys, tmp_path, labels, csv_file):
    expected = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "words")
    tsv = tmp_path / "labels.tsv"
    tsv.write_text(csv_file.read_text().replace(",", "\t"))
    gz = tmp_path / "labels.csv.gz"
    gz.write_bytes(gzip.compress(csv_file.read_bytes()))
    for path in (tsv, gz):
        assert_same_scores(run_json(capsys, str(path), "--target", "truth", "--preds", "noisy", "words"), expected)


def test_parquet_with_row_groups_and_dictionary_strings(capsys, tmp_path, labels):
    path = tmp_path / "labels.parquet"
    table = pa.table({
        "truth": pa.array(labels["truth"]).dictionary_encode(),
        "noisy": pa.array(labels["noisy"], pa.int32()),
        "words": pa.array(labels["words"]),
        "flag": pa.array(labels["random"] % 2 == 0),
    })
    pq.write_table(table, path, row_group_size=100)
    preds = {"noisy": labels["noisy"], "words": labels["words"], "flag": labels["random"] % 2 == 0}
    report = run_json(capsys, str(path), "--target", "truth", "--preds", *preds, "--batch-rows", "37")
    assert report["format"] == "parquet"
    assert_matches_sklearn(report, labels["truth"], preds)


def test_npy_two_dimensional_columns_by_index(capsys, tmp_path, labels):
    path = tmp_path / "labels.npy"
    array = np.stack([labels["noisy"], labels["random"], labels["noisy"] // 2], axis=1)
    np.save(path, array)
    report = run_json(capsys, str(path), "--target", "0", "--preds", "1", "2", "--batch-rows", "64")
    assert_matches_sklearn(report, array[:, 0], {"1": array[:, 1], "2": array[:, 2]})


def test_npy_structured_and_fortran_order(capsys, tmp_path, labels):
    structured = np.zeros(600, dtype=[("y", "<i8"), ("name", "<U8")])
    structured["y"], structured["name"] = labels["noisy"], labels["words"]
    np.save(tmp_path / "rec.npy", structured)
    report = run_json(capsys, str(tmp_path / "rec.npy"), "--target", "y", "--preds", "name")
    assert_matches_sklearn(report, labels["noisy"], {"name": labels["words"]})

    fortran = np.asfortranarray(np.stack([labels["noisy"], labels["random"]], axis=1).astype(np.int16))
    np.save(tmp_path / "fortran.npy", fortran)
    report = run_json(capsys, str(tmp_path / "fortran.npy"), "--target", "1", "--preds", "0", "--batch-rows", "50")
    assert_matches_sklearn(report, labels["random"], {"0": labels["noisy"]})


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed], ids=["stored", "compressed"])
def test_npz_arrays_by_key(capsys, tmp_path, labels, save):
    path = tmp_path / "labels.npz"
    save(path, truth=labels["truth"], noisy=labels["noisy"],
         random=labels["random"].astype(">u2"), other=np.zeros((3, 3)))  # big-endian, and a non-label array
    preds = {"noisy": labels["noisy"], "random": labels["random"]}
    report = run_json(capsys, str(path), "--target", "truth", "--preds", *preds, "--batch-rows", "50")
    assert report["format"] == "npz"
    assert_matches_sklearn(report, labels["truth"], preds)


def test_format_option_overrides_the_name(capsys, tmp_path, csv_file, labels):
    path = tmp_path / "labels.data"
    path.write_bytes(csv_file.read_bytes())
    report = run_json(capsys, str(path), "--format", "csv", "--target", "truth", "--preds", "noisy")
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"]})


def test_parquet_found_by_magic_bytes(capsys, tmp_path, labels):
    path = tmp_path / "labels.bin"
    pq.write_table(pa.table({"t": labels["noisy"], "p": labels["random"]}), path)
    report = run_json(capsys, str(path), "--target", "t", "--preds", "p")
    assert report["format"] == "parquet"


# ------------------------------------------------------------------------------- streaming
def test_many_small_csv_blocks_equal_one_block(capsys, csv_file):
    argv = (str(csv_file), "--target", "truth", "--preds", "noisy", "words", "random")
    whole = run_json(capsys, *argv, "--block-size", str(1 << 20))
    pieces = run_json(capsys, *argv, "--block-size", "64")  # about 3 rows a block: ~200 batches
    assert_same_scores(pieces, whole)


def test_many_small_parquet_batches_equal_one_batch(capsys, tmp_path, labels):
    path = tmp_path / "labels.parquet"
    pq.write_table(pa.table({name: labels[name] for name in ("truth", "noisy", "words")}), path)
    argv = (str(path), "--target", "truth", "--preds", "noisy", "words")
    assert_same_scores(run_json(capsys, *argv, "--batch-rows", "3"), run_json(capsys, *argv))


def test_csv_column_with_text_after_integer_blocks(capsys, tmp_path):
    # pyarrow types a CSV column from its first block; text further down restarts it as text.
    rng = np.random.default_rng(3)
    target = rng.integers(0, 4, 300)
    preds = [str(value) for value in rng.integers(0, 5, 300)]
    preds[250] = preds[290] = "noise"
    path = tmp_path / "late_text.csv"
    path.write_text("t,p\n" + "".join(f"{t},{p}\n" for t, p in zip(target, preds)))
    report = run_json(capsys, str(path), "--target", "t", "--preds", "p", "--block-size", "256")
    assert_matches_sklearn(report, target, {"p": np.array(preds)})


def test_csv_dates_are_text_labels(capsys, tmp_path):
    days = [f"2024-01-0{i % 3 + 1}" for i in range(30)]
    path = _write(tmp_path / "dates.csv", "day,p\n" + "".join(f"{day},{i % 4}\n" for i, day in enumerate(days)))
    report = run_json(capsys, str(path), "--target", "day", "--preds", "p")
    assert_matches_sklearn(report, np.array(days), {"p": np.arange(30) % 4})


def test_progress_bar_stays_off_without_a_terminal(capsys, csv_file):
    status = main([str(csv_file), "--target", "truth", "--preds", "noisy", "--block-size", "64"])
    assert status == 0
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------------- errors
def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (argv, a fragment of the expected message)."""
    ints = "t,p,f,gap\n" + "".join(f"{i % 3},{i % 4},{i / 7},{'' if i == 5 else i}\n" for i in range(20))
    csv = _write(tmp / "ok.csv", ints)
    late_float = _write(tmp / "late_float.csv", "t,p\n" + "".join(f"{i % 3},{i}\n" for i in range(200)) + "1,2.5\n")
    np.save(tmp / "floats.npy", np.random.default_rng(0).random((10, 2)))
    np.save(tmp / "cube.npy", np.zeros((2, 2, 2), dtype=np.int64))
    np.save(tmp / "objects.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    np.savez(tmp / "uneven.npz", t=np.arange(10), p=np.arange(9))
    np.savez(tmp / "matrix.npz", t=np.arange(4), p=np.zeros((2, 2), dtype=np.int64))
    np.savez(tmp / "floats.npz", t=np.arange(4), p=np.linspace(0, 1, 4))
    pq.write_table(pa.table({"t": pa.array([], pa.int64()), "p": pa.array([], pa.string())}), tmp / "no_rows.parquet")
    (tmp / "garbage.parquet").write_bytes(b"this is not parquet at all")
    (tmp / "garbage.npz").write_bytes(b"this is not a zip archive")
    (tmp / "mystery.dat").write_bytes(b"\x00\x01\x02 no known magic")
    _write(tmp / "header_only.csv", "t,p\n")
    _write(tmp / "ragged.csv", "t,p\n1,2\n3\n")
    _write(tmp / "empty.csv", "")
    cases = {
        "missing file": ([str(tmp / "nope.csv"), "--target", "t", "--preds", "p"], "no such file"),
        "directory": ([str(tmp), "--target", "t", "--preds", "p"], "is a directory"),
        "missing target column": ([str(csv), "--target", "x", "--preds", "p"],
                                  "column 'x' not found in"),
        "missing preds column": ([str(csv), "--target", "t", "--preds", "p", "y"],
                                 "available columns: t, p, f, gap"),
        "float column": ([str(csv), "--target", "t", "--preds", "f"], "floating-point"),
        "float after integer blocks": ([str(late_float), "--target", "t", "--preds", "p", "--block-size", "128"],
                                       "non-integer numbers (e.g. '2.5')"),
        "missing values": ([str(csv), "--target", "t", "--preds", "gap"], "missing values"),
        "header only": ([str(tmp / "header_only.csv"), "--target", "t", "--preds", "p"], "no values"),
        "ragged csv": ([str(tmp / "ragged.csv"), "--target", "t", "--preds", "p"], "Expected 2 columns"),
        "empty csv": ([str(tmp / "empty.csv"), "--target", "t", "--preds", "p"], "Empty CSV file"),
        "no rows": ([str(tmp / "no_rows.parquet"), "--target", "t", "--preds", "p"], "has no rows to score"),
        "unknown format": ([str(tmp / "mystery.dat"), "--target", "t", "--preds", "p"], "pass --format"),
        "unreadable parquet": ([str(tmp / "garbage.parquet"), "--target", "t", "--preds", "p"],
                               "cannot read"),
        "unreadable npz": ([str(tmp / "garbage.npz"), "--target", "t", "--preds", "p"], "cannot read"),
        "float npy": ([str(tmp / "floats.npy"), "--target", "0", "--preds", "1"], "floating-point"),
        "npy column out of range": ([str(tmp / "floats.npy"), "--target", "0", "--preds", "5"],
                                    "available columns: 0, 1"),
        "3-D npy": ([str(tmp / "cube.npy"), "--target", "0", "--preds", "1"], "shape (2, 2, 2)"),
        "object npy": ([str(tmp / "objects.npy"), "--target", "0", "--preds", "0"], "Python objects"),
        "npz length mismatch": ([str(tmp / "uneven.npz"), "--target", "t", "--preds", "p"],
                                "same length; got 't': 10, 'p': 9"),
        "non-1-D npz array": ([str(tmp / "matrix.npz"), "--target", "t", "--preds", "p"], "must be 1-D"),
        "float npz array": ([str(tmp / "floats.npz"), "--target", "t", "--preds", "p"], "floating-point"),
        "bad device": (["--device", "warp-drive"], "not a torch device"),
    }
    if not torch.cuda.is_available():
        cases["no cuda"] = (["--device", "cuda"], "no CUDA device")
    return cases


def test_every_bad_input_gives_one_line_and_status_2(capsys, tmp_path):
    for name, (argv, fragment) in _bad_inputs(tmp_path).items():
        status, out, err = run(capsys, *argv)
        assert status == 2, name
        assert out == "", name
        assert err.startswith("torch-mi: error: "), (name, err)
        assert err.count("\n") == 1 and err.endswith("\n"), (name, err)
        assert "Traceback" not in err
        assert fragment in err, (name, err)


@pytest.mark.parametrize("argv", [
    ["some.csv"],  # FILE needs --target and --preds
    ["--average-method", "median"],
    ["--block-size", "0"],
    ["--batch-rows", "many"],
    ["--precision", "-1"],
])
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "torch-mi: error: " in capsys.readouterr().err
