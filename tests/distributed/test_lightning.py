"""A real lightning.Trainer whose validation_step updates torch_mi metrics and logs the metric
objects: one process, and 2-process DDP on CPU (spawned ranks, gloo on loopback).

Each logged epoch value must equal scikit-learn on the whole validation set within 1e-10: after
the sanity check (whose batches must not leak into epoch 0), in every epoch (the metrics are reset
between epochs), and under DDP with the two ranks' values merged.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import threading
from contextlib import contextmanager
from datetime import timedelta

import lightning as L
import numpy as np
import pytest
import sklearn.metrics as skm
import torch
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.strategies import DDPStrategy
from torch.utils.data import DataLoader, TensorDataset
from torchmetrics import MetricCollection, SumMetric

from helpers import free_port
from torch_mi import (
    AdjustedMutualInfoScore,
    CompletenessScore,
    HomogeneityScore,
    MutualInfoScore,
    NormalizedMutualInfoScore,
    VMeasureScore,
)

pytestmark = [
    pytest.mark.slow,
    # Lightning's advice for tiny CPU test loaders, not a problem here.
    pytest.mark.filterwarnings("ignore:.*does not have many workers:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*is smaller than the logging interval:UserWarning"),
]

TOL = 1e-10
NUM_VAL = 240  # divisible by world size * batch size: DistributedSampler pads nothing
NUM_TARGET, NUM_PREDS = 7, 9


def make_labels() -> tuple[np.ndarray, np.ndarray]:
    """Noisy clustering of a 7-class target. Even samples use targets 0-3 and clusters 0-4, odd
    ones targets 4-6 and clusters 5-8, so under DDP (DistributedSampler hands rank r the samples
    r, r + 2, ...) the two ranks see disjoint label sets."""
    rng = np.random.default_rng(7)
    odd = np.arange(NUM_VAL) % 2 == 1
    target = np.where(odd, rng.integers(4, 7, NUM_VAL), rng.integers(0, 4, NUM_VAL))
    preds = np.where(odd, 5 + (target - 4) % 4, target % 5)
    noisy = rng.random(NUM_VAL) < 0.35
    preds[noisy] = np.where(odd, rng.integers(5, 9, NUM_VAL), rng.integers(0, 5, NUM_VAL))[noisy]
    return preds.astype(np.int64), target.astype(np.int64)


def expected_scores(preds: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """scikit-learn on the whole validation set, under the names the module logs."""
    return {
        "val/mi": skm.mutual_info_score(target, preds),
        "val/nmi": skm.normalized_mutual_info_score(target, preds),
        "val/ami": skm.adjusted_mutual_info_score(target, preds),
        "val/ami_dense": skm.adjusted_mutual_info_score(target, preds),
        "val/homogeneity": skm.homogeneity_score(target, preds),
        "val/completeness": skm.completeness_score(target, preds),
        "val/v_measure": skm.v_measure_score(target, preds),
        "val/count": float(len(target)),
    }


class ScoringModule(L.LightningModule):
    """A one-weight model with a dummy training step; validation scores a fixed clustering."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)
        # sparse (any ids) and dense (known sizes) states; NMI fed through forward()
        self.val_mi = MutualInfoScore()
        self.val_nmi = NormalizedMutualInfoScore(num_classes=(NUM_TARGET, NUM_PREDS))
        self.val_ami = AdjustedMutualInfoScore()
        self.val_ami_dense = AdjustedMutualInfoScore(num_classes=(NUM_TARGET, NUM_PREDS))
        self.val_hcv = MetricCollection(
            {"homogeneity": HomogeneityScore(), "completeness": CompletenessScore(), "v_measure": VMeasureScore()},
            prefix="val/",
        )
        self.val_count = SumMetric()  # samples seen: catches a sampler that duplicates or drops any

    def training_step(self, batch, batch_idx):
        features, _, _ = batch
        return self.layer(features).pow(2).mean()

    def validation_step(self, batch, batch_idx):
        _, preds, target = batch
        self.val_mi.update(preds, target)
        self.val_nmi(preds, target)
        self.val_ami.update(preds, target)
        self.val_ami_dense.update(preds, target)
        self.val_hcv.update(preds, target)
        self.val_count.update(torch.ones_like(target, dtype=torch.float64).sum())
        self.log("val/mi", self.val_mi, on_step=False, on_epoch=True)
        self.log("val/nmi", self.val_nmi, on_step=False, on_epoch=True)
        self.log("val/ami", self.val_ami, on_step=False, on_epoch=True)
        self.log("val/ami_dense", self.val_ami_dense, on_step=False, on_epoch=True)
        self.log_dict(self.val_hcv, on_step=False, on_epoch=True)
        self.log("val/count", self.val_count, on_step=False, on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)

    def teardown(self, stage: str) -> None:
        # Lightning leaves the process group to interpreter exit, where gloo's worker threads can
        # abort the spawned rank (SIGABRT, "terminate called without an active exception"):
        # close it while both ranks are alive, as torch.distributed asks of every process.
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.barrier()
            torch.distributed.destroy_process_group()


