"""Many files, directories, globs, hive partitions, stdin, and the things people type."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from torch_mi.cli import open_paths, score_columns
from torch_mi.cli.errors import InputError

from .cli_helpers import REPO, assert_matches_sklearn, assert_row_matches, csv_text, run, run_json, write


@pytest.fixture()
def shards(tmp_path, labels):
    """The labels as 3 Parquet shards of uneven sizes, in a directory."""
    directory = tmp_path / "shards"
    directory.mkdir()
    for i, (start, stop) in enumerate([(0, 50), (50, 420), (420, 600)]):
        pq.write_table(pa.table({name: values[start:stop] for name, values in labels.items()}),
                       directory / f"part-{i}.parquet", row_group_size=64)
    (directory / "_SUCCESS").write_text("")  # writers' bookkeeping is skipped
    return directory


def test_directory_of_parquet_shards(capsys, shards, labels):
    report = run_json(capsys, str(shards), "--target", "truth", "--preds", "noisy", "words")
    assert report["format"] == "parquet"
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"], "words": labels["words"]})


def test_glob_and_several_files_are_one_dataset(capsys, shards, labels):
    preds = {"noisy": labels["noisy"], "random": labels["random"]}
    by_glob = run_json(capsys, str(shards / "part-*.parquet"), "--target", "truth", "--preds", "noisy", "random")
    assert_matches_sklearn(by_glob, labels["truth"], preds)
    files = sorted(str(path) for path in shards.glob("part-*.parquet"))
    assert_matches_sklearn(run_json(capsys, *files, "--target", "truth", "--preds", "noisy", "random"),
                           labels["truth"], preds)


def test_hive_partitioned_directory(capsys, tmp_path, labels):
    # run=<name>/seed=<n>/part.parquet: the partition keys become columns that can be scored too.
    root = tmp_path / "hive"
    runs = np.where(np.arange(600) % 3 == 0, "a", "b")
    seeds = np.arange(600) % 2
    for run_name in ("a", "b"):
        for seed in (0, 1):
            rows = (runs == run_name) & (seeds == seed)
            (root / f"run={run_name}" / f"seed={seed}").mkdir(parents=True)
            pq.write_table(pa.table({"truth": labels["truth"][rows], "noisy": labels["noisy"][rows]}),
                           root / f"run={run_name}" / f"seed={seed}" / "part-0.parquet")
    report = run_json(capsys, str(root), "--target", "truth")
    assert [row["preds"] for row in report["scores"]] == ["noisy", "run", "seed"]
    order = np.concatenate([np.flatnonzero((runs == r) & (seeds == s)) for r in ("a", "b") for s in (0, 1)])
    assert_matches_sklearn(report, labels["truth"][order],
                           {"noisy": labels["noisy"][order], "run": runs[order], "seed": seeds[order]})


def test_directory_of_csv_files(capsys, tmp_path, labels):
    directory = tmp_path / "csvs"
    directory.mkdir()
    write(directory / "a.csv", csv_text({name: labels[name][:200] for name in ("truth", "words")}))
    write(directory / "b.csv", csv_text({name: labels[name][200:] for name in ("truth", "words")}))
    report = run_json(capsys, str(directory), "--target", "truth")
    assert_matches_sklearn(report, labels["truth"], {"words": labels["words"]})


@pytest.mark.parametrize("by", ["glob", "directory"])
def test_one_column_stored_as_integers_in_one_file_and_text_in_the_next(capsys, tmp_path, labels, by):
    # pyarrow.dataset would read both files with the first one's schema and fail on the text.
    half = 300
    (tmp_path / "runs").mkdir()
    pq.write_table(pa.table({"t": labels["truth"][:half], "p": labels["noisy"][:half]}),
                   tmp_path / "runs" / "a.parquet")
    pq.write_table(pa.table({"t": labels["truth"][half:], "p": labels["words"][half:]}),
                   tmp_path / "runs" / "b.parquet")
    where = tmp_path / "runs" / "*.parquet" if by == "glob" else tmp_path / "runs"
    report = run_json(capsys, str(where), "--target", "t")
    preds = np.concatenate([labels["noisy"][:half].astype(str), labels["words"][half:]])
    assert_matches_sklearn(report, labels["truth"], {"p": preds})


def test_a_parquet_shard_without_rows_adds_nothing_whatever_its_stored_types(capsys, tmp_path, labels):
    # pandas stores the columns of an empty object frame as null: alone in its layout, they would
    # be refused as label columns.
    pd = pytest.importorskip("pandas")
    (tmp_path / "runs").mkdir()
    pq.write_table(pa.table({"t": labels["truth"], "p": labels["noisy"]}), tmp_path / "runs" / "a.parquet")
    pd.DataFrame({"t": pd.Series([], dtype=object), "p": pd.Series([], dtype=object)}).to_parquet(
        tmp_path / "runs" / "b.parquet")
    pq.write_table(pa.table({"t": pa.array([], pa.float64())}), tmp_path / "runs" / "c.parquet")
    assert pq.read_schema(tmp_path / "runs" / "b.parquet").field("t").type == pa.null()
    report = run_json(capsys, str(tmp_path / "runs"), "--target", "t")
    assert_matches_sklearn(report, labels["truth"], {"p": labels["noisy"]})


def test_a_column_missing_from_one_file_is_named_not_read_as_nulls(capsys, tmp_path, labels):
    half = 300
    pq.write_table(pa.table({n: labels[n][:half] for n in ("truth", "noisy", "random")}), tmp_path / "a.parquet")
    pq.write_table(pa.table({n: labels[n][half:] for n in ("truth", "noisy")}), tmp_path / "b.parquet")
    status, _, err = run(capsys, str(tmp_path / "*.parquet"), "--target", "truth", "--preds", "random")
    assert status == 2
    assert (f"preds column 'random' (--preds) not found in {tmp_path / 'b.parquet'}; "
            "available columns: truth, noisy") in err
    # By default the preds are the columns that every file has.
    report = run_json(capsys, str(tmp_path / "*.parquet"), "--target", "truth")
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"]})


def test_csv_files_of_one_dataset_each_have_their_own_delimiter_and_column_order(capsys, tmp_path, labels):
    half = 300
    write(tmp_path / "a.csv", csv_text({n: labels[n][:half] for n in ("truth", "noisy")}))
    write(tmp_path / "b.csv", csv_text({n: labels[n][half:] for n in ("noisy", "truth")}, ";"))
    report = run_json(capsys, str(tmp_path / "*.csv"), "--target", "truth")
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"]})


def test_stdin(csv_file, labels):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "torch_mi", "-", "--target", "truth", "--preds", "noisy,words",
                           "--json", "--block-size", "512"],
                          input=csv_file.read_bytes(), env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["source"] == "<stdin>"
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"], "words": labels["words"]})


@pytest.fixture(scope="module")
def more_rows() -> bytes:
    """Megabytes of rows behind the error: the process ends without reading them. While pyarrow read
    stdin ahead on its own threads, such an exit could abort (exit 134)."""
    return b"".join(b"%d,%d\n" % (i % 7, i % 5) for i in range(10**6)) * 3


@pytest.mark.parametrize(("head", "argv", "fragment"), [
    (b"t,p\n1,2\n3\n", ["--target", "t"], "Expected 2 columns"),
    (b"t,p\n", ["--target", "t", "--preds", "x"], "preds column 'x' (--preds) not found"),
    (b"t,p\n" + b"1,2\n" * 10**6 + b"3\n", ["--target", "t"], "Expected 2 columns"),
], ids=["first block", "missing column", "later block"])
def test_stdin_error_with_more_input_behind_it_exits_2(more_rows, head, argv, fragment):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "torch_mi", "-", *argv], input=head + more_rows, env=env,
                          capture_output=True, timeout=120)
    err = done.stderr.decode()
    assert (done.returncode, err.count("\n")) == (2, 1), err[-2000:]
    assert err.startswith("torch-mi: error: ") and fragment in err


def test_stdin_error_while_the_writer_keeps_the_pipe_open_exits_2(more_rows):
    # A read blocked in another thread on the buffered sys.stdin held its lock through shutdown and
    # aborted the process (exit 134); stdin is now read only by the thread that scores it.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.Popen([sys.executable, "-m", "torch_mi", "-", "--target", "t"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def write():
        with contextlib.suppress(BrokenPipeError, ValueError):
            done.stdin.write(b"t,p\n1,2\n3\n" + more_rows[:3_000_000])
            done.stdin.flush()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        status = done.wait(timeout=120)  # while the pipe is still open
        err = done.stderr.read().decode()
    finally:
        done.kill()
        with contextlib.suppress(BrokenPipeError):
            done.stdin.close()
    assert (status, err.count("\n")) == (2, 1), err[-2000:]
    assert err.startswith("torch-mi: error: ") and "Expected 2 columns" in err


class _ThreadRecordingStream(io.BytesIO):
    """A stream that notes which thread reads it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.readers: set[int] = set()

    def read(self, size: Optional[int] = -1) -> bytes:
        self.readers.add(threading.get_ident())
        return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        self.readers.add(threading.get_ident())
        return super().read1(size)


