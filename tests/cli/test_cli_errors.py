"""Every bad input: one line on stderr, exit status 2, no traceback; bad options: argparse's exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from torch_mi.cli import main

from .cli_helpers import run, write


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("bad")
    rows = "".join(f"{i % 3},{i % 4},{i / 7},{'' if i == 5 else i}\n" for i in range(20))
    write(tmp / "ok.csv", "t,p,f,gap\n" + rows)
    write(tmp / "late_float.csv", "t,p\n" + "".join(f"{i % 3},{i}\n" for i in range(200)) + "1,2.5\n")
    write(tmp / "semicolons.csv", "truth;pred\n1;2\n")  # one line: too little for the sniffer
    np.save(tmp / "floats.npy", np.random.default_rng(0).random((10, 2)))
    np.save(tmp / "cube.npy", np.zeros((2, 2, 2), dtype=np.int64))
    np.save(tmp / "objects.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    np.savez(tmp / "uneven.npz", t=np.arange(10), p=np.arange(9))
    np.savez(tmp / "matrix.npz", t=np.arange(4), p=np.zeros((2, 2), dtype=np.int64))
    np.savez(tmp / "floats.npz", t=np.arange(4), p=np.linspace(0, 1, 4))
    pq.write_table(pa.table({"t": pa.array([], pa.int64()), "p": pa.array([], pa.string())}), tmp / "no_rows.parquet")
    pq.write_table(pa.table({"t": [1, 2], "p": pa.array([None, None], pa.null())}), tmp / "null.parquet")
    (tmp / "garbage.parquet").write_bytes(b"this is not parquet at all")
    (tmp / "garbage.npz").write_bytes(b"this is not a zip archive")
    (tmp / "mystery.dat").write_bytes(b"\x00\x01\x02 no known magic")
    write(tmp / "header_only.csv", "t,p\n")
    write(tmp / "ragged.csv", "t,p\n1,2\n3\n")
    write(tmp / "empty.csv", "")
    write(tmp / "header_no_line_end.csv", "t,p")
    (tmp / "bom_only.csv").write_bytes(b"\xef\xbb\xbf")
    (tmp / "mixed").mkdir()
    write(tmp / "mixed" / "a.csv", "t,p\n1,2\n")
    np.save(tmp / "mixed" / "b.npy", np.zeros(3, dtype=np.int64))
    (tmp / "hollow").mkdir()
    return tmp


# (id, argv with {tmp} for the folder, a fragment of the expected message)
BAD_INPUTS = [
    ("missing file", ["{tmp}/nope.csv", "--target", "t"], "no such file or directory"),
    ("glob matching nothing", ["{tmp}/*.nothing", "--target", "t"], "no files match"),
    ("empty directory", ["{tmp}/hollow", "--target", "t"], "holds no files"),
    ("directory of mixed formats", ["{tmp}/mixed", "--target", "t"], "several formats (csv, npy)"),
    ("stdin with a file", ["-", "{tmp}/ok.csv", "--target", "t"], "cannot be combined"),
    ("missing target column", ["{tmp}/ok.csv", "--target", "x"],
     "target column 'x' (--target) not found in {tmp}/ok.csv; available columns: t, p, f, gap"),
    ("missing preds column", ["{tmp}/ok.csv", "--target", "t", "--preds", "p", "y"],
     "preds column 'y' (--preds) not found in"),
    ("parquet from stdin", ["-", "--target", "t", "--input-format", "parquet"],
     "- (stdin) is read as CSV or TSV; --input-format parquet needs a file"),
    ("line longer than a block", ["{tmp}/ok.csv", "--target", "t", "--block-size", "8"],
     "a line is longer than the block size (8 bytes); pass a larger --block-size"),
    ("header longer than a block", ["{tmp}/ok.csv", "--target", "t", "--block-size", "4"],
     "a line is longer than the block size (4 bytes); pass a larger --block-size"),
    ("semicolons not sniffed", ["{tmp}/semicolons.csv", "--target", "truth", "--delimiter", ","],
     "pass --delimiter ';'"),
    ("float column", ["{tmp}/ok.csv", "--target", "t", "--preds", "f"], "non-integer numbers (e.g. '0.0')"),
    ("float after integer blocks", ["{tmp}/late_float.csv", "--target", "t", "--preds", "p", "--block-size", "128"],
     "non-integer numbers (e.g. '2.5')"),
    ("missing values", ["{tmp}/ok.csv", "--target", "t", "--preds", "gap"], "missing values"),
    ("header only", ["{tmp}/header_only.csv", "--target", "t"], "has no rows to score"),
    ("ragged csv", ["{tmp}/ragged.csv", "--target", "t"], "Expected 2 columns"),
    ("empty csv", ["{tmp}/empty.csv", "--target", "t"], "is empty"),
    ("byte-order mark only", ["{tmp}/bom_only.csv", "--target", "t"], "bom_only.csv' is empty"),
    ("header without a line end", ["{tmp}/header_no_line_end.csv", "--target", "t"],
     "it holds only a header line (no line end, no rows to score)"),
    ("no rows", ["{tmp}/no_rows.parquet", "--target", "t"], "has no rows to score"),
    ("null parquet column", ["{tmp}/null.parquet", "--target", "t"], "has no values"),
    ("unknown format", ["{tmp}/mystery.dat", "--target", "t"], "pass --input-format"),
    ("unreadable parquet", ["{tmp}/garbage.parquet", "--target", "t"], "cannot read"),
    ("unreadable npz", ["{tmp}/garbage.npz", "--target", "t"], "cannot read"),
    ("float npy", ["{tmp}/floats.npy", "--target", "0", "--preds", "1"], "floating-point"),
    ("npy column out of range", ["{tmp}/floats.npy", "--target", "0", "--preds", "5"], "available columns: 0, 1"),
    ("3-D npy", ["{tmp}/cube.npy", "--target", "0", "--preds", "1"], "shape (2, 2, 2)"),
    ("object npy", ["{tmp}/objects.npy", "--target", "0", "--preds", "0"], "Python objects"),
    ("npz length mismatch", ["{tmp}/uneven.npz", "--target", "t", "--preds", "p"], "same length; got 't': 10, 'p': 9"),
    ("non-1-D npz array", ["{tmp}/matrix.npz", "--target", "t", "--preds", "p"], "must be 1-D"),
    ("float npz array", ["{tmp}/floats.npz", "--target", "t", "--preds", "p"], "floating-point"),
    ("heatmap column not scored", ["{tmp}/ok.csv", "--target", "t", "--preds", "p", "--heatmap", "{tmp}/h.png",
                                   "--heatmap-preds", "gap"], "not among the preds: p"),
    ("heatmap into a missing folder", ["{tmp}/ok.csv", "--target", "t", "--preds", "p", "--heatmap",
                                       "{tmp}/no/such/dir/h.png"], "cannot write the heatmap"),
    ("bad device", ["--device", "warp-drive"], "not a torch device"),
    ("unknown metric", ["{tmp}/ok.csv", "--target", "t", "--metrics", "nmi,f1"],
     ("unknown metric 'f1'; choose from mi_nats, mi_bits, nmi, ami, ari, acc, purity, homogeneity, completeness, "
      "v_measure, rand, fmi, pairwise_precision, pairwise_recall, pairwise_f, pair_jaccard, bcubed_precision, "
      "bcubed_recall, bcubed_f, vi_nats, vi_bits, nvi or all")),
    ("unknown repeated metric", ["--metrics", "ari", "--metrics", "jaccard"], "unknown metric 'jaccard'"),
    ("no metric named", ["--metrics", ",,"], "no metric named; choose from mi_nats"),
]
if not torch.cuda.is_available():
    BAD_INPUTS.append(("no cuda", ["--device", "cuda"], "no CUDA device"))


@pytest.mark.parametrize(("argv", "fragment"), [pytest.param(argv, fragment, id=name)
                                                for name, argv, fragment in BAD_INPUTS])
def test_bad_input_gives_one_line_and_status_2(capsys, bad, argv, fragment):
    status, out, err = run(capsys, *(arg.format(tmp=bad) for arg in argv))
    assert status == 2
    assert out == ""
    assert err.startswith("torch-mi: error: ")
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Traceback" not in err
    assert fragment.format(tmp=bad) in err


def test_ignore_label_must_fit_an_integer_column(capsys, tmp_path):
    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"t": [1, 2, 3], "p": [1, 1, 2]}), path)
    status, _, err = run(capsys, str(path), "--target", "t", "--ignore-label", "noise")
    assert status == 2 and "must be an integer; got 'noise'" in err


@pytest.mark.parametrize("argv", [
    ["some.csv"],  # INPUT needs --target
    ["--average-method", "median"],
    ["--block-size", "0"],
    ["--batch-rows", "many"],
    ["--precision", "-1"],
    ["--format", "xml"],
    ["--delimiter", ";;"],
    ["--block-size", "2147483648"],  # pyarrow takes a C int
    ["--batch-rows", str(2**63)],
], ids=["no target", "average method", "block size", "batch rows", "precision", "format", "delimiter",
        "block size above a C int", "batch rows above a C int"])
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "torch-mi: error: " in err and "Traceback" not in err
    if argv[0] in ("--block-size", "--batch-rows") and argv[1].isdigit() and int(argv[1]) > 1:
        assert f"argument {argv[0]}: expected an integer from 1 to 2147483647, got '{argv[1]}'" in err


def test_one_gpu_index_for_every_rank_of_a_node_is_refused_before_any_group_starts(monkeypatch):
    from torch_mi.cli import distributed
    from torch_mi.cli.errors import InputError

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    with pytest.raises(InputError, match=r"--device cuda:1: under torchrun each rank takes its own GPU"):
        distributed.init_from_env(torch.device("cuda", 1))
    assert not torch.distributed.is_initialized()
