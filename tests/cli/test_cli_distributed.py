"""``torchrun -m torch_mi``: ranks share out the files and rank 0 prints the scores of all of them.

Real runs of torch.distributed.run with gloo on loopback, 2 and 3 ranks: uneven shards, string
labels that each rank sees different subsets of, and a rank left without any file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import free_port
from torch_mi.cli.metric_registry import NAMES

from .cli_helpers import (
    REPO,
    SCORE_KEYS,
    assert_matches_sklearn,
    assert_row_matches,
    assert_same_scores,
    csv_text,
    run_json,
    write,
)

pytestmark = pytest.mark.slow


def torchrun(ranks: int, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={ranks}", f"--master-port={free_port()}",
         "--master-addr=127.0.0.1", "-m", "torch_mi", *argv, "--no-progress"],
        env=env, capture_output=True, text=True, timeout=240,
    )


@pytest.fixture(scope="module")
def sharded(tmp_path_factory, labels):
    """Two Parquet files of very different sizes (row groups of 64) and one CSV: string and integer labels."""
    directory = tmp_path_factory.mktemp("sharded")
    # The rare labels sit in one file only, so ranks see different label sets.
    order = np.argsort(labels["truth"] == "fox", kind="stable")
    data = {name: values[order] for name, values in labels.items()}
    pq.write_table(pa.table({n: v[:40] for n, v in data.items()}), directory / "a.parquet", row_group_size=64)
    pq.write_table(pa.table({n: v[40:500] for n, v in data.items()}), directory / "b.parquet", row_group_size=64)
    write(directory / "c.csv", csv_text({n: v[500:] for n, v in data.items()}))
    return directory, data


@pytest.mark.parametrize(("ranks", "metrics"), [(2, SCORE_KEYS), (3, NAMES)], ids=["2 ranks, default", "3 ranks, all"])
def test_ranks_share_the_files_and_agree_with_one_process(capsys, sharded, ranks, metrics):
    directory, data = sharded
    files = [str(directory / name) for name in ("a.parquet", "b.parquet", "c.csv")]
    chosen = () if metrics is SCORE_KEYS else ("--metrics", "all")
    argv = (*files, "--target", "truth", "--preds", "noisy,words", "random", *chosen, "--json")
    done = torchrun(ranks, *argv)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # rank 0 alone prints
    assert report["ranks"] == ranks
    assert_matches_sklearn(report, data["truth"], {n: data[n] for n in ("noisy", "words", "random")},
                           metrics=metrics)
    single = run_json(capsys, *argv[:-1])
    assert_same_scores(report, single)


def test_a_rank_without_files(sharded):
    directory, data = sharded
    done = torchrun(3, str(directory / "c.csv"), "--target", "truth", "--ignore-preds-label", "-1", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # Ranks 1 and 2 read nothing; the one file is scored whole, clusters counted over all ranks.
    tail = {n: v[500:] for n, v in data.items()}
    assert report["target_clusters"] == len(set(tail["truth"]))
    for row in report["scores"]:
        kept = tail[row["preds"]].astype(str) != "-1"
        assert_row_matches(row, tail["truth"][kept], tail[row["preds"]][kept])  # ARI, ACC too


def test_every_rank_stops_on_a_bad_shard(tmp_path):
    pq.write_table(pa.table({"t": [1, 2, 3], "p": [1, 1, 2]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"t": [1, 2, 3], "p": [0.5, 1.0, 2.0]}), tmp_path / "b.parquet")
    done = torchrun(2, str(tmp_path / "*.parquet"), "--target", "t")
    assert done.returncode != 0
    assert "torch-mi: error: " in done.stderr