def test_stdin_is_read_only_by_the_scoring_thread(csv_file, labels):
    # A pyarrow thread reading a Python stream takes the GIL; doing so while the interpreter
    # finalizes aborted the process ("terminate called without an active exception").
    stream = _ThreadRecordingStream(csv_file.read_bytes())
    report = score_columns(open_paths("-", stdin=stream, block_size=512), "truth", "noisy")
    assert_row_matches(report.scores[0].as_dict(), labels["truth"], labels["noisy"])
    assert stream.readers == {threading.get_ident()}


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("block_size", [64, 100, 4096])
def test_stdin_blocks_cut_at_any_line_end_keep_every_row(labels, line_end, block_size):
    rows = [f"{t},{p}" for t, p in zip(labels["truth"], labels["noisy"])]
    # Blank lines and a last line without its line end, as a file may have them.
    data = line_end.join(
        [b"truth,noisy", *(row.encode() for row in rows[:300]), b"", *(row.encode() for row in rows[300:])]
    )
    report = score_columns(open_paths("-", stdin=io.BytesIO(data), block_size=block_size), "truth", "noisy")
    assert_row_matches(report.scores[0].as_dict(), labels["truth"], labels["noisy"])


def test_stdin_errors_number_rows_from_the_start_of_the_stream():
    data = b"t,p\n" + b"1,2\n" * 1000 + b"3\n"  # the header is row 1: the bad row is row 1002
    with pytest.raises(InputError, match=r"cannot read <stdin>: CSV parse error: Row #1002: Expected 2 columns"):
        score_columns(open_paths("-", stdin=io.BytesIO(data), block_size=256), "t", "p")


