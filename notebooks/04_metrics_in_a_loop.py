# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · The metrics in a loop: batches, collections, Lightning and the command line
#
# Notebooks 01–03 called the functional scores on whole labelings. In a training or evaluation
# loop the labels arrive a batch at a time, and that is what the `torchmetrics`-style classes
# are for: `update()` adds a batch to a contingency table, `compute()` scores the table, and
# `reset()` empties it for the next epoch. This notebook walks through that life cycle, the
# per-batch values that `forward()` returns, a `MetricCollection` that scores MI, NMI, AMI and
# V-measure from one shared table, the plots, a real `lightning.Trainer` that logs the metric
# objects, and the `torch-mi` command that scores clusterings stored in a file.
#
# torch_mi's own options (`num_classes`, `average_method`, `beta`, ...) are passed by keyword
# throughout.

# %%
# torch_mi from an installed package, or else from the source checkout this notebook sits in.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("torch_mi") is None:
    sys.path.insert(0, str(Path.cwd().resolve().parent))

import matplotlib.pyplot as plt
import sklearn.metrics as skm
import torch
from torchmetrics import MetricCollection

from torch_mi import (
    AdjustedMutualInfoScore,
    MutualInfoScore,
    NormalizedMutualInfoScore,
    VMeasureScore,
)
from torch_mi.functional import adjusted_mutual_info_score, normalized_mutual_info_score

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## 1. `update()`, `compute()`, `reset()`
#
# The stream: 2 000 samples of 6 classes in batches of 250, labelled by a clustering with
# 8 cluster ids that gets most samples right, splits class 5 over clusters 5 and 6, sends part
# of class 4 into cluster 3 and relabels 20 % of the samples at random (clusters 0–7).
#
# With `num_classes=(6, 8)` (target classes, pred clusters) the state is a dense 6 × 8 int64
# table; with `num_classes=None` (the default) any integer ids are accepted and the state keeps
# the distinct (target, pred) pairs. Either way it never holds the samples themselves.

# %%
NUM_TARGET, NUM_PREDS, BATCH, NUM_BATCHES = 6, 8, 250, 8


def make_batch(i):
    g = torch.Generator().manual_seed(100 + i)
    target = torch.randint(0, NUM_TARGET, (BATCH,), generator=g)
    preds = target.clone()
    split = (target == 5) & (torch.rand(BATCH, generator=g) < 0.5)
    preds[split] = 6
    merge = (target == 4) & (torch.rand(BATCH, generator=g) < 0.4)
    preds[merge] = 3
    noise = torch.rand(BATCH, generator=g) < 0.2
    preds[noise] = torch.randint(0, NUM_PREDS, (int(noise.sum()),), generator=g)
    return preds, target


batches = [make_batch(i) for i in range(NUM_BATCHES)]
all_preds = torch.cat([p for p, _ in batches])
all_target = torch.cat([t for _, t in batches])

ami = AdjustedMutualInfoScore(num_classes=(NUM_TARGET, NUM_PREDS))
for preds, target in batches:
    ami.update(preds, target)
epoch_ami = ami.compute()

print(f"AMI over {ami.table.sum().item():,} samples: {epoch_ami.item():.6f}")
print(f"functional on all the labels:  {adjusted_mutual_info_score(all_preds, all_target).item():.6f}")
print(f"scikit-learn on all the labels: {skm.adjusted_mutual_info_score(all_target, all_preds):.6f}")
assert epoch_ami == adjusted_mutual_info_score(all_preds, all_target)  # bit for bit
assert abs(epoch_ami.item() - skm.adjusted_mutual_info_score(all_target, all_preds)) < 1e-12

print("\nthe state, target classes in rows:")
print(ami.table)
ami.reset()
print("after reset(): samples in the table =", ami.table.sum().item())

# %% [markdown]
# ## 2. `forward()`: the batch's value, while accumulating
#
# Calling the metric, `metric(preds, target)`, returns the score of that batch alone *and* adds
# the batch to the running table. The batch values are handy for a progress display, but their
# mean is not the epoch's score: a score of a small sample is biased (NMI of 250 samples is
# inflated by chance agreement, notebook 03), and MI-based scores do not average over batches
# anyway. The epoch's score comes from `compute()` on the accumulated table.

