"""The Python entry points: score_table and score_files, with plain parameters."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from torch_mi.cli import InputError, Report, score_files, score_table

from .cli_helpers import assert_row_matches


def _check(report: Report, target, columns: dict) -> None:
    assert [row.preds for row in report.scores] == list(columns)
    assert report.samples == len(target)
    for row in report.scores:
        assert_row_matches(row.as_dict(), target, columns[row.preds])


def test_score_table_of_pyarrow(labels):
    table = pa.table({name: labels[name] for name in ("truth", "noisy", "words")})
    _check(score_table(table, target="truth", batch_rows=50), labels["truth"],
           {"noisy": labels["noisy"], "words": labels["words"]})


def test_score_table_of_pandas_with_categoricals_and_an_index(labels):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"truth": pd.Categorical(labels["truth"]), "noisy": labels["noisy"]},
                         index=np.arange(600) * 7)  # a stored index is not a preds column
    _check(score_table(frame, target="truth"), labels["truth"], {"noisy": labels["noisy"]})


def test_score_table_of_polars(labels):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"truth": labels["truth"], "words": labels["words"]})
    _check(score_table(frame, target="truth"), labels["truth"], {"words": labels["words"]})


def test_score_table_of_a_dict_with_options(labels):
    report = score_table({"t": labels["noisy"], "p": labels["random"]}, "t", ["p"], average_method="max",
                         ignore_label="100")
    kept = labels["noisy"] != 100
    assert report.ignored == int((~kept).sum()) and report.average_method == "max"
    row = report.scores[0]
    assert row.samples == int(kept.sum())


def test_score_files(csv_file, labels):
    _check(score_files([csv_file], target="truth", preds="noisy,random"), labels["truth"],
           {"noisy": labels["noisy"], "random": labels["random"]})


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: score_table(pa.table({"t": [1, 2]}), "t"), "no column besides the target"),
    (lambda: score_table(pa.table({"t": [1, 2], "p": [1, 1]}), "t", "q"),
     r"preds column 'q' \(--preds\) not found in Table"),
    (lambda: score_table(pa.table({"t": [1, 2], "p": [1, 1]}), "t", average_method="median"), "average method"),
    (lambda: score_table(pa.table({"t": [1, 2], "p": [1.5, 1]}), "t"), "floating-point"),
    (lambda: score_table(pa.table({"t": [1, None], "p": [1, 1]}), "t"), "missing values"),
    (lambda: score_table(pa.table({"t": [1, 2], "p": [1, 1]}), "t", ignore_label="x"), "must be an integer"),
], ids=["no preds", "missing column", "average method", "float", "missing value", "bad ignore label"])
def test_bad_calls_raise_input_error(call, fragment):
    with pytest.raises(InputError, match=fragment):
        call()


@pytest.mark.parametrize(("option", "value", "error", "fragment"), [
    ("batch_rows", 0, InputError,
     r"`batch_rows` \(--batch-rows, rows read per batch\) must be from 1 to 2147483647; got 0"),
    ("batch_rows", 2**31, InputError, "must be from 1 to 2147483647; got 2147483648"),
    ("block_size", 2**40, InputError, "`block_size` .* got 1099511627776"),
    ("block_size", 1.5, TypeError, r"`block_size` \(--block-size, CSV bytes read per batch\) must be an int; got 1.5"),
    ("batch_rows", True, TypeError, "`batch_rows` .* must be an int; got True of type bool"),
])
def test_read_sizes_are_checked_before_pyarrow_sees_them(csv_file, option, value, error, fragment):
    with pytest.raises(error, match=fragment):
        score_files([csv_file], target="truth", **{option: value})
    if option == "batch_rows":
        with pytest.raises(error, match=fragment):
            score_table(pa.table({"t": [1, 2], "p": [1, 1]}), "t", batch_rows=value)


def test_read_sizes_take_numpy_integers(csv_file, labels):
    report = score_files([csv_file], target="truth", preds="noisy", block_size=np.int64(4096), batch_rows=np.int32(7))
    _check(report, labels["truth"], {"noisy": labels["noisy"]})


def test_a_table_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="`table` must be"):
        score_table(42, "t")