def test_stdin_line_longer_than_a_block_after_the_first():
    data = b"t,p\n" + b"1,2\n" * 100 + b"1," + b"2" * 300 + b"\n"
    with pytest.raises(InputError, match=r"a line is longer than the block size \(256 bytes\)"):
        score_columns(open_paths("-", stdin=io.BytesIO(data), block_size=256), "t", "p")


@pytest.mark.parametrize("delimiter", [";", "\t", "|"], ids=["semicolon", "tab", "pipe"])
def test_delimiter_is_sniffed(capsys, tmp_path, labels, delimiter):
    path = write(tmp_path / "labels.csv", csv_text({n: labels[n] for n in ("truth", "noisy")}, delimiter))
    report = run_json(capsys, str(path), "--target", "truth", "--preds", "noisy")
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"]})


def test_delimiter_option(capsys, tmp_path, labels):
    path = write(tmp_path / "labels.csv", csv_text({n: labels[n] for n in ("truth", "noisy")}, ";"))
    report = run_json(capsys, str(path), "--target", "truth", "--preds", "noisy", "--delimiter", ";")
    assert_matches_sklearn(report, labels["truth"], {"noisy": labels["noisy"]})


def test_comma_separated_preds(capsys, csv_file, labels):
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "noisy,words", "random")
    assert_matches_sklearn(report, labels["truth"], {n: labels[n] for n in ("noisy", "words", "random")})


def test_preds_default_to_every_other_column(capsys, csv_file, labels):
    report = run_json(capsys, str(csv_file), "--target", "words")
    assert_matches_sklearn(report, labels["words"], {n: labels[n] for n in ("truth", "noisy", "random")})