# %%
nmi = NormalizedMutualInfoScore(num_classes=(NUM_TARGET, NUM_PREDS), average_method="arithmetic")
batch_values = [nmi(preds, target) for preds, target in batches]
epoch_nmi = nmi.compute()

print("NMI of each batch:  ", [round(v.item(), 4) for v in batch_values])
print(f"mean of the batches: {torch.stack(batch_values).mean().item():.4f}")
print(f"compute() (epoch):   {epoch_nmi.item():.4f}")
assert epoch_nmi == normalized_mutual_info_score(all_preds, all_target, average_method="arithmetic")

# %% [markdown]
# `plot()` is torchmetrics' own: with no argument it plots the current value, given a list of
# values it draws them as a curve, with the score's bounds ([0, 1] for NMI) as the axis limits.

# %%
fig, ax = nmi.plot(batch_values)
ax.axhline(epoch_nmi.item(), color="C3", ls="--", label=f"epoch value {epoch_nmi.item():.3f}")
ax.set_xlabel("batch")
ax.set_title("NMI of each batch (forward) and of the epoch (compute)")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. A `MetricCollection`: four scores, one table
#
# All torch_mi classes keep the same state, the contingency table. torchmetrics notices this
# after the first `update()` and merges them into one *compute group*: the table is filled once
# per batch and shared, however many scores read it. Every `compute()` then agrees with
# scikit-learn on all 2 000 samples; V-measure with `beta=1` equals NMI with the arithmetic mean.

# %%
sizes = {"num_classes": (NUM_TARGET, NUM_PREDS)}
scores = MetricCollection(
    {
        "mi": MutualInfoScore(**sizes),
        "nmi": NormalizedMutualInfoScore(**sizes, average_method="arithmetic"),
        "ami": AdjustedMutualInfoScore(**sizes, average_method="arithmetic"),
        "v_measure": VMeasureScore(**sizes, beta=1.0),
    },
    compute_groups=True,
)
for preds, target in batches:
    scores.update(preds, target)
print("compute groups:", scores.compute_groups)

values = scores.compute()
t, p = all_target.numpy(), all_preds.numpy()
reference = {
    "mi": skm.mutual_info_score(t, p),
    "nmi": skm.normalized_mutual_info_score(t, p),
    "ami": skm.adjusted_mutual_info_score(t, p),
    "v_measure": skm.v_measure_score(t, p),
}
for name, value in values.items():
    print(f"{name:10s} {value.item():.6f}   scikit-learn {reference[name]:.6f}")
    assert abs(value.item() - reference[name]) < 1e-12

# %% [markdown]
# `plot_contingency()` draws the accumulated table of any metric, here a member of the
# collection, as counts or, with `normalize="row"`, with each row as fractions of its target
# class: the split of class 5 over clusters 5 and 6, the leak of class 4 into cluster 3, and
# the thin layer of random relabelling everywhere. (`normalize="col"` shows what each cluster
# is made of.)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
scores["ami"].plot_contingency(ax=axes[0])
axes[0].set_title("accumulated table (counts)")
scores["ami"].plot_contingency(ax=axes[1], normalize="row")
axes[1].set_title("each row as fractions of its class")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. In a Lightning validation loop
#
# In a `LightningModule`, create the metrics in `__init__` (so they move to the module's
# device), update them in `validation_step`, and log the **metric object** rather than a number:
# Lightning then calls `compute()` at the end of the epoch, `reset()` before the next one, and
# under multi-process training torchmetrics merges the ranks' tables first.
#
# The model is a tiny classifier of four Gaussian blobs whose arg-max output we treat as a
# cluster assignment. We score it once before training and once after one short epoch on CPU;
# nothing is written to disk (no logger, no checkpoints, a temporary root folder).

# %%
import logging
import tempfile
import warnings

import lightning as L
from sklearn.datasets import make_blobs
from torch.utils.data import DataLoader, TensorDataset

logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)  # no banner about GPUs and TPUs
warnings.filterwarnings("ignore", ".*does not have many workers")  # advice for big data loaders
warnings.filterwarnings("ignore", category=FutureWarning, module="lightning")  # Lightning vs newer torch


class BlobClusterer(L.LightningModule):
    def __init__(self, num_clusters: int) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, num_clusters))
        self.val_ami = AdjustedMutualInfoScore()  # any cluster ids
        self.val_nmi = NormalizedMutualInfoScore(average_method="arithmetic")

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        clusters = self.net(x).argmax(dim=1)
        self.val_ami.update(clusters, y)
        self.val_nmi.update(clusters, y)
        self.log("val_ami", self.val_ami, on_step=False, on_epoch=True)  # the object, not a number
        self.log("val_nmi", self.val_nmi, on_step=False, on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.05)


X, y = make_blobs(n_samples=1_200, centers=4, cluster_std=1.0, random_state=0)
X = torch.tensor(X, dtype=torch.float32)
X = (X - X[:800].mean(0)) / X[:800].std(0)  # standardized with the training part's statistics
y = torch.tensor(y)
torch.manual_seed(0)
train_loader = DataLoader(TensorDataset(X[:800], y[:800]), batch_size=50, shuffle=True)
val_loader = DataLoader(TensorDataset(X[800:], y[800:]), batch_size=100)
model = BlobClusterer(num_clusters=4)

with tempfile.TemporaryDirectory() as root:
    trainer = L.Trainer(
        default_root_dir=root, accelerator="cpu", devices=1, max_epochs=1, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        num_sanity_val_steps=0, deterministic=True,
    )
    before = trainer.validate(model, val_loader, verbose=False)[0]
    trainer.fit(model, train_loader, val_loader)
    after = {name: value.item() for name, value in trainer.callback_metrics.items()}

with torch.no_grad():
    final_clusters = model.net(X[800:]).argmax(dim=1).numpy()
for name, value in before.items():
    print(f"before training: {name} = {value:.4f}")
for name, value in after.items():
    print(f"after 1 epoch:   {name} = {value:.4f}")
reference = skm.adjusted_mutual_info_score(y[800:].numpy(), final_clusters)
print(f"scikit-learn on the 400 validation samples after training: AMI = {reference:.4f}")
assert abs(after["val_ami"] - reference) < 1e-10

# %% [markdown]
# ## 5. From the command line
#
# `torch-mi FILE --target COLUMN --preds COLUMN [COLUMN ...]` scores one or more clusterings stored
# in a file (CSV, TSV, Parquet, `.npy`, `.npz`) against a target column, streaming the file in
# batches through the same metric classes. Here we write the stream of §1 and a random
# clustering with 20 clusters to a CSV file, and run the command as `python -m torch_mi`, which
# works wherever this kernel's Python does.

# %%
import csv
import subprocess

random_clusters = torch.randint(0, 20, all_target.shape, generator=torch.Generator().manual_seed(9))
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "clusterings.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["truth", "model", "random"])
        writer.writerows(zip(all_target.tolist(), all_preds.tolist(), random_clusters.tolist()))
    result = subprocess.run(
        [sys.executable, "-m", "torch_mi", str(path), "--target", "truth", "--preds", "model", "random"],
        capture_output=True, text=True, check=True,
    )
print(result.stdout.replace(str(path), path.name))

# %% [markdown]
# The `model` row repeats §3's numbers. The `random` row is the lesson of notebook 03 once more:
# 20 random clusters get an NMI visibly above 0, while their AMI is about 0.
#
# ## Summary
#
# * `update()` adds a batch to the contingency table, `compute()` scores the table (equal, bit for
#   bit, to the functional score on all the labels), `reset()` starts the next epoch.
# * `forward()` returns the batch's own score; the epoch's score comes from the accumulated table,
#   not from the mean of the batch scores.
# * A `MetricCollection` of torch_mi scores fills one shared table per batch (one compute group).
# * `plot()` draws values, `plot_contingency()` the accumulated table.
# * In Lightning, update the metric in `validation_step` and log the metric object.
# * `torch-mi FILE --target ... --preds ...` does the same for labelings stored in a file.