def loaders(batch_size: int) -> tuple[DataLoader, DataLoader]:
    preds, target = make_labels()
    features = torch.from_numpy(target).float().unsqueeze(1)
    data = TensorDataset(features, torch.from_numpy(preds), torch.from_numpy(target))
    return DataLoader(data, batch_size=batch_size, shuffle=True), DataLoader(data, batch_size=batch_size)


def make_trainer(tmp_path, **kwargs) -> L.Trainer:
    return L.Trainer(
        accelerator="cpu",
        max_epochs=2,
        limit_train_batches=2,
        num_sanity_val_steps=2,  # updates the metrics; Lightning must reset them before epoch 0
        log_every_n_steps=1,
        default_root_dir=tmp_path,
        logger=CSVLogger(save_dir=tmp_path, name="logs", version=0),
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        **kwargs,
    )


def logged_epochs(tmp_path) -> list[dict[str, float]]:
    """The rows of the CSV log that hold validation values, one per epoch."""
    with open(tmp_path / "logs" / "version_0" / "metrics.csv", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row.get("val/ami")]
    return [{k: float(v) for k, v in row.items() if v != ""} for row in rows]


def assert_matches(logged: dict, expected: dict[str, float], where: str) -> None:
    wrong = {
        name: (float(logged.get(name, float("nan"))), value)
        for name, value in expected.items()
        if not abs(float(logged.get(name, float("nan"))) - value) <= TOL
    }
    assert not wrong, f"{where}: logged vs scikit-learn {wrong}"


def test_single_process(tmp_path):
    preds, target = make_labels()
    expected = expected_scores(preds, target)
    train, val = loaders(batch_size=32)  # 240 = 7 * 32 + 16: a short last batch
    trainer = make_trainer(tmp_path, devices=1)
    module = ScoringModule()
    trainer.fit(module, train, val)

    epochs = logged_epochs(tmp_path)
    assert [row["epoch"] for row in epochs] == [0, 1]
    for row in epochs:
        assert_matches(row, expected, f"epoch {row['epoch']} (CSV)")
    assert_matches(trainer.callback_metrics, expected, "callback_metrics")

    (results,) = trainer.validate(module, val, verbose=False)
    assert_matches(results, expected, "trainer.validate")



@contextmanager
def kill_new_children_after(seconds: float):
    """Kill the child processes started inside the block if it runs longer than ``seconds``:
    the Trainer waits on its spawned ranks without a time limit; killed, they make it raise."""
    before = {p.pid for p in multiprocessing.active_children()}
    done = threading.Event()

    def watchdog() -> None:
        if not done.wait(seconds):
            for process in multiprocessing.active_children():
                if process.pid not in before:
                    process.kill()

    thread = threading.Thread(target=watchdog, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_ddp_two_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(free_port()))  # Lightning writes it too; restored afterwards
    if os.path.isdir("/sys/class/net/lo"):
        monkeypatch.setenv("GLOO_SOCKET_IFNAME", "lo")

    preds, target = make_labels()
    expected = expected_scores(preds, target)
    # Rank 0 alone sees the even samples: make sure the merged value is not what rank 0 alone gives.
    rank0_alone = skm.adjusted_mutual_info_score(target[::2], preds[::2])
    assert abs(rank0_alone - expected["val/ami"]) > 1e-3

    train, val = loaders(batch_size=20)  # 120 samples, 6 full batches per rank
    strategy = DDPStrategy(start_method="spawn", process_group_backend="gloo", timeout=timedelta(seconds=60))
    trainer = make_trainer(tmp_path, devices=2, strategy=strategy)
    with kill_new_children_after(240):
        trainer.fit(ScoringModule(), train, val)

    epochs = logged_epochs(tmp_path)  # written by rank 0
    assert [row["epoch"] for row in epochs] == [0, 1]
    for row in epochs:
        assert_matches(row, expected, f"epoch {row['epoch']} (CSV, rank 0)")
    assert_matches(trainer.callback_metrics, expected, "callback_metrics (from rank 0)")
