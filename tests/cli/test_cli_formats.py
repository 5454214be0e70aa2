"""One input in each format, label kinds, and streaming in many small batches."""

from __future__ import annotations

import gzip

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .cli_helpers import assert_matches_sklearn, assert_same_scores, run_json, write


@pytest.mark.parametrize("average_method", ["arithmetic", "geometric", "min", "max"])
def test_csv_with_string_labels_and_several_preds(capsys, csv_file, labels, average_method):
    preds = {name: labels[name] for name in ("noisy", "words", "random", "truth")}
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", *preds,
                      "--average-method", average_method)
    assert report["format"] == "csv"
    assert_matches_sklearn(report, labels["truth"], preds, average_method)
    assert report["scores"][-1]["nmi"] == 1.0  # the target against itself


@pytest.mark.parametrize("kind", ["tsv", "gzip"])
def test_tsv_and_gzip_csv(capsys, tmp_path, csv_file, kind):
    expected = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "words")
    if kind == "tsv":
        path = write(tmp_path / "labels.tsv", csv_file.read_text().replace(",", "\t"))
    else:
        path = tmp_path / "labels.csv.gz"
        path.write_bytes(gzip.compress(csv_file.read_bytes()))
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


def test_npy_structured(capsys, tmp_path, labels):
    structured = np.zeros(600, dtype=[("y", "<i8"), ("name", "<U8")])
    structured["y"], structured["name"] = labels["noisy"], labels["words"]
    np.save(tmp_path / "rec.npy", structured)
    report = run_json(capsys, str(tmp_path / "rec.npy"), "--target", "y", "--preds", "name")
    assert_matches_sklearn(report, labels["noisy"], {"name": labels["words"]})


def test_npy_fortran_order(capsys, tmp_path, labels):
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


def test_input_format_option_overrides_the_name(capsys, tmp_path, csv_file, labels):
    path = tmp_path / "labels.data"
    path.write_bytes(csv_file.read_bytes())
    report = run_json(capsys, str(path), "--input-format", "csv", "--target", "truth", "--preds", "noisy")
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"]})


def test_parquet_found_by_magic_bytes(capsys, tmp_path, labels):
    path = tmp_path / "labels.bin"
    pq.write_table(pa.table({"t": labels["noisy"], "p": labels["random"]}), path)
    assert run_json(capsys, str(path), "--target", "t", "--preds", "p")["format"] == "parquet"


def test_many_small_csv_blocks_equal_one_block(capsys, csv_file):
    argv = (str(csv_file), "--target", "truth", "--preds", "noisy", "words", "random")
    assert_same_scores(run_json(capsys, *argv, "--block-size", "64"), run_json(capsys, *argv))


def test_many_small_parquet_batches_equal_one_batch(capsys, tmp_path, labels):
    path = tmp_path / "labels.parquet"
    pq.write_table(pa.table({name: labels[name] for name in ("truth", "noisy", "words")}), path)
    argv = (str(path), "--target", "truth", "--preds", "noisy", "words")
    assert_same_scores(run_json(capsys, *argv, "--batch-rows", "3"), run_json(capsys, *argv))


def test_csv_column_with_text_after_integers(capsys, tmp_path):
    # Every CSV cell is read as text, so text far down an integer-looking column is just a label.
    rng = np.random.default_rng(3)
    target = rng.integers(0, 4, 300)
    preds = [str(value) for value in rng.integers(0, 5, 300)]
    preds[250] = preds[290] = "noise"
    path = write(tmp_path / "late_text.csv", "t,p\n" + "".join(f"{t},{p}\n" for t, p in zip(target, preds)))
    report = run_json(capsys, str(path), "--target", "t", "--preds", "p", "--block-size", "256")
    assert_matches_sklearn(report, target, {"p": np.array(preds)})


def test_csv_dates_are_text_labels(capsys, tmp_path):
    days = [f"2024-01-0{i % 3 + 1}" for i in range(30)]
    path = write(tmp_path / "dates.csv", "day,p\n" + "".join(f"{day},{i % 4}\n" for i, day in enumerate(days)))
    report = run_json(capsys, str(path), "--target", "day", "--preds", "p")
    assert_matches_sklearn(report, np.array(days), {"p": np.arange(30) % 4})


def test_integer_and_text_inputs_of_one_column_agree(capsys, tmp_path, labels):
    # 'noisy' is integer in Parquet and text in CSV: the label 103 must be one cluster in both.
    half = 300
    pq.write_table(pa.table({"t": labels["truth"][:half], "p": labels["noisy"][:half]}), tmp_path / "a.parquet")
    write(tmp_path / "b.csv", "t,p\n" + "".join(f"{t},{p}\n" for t, p in zip(labels["truth"][half:],
                                                                          labels["noisy"][half:])))
    report = run_json(capsys, str(tmp_path / "a.parquet"), str(tmp_path / "b.csv"), "--target", "t", "--preds", "p")
    assert report["format"] == "csv+parquet"
    assert_matches_sklearn(report, labels["truth"], {"p": labels["noisy"]})