def test_ignore_label_leaves_out_target_samples(capsys, tmp_path, labels):
    target = np.where(labels["random"] < 8, -1, labels["noisy"])  # -1: unlabelled samples
    path = write(tmp_path / "labels.csv", csv_text({"t": target, "p": labels["words"]}))
    report = run_json(capsys, str(path), "--target", "t", "--ignore-label", "-1")
    kept = target != -1
    assert report["ignored"] == int((~kept).sum())
    assert_matches_sklearn(report, target[kept], {"p": labels["words"][kept]})


def test_ignore_label_of_a_string_target(capsys, csv_file, labels):
    report = run_json(capsys, str(csv_file), "--target", "truth", "--preds", "noisy", "--ignore-label", "cat")
    kept = labels["truth"] != "cat"
    assert report["target_clusters"] == 5
    assert_matches_sklearn(report, labels["truth"][kept], {"noisy": labels["noisy"][kept]})


def test_ignore_preds_label_scores_each_column_on_its_clustered_samples(capsys, tmp_path, labels):
    rng = np.random.default_rng(11)
    hdbscan = np.where(rng.random(600) < 0.3, -1, labels["noisy"])  # 30% noise
    other = np.where(rng.random(600) < 0.1, -1, labels["random"])
    path = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"t": labels["truth"], "hdbscan": hdbscan, "other": other}), path)
    report = run_json(capsys, str(path), "--target", "t", "--ignore-preds-label", "-1")
    assert report["samples"] == 600
    for row, column in zip(report["scores"], (hdbscan, other)):
        kept = column != -1
        assert_row_matches(row, labels["truth"][kept], column[kept])
    status, out, _ = run(capsys, str(path), "--target", "t", "--ignore-preds-label", "-1")
    assert status == 0 and "samples" in out.splitlines()[3]  # the table shows each column's samples


def test_heatmap_is_written(capsys, tmp_path, csv_file):
    path = tmp_path / "heat.png"
    status, _, err = run(capsys, str(csv_file), "--target", "truth", "--preds", "noisy,words",
                         "--heatmap", str(path), "--heatmap-preds", "words")
    assert status == 0, err
    assert path.read_bytes().startswith(b"\x89PNG")



@pytest.mark.parametrize("via", ["stdin", "path"])
def test_quoted_values_holding_line_ends_are_not_cut_at_block_ends(tmp_path, via):
    # A quoted value may hold line ends (and the delimiter): a block ends only at a record's end.
    data = b"y,a\n" + b'x,"u\nv,w"\ny,p\n' * 100
    path = tmp_path / "quoted.csv"
    path.write_bytes(data)
    source = open_paths("-", stdin=io.BytesIO(data), block_size=64) if via == "stdin" else open_paths(
        path, block_size=64)
    report = score_columns(source, "y", "a")
    assert_row_matches(report.scores[0].as_dict(), ["x", "y"] * 100, ["u\nv,w", "p"] * 100)


@pytest.mark.parametrize("via", ["stdin", "path"])
@pytest.mark.parametrize("written", [["01", "1"], [" 1", "1"], ["true", "True", "1"], [str(2**70), "1"]],
                         ids=["leading zero", "leading space", "booleans", "beyond int64"])
def test_a_byte_order_mark_does_not_stop_labels_being_read_as_text(tmp_path, via, written):
    # Each label as written: 01 and 1, " 1" and 1, true and True are different labels.
    target = written * 20
    preds = [f"c{i}" for i in range(len(written))] * 20
    data = b"\xef\xbb\xbfy,p\n" + "".join(f"{t},{p}\n" for t, p in zip(target, preds)).encode()
    path = tmp_path / "bom.csv"
    path.write_bytes(data)
    source = open_paths("-", stdin=io.BytesIO(data)) if via == "stdin" else open_paths(path)
    assert source.columns == ["y", "p"]
    report = score_columns(source, "y", "p")
    assert report.target_clusters == len(written)
    assert_row_matches(report.scores[0].as_dict(), target, preds)


def test_a_preds_column_of_noise_only_is_an_error_not_a_perfect_score(capsys, tmp_path):
    path = write(tmp_path / "noise.csv", "t,p\n" + "".join(f"{i % 3},-1\n" for i in range(30)))
    status, out, err = run(capsys, str(path), "--target", "t", "--ignore-preds-label", "-1")
    assert status == 2 and out == ""
    assert "preds column 'p' gave every sample the --ignore-preds-label '-1'" in err
