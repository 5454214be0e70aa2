# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Adjusted mutual information
#
# Notebooks 01 and 02 found that MI and NMI are biased upwards: two unrelated labelings score
# above 0, and the more clusters (and the fewer samples per cluster), the more they score.
# Vinh, Epps & Bailey (2010) correct for this the way the adjusted Rand index corrects the
# Rand index: subtract the score expected by chance, then rescale so that a perfect match is
# still 1,
#
# $$AMI(U, V) = \frac{MI(U, V) - E[MI]}{\operatorname{mean}\big(H(U), H(V)\big) - E[MI]}.$$
#
# AMI is 1 for identical partitions, 0 *on average* for random ones, and can be negative.
# The mean is chosen with `average_method`, as for NMI (default `"arithmetic"`).
#
# This notebook computes $E[MI]$ and checks it by simulation, shows that AMI stays at 0
# where MI and NMI drift, uses AMI to pick $k$ for k-means on handwritten digits, and
# streams ten million labels through the `torchmetrics` metric.

# %%
# torch_mi from an installed package, or else from the source checkout this notebook sits in.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("torch_mi") is None:
    sys.path.insert(0, str(Path.cwd().resolve().parent))

import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from torch_mi import AdjustedMutualInfoScore, MutualInfoScore, NormalizedMutualInfoScore
from torch_mi.functional import (
    adjusted_mutual_info_score,
    contingency_matrix,
    entropy,
    expected_mutual_info,
    mutual_info_score,
    normalized_mutual_info_score,
)

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## 1. Expected MI under the hypergeometric null
#
# "Chance" needs a model. AMI's model keeps the cluster sizes of both labelings fixed and
# assigns the samples at random: one labeling is randomly permuted against the other. Then
# each cell count $n_{ij}$ follows a **hypergeometric** distribution (drawing the $b_j$
# samples of cluster $j$ without replacement from $n$ samples, of which $a_i$ are in class
# $i$), and the expected MI is
#
# $$E[MI] = \sum_{i,j}\ \sum_{k=\max(1,\, a_i + b_j - n)}^{\min(a_i, b_j)} \frac{k}{n}\,\log\frac{n\,k}{a_i b_j}\;
# \frac{\binom{b_j}{k}\binom{n - b_j}{a_i - k}}{\binom{n}{a_i}}.$$
#
# It depends on the marginals only, so `expected_mutual_info` takes either a contingency
# table or the row and column sums. Below we compare it with the formula written out with
# `scipy.stats.hypergeom`, and with a Monte Carlo average of MI over 20 000 random permutations.

# %%
from scipy.stats import hypergeom

row_sums = torch.tensor([50, 30, 15, 5])      # target cluster sizes
col_sums = torch.tensor([40, 25, 20, 10, 5])  # preds cluster sizes
n = int(row_sums.sum())
emi = expected_mutual_info(row_sums=row_sums, col_sums=col_sums).item()

emi_formula = 0.0
for a in row_sums.tolist():
    for b in col_sums.tolist():
        k = np.arange(max(1, a + b - n), min(a, b) + 1)
        emi_formula += np.sum(hypergeom.pmf(k, n, a, b) * k / n * np.log(n * k / (a * b)))

target = torch.arange(len(row_sums)).repeat_interleave(row_sums)
aligned = torch.arange(len(col_sums)).repeat_interleave(col_sums)  # sorted like target: agrees a lot
n_perm = 20_000
perm_rng = np.random.default_rng(0)
shuffled = perm_rng.permuted(np.tile(aligned.numpy(), (n_perm, 1)), axis=1)  # each row shuffled: same sizes
mi_null = mutual_info_score(shuffled, target)  # (20000,) in one batched call
mc_mean, mc_se = mi_null.mean().item(), mi_null.std().item() / math.sqrt(n_perm)

print(f"expected_mutual_info     = {emi:.10f} nats")
print(f"hypergeometric formula   = {emi_formula:.10f}")
print(f"Monte Carlo, {n_perm} perms = {mc_mean:.10f} ± {mc_se:.1e} (standard error)")
print(f"Monte Carlo - E[MI] = {(mc_mean - emi) / mc_se:+.1f} standard errors")
assert abs(emi - emi_formula) < 1e-12 and abs(mc_mean - emi) < 4 * mc_se
# only the marginals matter: any table with these sums gives the same E[MI]
assert abs(expected_mutual_info(contingency_matrix(shuffled[0], target)).item() - emi) < 1e-14

# %%
mi_aligned = mutual_info_score(aligned, target).item()
fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.hist(mi_null.numpy(), bins=60, color="C0", alpha=0.7, label="MI of random permutations")
ax.axvline(emi, color="C3", lw=2, label=f"E[MI] = {emi:.4f}")
ax.axvline(mc_mean, color="k", ls="--", label=f"Monte Carlo mean = {mc_mean:.4f}")
ax.set_xlabel("MI (nats)")
ax.set_ylabel("permutations")
ax.set_title("MI of labelings with fixed sizes, assigned at random")
ax.legend()
plt.show()
print(f"for comparison, the aligned labeling has MI = {mi_aligned:.3f} nats")

# %% [markdown]
# ## 2. MI and NMI drift with the number of clusters; AMI does not
#
# Score random clusterings with $k$ clusters against 10 balanced classes of $n = 500$
# samples. MI tracks $E[MI]$, which grows with $k$; NMI grows with it. AMI subtracts exactly
# that growth and stays at 0 for every $k$. (30 random clusterings per $k$, each $k$ one
# batched call.)

# %%
n, repeats = 500, 30
target10 = torch.arange(n) % 10
ks = [2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200]
gen = torch.Generator().manual_seed(1)

drift = {"MI": [], "E[MI]": [], "NMI": [], "AMI": []}
for k in ks:
    random_preds = torch.randint(0, k, (repeats, n), generator=gen)
    drift["MI"].append(mutual_info_score(random_preds, target10).mean().item())
    drift["E[MI]"].append(np.mean([expected_mutual_info(contingency_matrix(p, target10)).item()
                                   for p in random_preds[:5]]))  # sizes barely vary: 5 suffice
    drift["NMI"].append(normalized_mutual_info_score(random_preds, target10).mean().item())
    drift["AMI"].append(adjusted_mutual_info_score(random_preds, target10).mean().item())

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].semilogx(ks, drift["MI"], "o-", label="mean MI")
axes[0].semilogx(ks, drift["E[MI]"], "k--", label="mean E[MI]")
axes[0].set_ylabel("nats")
axes[0].set_title("random clusterings: MI follows E[MI] upwards")
axes[1].semilogx(ks, drift["NMI"], "o-", color="C1", label="NMI (arithmetic)")
axes[1].semilogx(ks, drift["AMI"], "o-", color="C2", label="AMI (arithmetic)")
axes[1].axhline(0, color="gray", lw=1)
axes[1].set_title("NMI drifts up, AMI stays at 0")
for ax in axes:
    ax.set_xlabel("number of random clusters k")
    ax.legend()
plt.tight_layout()
plt.show()
print("AMI means:", np.round(drift["AMI"], 4).tolist())

# %% [markdown]
# ## 3. AMI's null distribution
#
# Under the permutation model both labelings keep their cluster sizes, so both entropies
# and $E[MI]$ are the same for every permutation. AMI is then an affine function of MI,
# $AMI = (MI - E[MI]) / \text{const}$, and its mean over permutations is **exactly 0**. The
# individual values scatter on both sides: AMI is negative whenever a random assignment
# happens to agree less than average. Reusing the 20 000 permutations from §1:

# %%
ami_null = adjusted_mutual_info_score(shuffled, target)  # (20000,) in one call
ami_aligned = adjusted_mutual_info_score(aligned, target).item()
mean, se = ami_null.mean().item(), ami_null.std().item() / math.sqrt(n_perm)

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.hist(ami_null.numpy(), bins=60, color="C2", alpha=0.7, label="AMI of random permutations")
ax.axvline(0, color="k", lw=1)
ax.axvline(mean, color="C3", ls="--", label=f"mean = {mean:+.4f}")
ax.set_xlabel("AMI")
ax.set_ylabel("permutations")
ax.set_title("AMI under the null: centred on 0")
ax.legend()
plt.show()

print(f"mean AMI = {mean:+.5f} ± {se:.5f};  sd = {ami_null.std().item():.4f};  "
      f"negative in {(ami_null < 0).double().mean().item():.0%} of permutations")
print(f"aligned labeling: AMI = {ami_aligned:.3f}, larger than all {n_perm} permutations: "
      f"{bool((ami_null < ami_aligned).all())}")
assert abs(mean) < 4 * se

# %% [markdown]
# The histogram doubles as a permutation test: an AMI far out in the right tail (like the
# aligned labeling's) is agreement that chance does not explain. How wide the null is
# depends on $n$ and the cluster sizes; with few samples, a modest AMI can be noise.
#
# ## 4. AMI versus label noise
#
# As in notebook 01, replace a growing fraction of a perfect labeling by random labels, here
# with 10 classes and only 300 samples, where chance agreement is large. At full noise NMI
# levels off clearly above 0, while AMI goes to 0: it measures agreement *beyond* chance, which
# is what we meant to measure.

# %%
n, k, repeats = 300, 10, 20
target_noise = torch.arange(n) % k
noise_levels = torch.linspace(0, 1, 21)
gen = torch.Generator().manual_seed(2)
p = noise_levels.repeat_interleave(repeats)
replace = torch.rand(len(p), n, generator=gen) < p[:, None]
noisy = torch.where(replace, torch.randint(0, k, (len(p), n), generator=gen), target_noise)

nmi_noise = normalized_mutual_info_score(noisy, target_noise).reshape(-1, repeats)
ami_noise = adjusted_mutual_info_score(noisy, target_noise).reshape(-1, repeats)

fig, ax = plt.subplots(figsize=(6, 3.8))
for name, values, color in (("NMI", nmi_noise, "C1"), ("AMI", ami_noise, "C2")):
    mean, std = values.mean(1), values.std(1)
    ax.plot(noise_levels, mean, "o-", color=color, label=f"{name} (arithmetic)")
    ax.fill_between(noise_levels, mean - std, mean + std, color=color, alpha=0.25)
ax.axhline(0, color="gray", lw=1)
ax.set_xlabel("fraction of labels replaced at random, p")
ax.set_ylabel("score")
ax.set_title(f"{k} classes, n = {n}: NMI keeps a chance floor, AMI does not")
ax.legend()
plt.show()
print(f"at p = 1: NMI = {nmi_noise[-1].mean().item():.3f}, AMI = {ami_noise[-1].mean().item():+.4f}")

# %% [markdown]
# ## 5. Choosing k for k-means on the digits
#
# scikit-learn's bundled digits (1797 images of 8×8 pixels, 10 classes) make a small
# model-selection problem: run k-means for $k = 2, \dots, 20$ and keep the $k$ whose clusters
# agree best with the digit labels. Raw MI favours ever more clusters (a finer partition
# never tells you less); AMI puts the scores on a common scale and charges for the agreement
# that more clusters would get by chance.
#
# All 19 clusterings are stacked into one `(19, 1797)` tensor and scored in a single
# batched call, which we check against a loop of single calls.

# %%
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits

X_digits, digits = load_digits(return_X_y=True)
k_values = list(range(2, 21))
start = time.perf_counter()
kmeans_labels = np.stack([KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(X_digits) for k in k_values])
t_kmeans = time.perf_counter() - start

start = time.perf_counter()
ami_batched = adjusted_mutual_info_score(kmeans_labels, digits)  # (19,)
t_batched = time.perf_counter() - start
start = time.perf_counter()
ami_loop = torch.stack([adjusted_mutual_info_score(labels, digits) for labels in kmeans_labels])
t_loop = time.perf_counter() - start

print(f"labels {kmeans_labels.shape}; batched vs loop: "
      f"largest difference {(ami_batched - ami_loop).abs().max().item():.1e}")
assert torch.allclose(ami_batched, ami_loop, rtol=0, atol=1e-12)

# %% tags=["nondeterministic"]
# Timings differ from run to run and machine to machine (the notebook tests do not compare them).
print(f"{len(k_values)} k-means fits in {t_kmeans:.1f} s; "
      f"AMI batched: {t_batched * 1e3:.0f} ms, loop: {t_loop * 1e3:.0f} ms")

# %%
nmi_k = normalized_mutual_info_score(kmeans_labels, digits)
mi_k = mutual_info_score(kmeans_labels, digits) / entropy(digits)  # fraction of H(digits) recovered
perm_rng = np.random.default_rng(0)
shuffled_k = np.stack([perm_rng.permutation(labels) for labels in kmeans_labels])  # same sizes, no signal
nmi_chance = normalized_mutual_info_score(shuffled_k, digits)
ami_chance = adjusted_mutual_info_score(shuffled_k, digits)

best_k = k_values[int(ami_batched.argmax())]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(k_values, mi_k, "o-", color="C0", label="MI / H(digits)")
ax.plot(k_values, nmi_k, "o-", color="C1", label="NMI")
ax.plot(k_values, ami_batched, "o-", color="C2", label="AMI")
ax.plot(k_values, nmi_chance, ":", color="C1", label="NMI, clusters shuffled")
ax.plot(k_values, ami_chance, ":", color="C2", label="AMI, clusters shuffled")
ax.axvline(best_k, color="C2", ls="--", lw=1)
ax.set_xticks(k_values)
ax.set_xlabel("k (k-means clusters)")
ax.set_ylabel("score against the digit labels")
ax.set_title(f"digits: AMI is highest at k = {best_k}")
ax.legend(fontsize=8, ncols=2)
plt.show()
for k in (best_k, 10, 20):
    i = k_values.index(k)
    print(f"k = {k:2d}: AMI = {ami_batched[i].item():.3f}  NMI = {nmi_k[i].item():.3f}  MI/H = {mi_k[i].item():.3f}")

# %%
subset = np.random.default_rng(1).choice(len(digits), size=100, replace=False)
gap_all = (nmi_k - ami_batched).mean().item()
gap_subset = (normalized_mutual_info_score(kmeans_labels[:, subset], digits[subset])
              - adjusted_mutual_info_score(kmeans_labels[:, subset], digits[subset])).mean().item()
print(f"mean NMI - AMI over k = 2..20: all 1797 digits {gap_all:.3f}, 100 digits {gap_subset:.3f}")

# %% [markdown]
# MI keeps rising with $k$: finer clusters always pin the digit down a little better. AMI
# climbs steeply up to about ten clusters and then flattens out: past the true number of
# classes, extra clusters mostly split digits that k-means finds heterogeneous (there are
# several ways to write a 1, a 7 or a 9), which still earns a little. A plateau like this is
# the honest answer; the arg-max is one reasonable pick within it.
#
# The dotted lines show the chance part: shuffling each clustering's labels keeps its
# cluster sizes but destroys its signal. With 1797 samples and at most 20 clusters that
# chance part is small, so NMI and AMI nearly coincide here. It grows as the clusters get
# smaller relative to $n$: scored on a random subset of only 100 labelled digits, the same
# clusterings get visibly higher NMI than AMI.
#
# ## 6. Streaming: ten million labels through the metric
#
# The `torchmetrics` classes accumulate the contingency table across `update()` calls and
# compute the score from it at the end, so a dataset too large to hold at once can be
# scored batch by batch, and the state stays the size of the table however many samples
# pass through. With `num_classes=K` the table is dense, $K \times K$ int64, filled with
# `scatter_add`; with `num_classes=None` any integer ids are accepted and the state holds
# the distinct (target, preds) pairs.
#
# Here: $10^7$ synthetic samples in 50 classes, 30 % of them mislabeled, in ten batches of
# $10^6$. We keep the batches only to compare with one functional call on everything.

# %%
num_classes, batch_size, num_batches = 50, 1_000_000, 10


def make_batch(i):
    g = torch.Generator().manual_seed(1_000 + i)
    target = torch.randint(0, num_classes, (batch_size,), generator=g)
    wrong = torch.rand(batch_size, generator=g) < 0.3
    preds = torch.where(wrong, torch.randint(0, num_classes, (batch_size,), generator=g), target)
    return preds, target


metrics = {
    "MI": MutualInfoScore(num_classes=num_classes),
    "NMI": NormalizedMutualInfoScore(num_classes=num_classes),
    "AMI": AdjustedMutualInfoScore(num_classes=num_classes),
}
batches = []
start = time.perf_counter()
for i in range(num_batches):
    preds_b, target_b = make_batch(i)
    for metric in metrics.values():
        metric.update(preds_b, target_b)
    batches.append((preds_b, target_b))
streamed = {name: metric.compute() for name, metric in metrics.items()}
t_stream = time.perf_counter() - start

all_preds = torch.cat([p for p, _ in batches])
all_target = torch.cat([t for _, t in batches])
start = time.perf_counter()
at_once = {
    "MI": mutual_info_score(all_preds, all_target),
    "NMI": normalized_mutual_info_score(all_preds, all_target),
    "AMI": adjusted_mutual_info_score(all_preds, all_target),
}
t_once = time.perf_counter() - start

print(f"{len(all_target):,} samples")
for name in metrics:
    print(f"{name}: streamed {streamed[name].item():.12f}   at once {at_once[name].item():.12f}   "
          f"difference {abs(streamed[name].item() - at_once[name].item()):.0e}")
    assert abs(streamed[name].item() - at_once[name].item()) < 1e-12
state = metrics["AMI"].table
print(f"metric state: table {tuple(state.shape)} {state.dtype}, {state.numel() * state.element_size():,} bytes, "
      f"holding {int(state.sum()):,} samples")

# %% tags=["nondeterministic"]
# Timings differ from run to run and machine to machine (the notebook tests do not compare them).
print(f"streamed (incl. making the batches) in {t_stream:.1f} s, functional on everything in {t_once:.1f} s")

# %% [markdown]
# The same stream with arbitrary ids (no `num_classes`), here the first three batches with
# the class numbers mapped to large, negative and scattered ids. `reset()` empties a metric
# for the next epoch.

# %%
sparse_ami = AdjustedMutualInfoScore()  # num_classes=None: any integer ids
target_ids = torch.randint(-10**12, 10**12, (num_classes,), generator=torch.Generator().manual_seed(5))
pred_ids = torch.randint(-10**12, 10**12, (num_classes,), generator=torch.Generator().manual_seed(6))
for preds_b, target_b in batches[:3]:
    sparse_ami.update(pred_ids[preds_b], target_ids[target_b])
sparse_value = sparse_ami.compute()

dense_ami = AdjustedMutualInfoScore(num_classes=num_classes)
for preds_b, target_b in batches[:3]:
    dense_ami.update(preds_b, target_b)
print(f"first 3·10^6 samples: AMI with arbitrary ids = {sparse_value.item():.12f}, "
      f"dense ids = {dense_ami.compute().item():.12f}")
assert abs(sparse_value.item() - dense_ami.compute().item()) < 1e-12

sparse_ami.reset()
print("after reset(), state blocks:", len(sparse_ami.pairs))

# %% [markdown]
# ## 7. Checking `torch_mi` against scikit-learn
#
# scikit-learn exposes $E[MI]$ as `sklearn.metrics.cluster.expected_mutual_information`,
# which takes a contingency table with the true classes in rows and the number of samples,
# `(contingency, n_samples)`; torch_mi's `expected_mutual_info` takes the table alone (or just
# its row and column sums). We compare the two on a few labelings, then AMI itself for all four
# means on the digits clusterings (batched), the first 50 permutations of §3, 20 noisy
# labelings from §4 and a few random labelings with many clusters.

# %%
from sklearn.metrics import adjusted_mutual_info_score as sk_ami
from sklearn.metrics.cluster import contingency_matrix as sk_contingency_matrix
from sklearn.metrics.cluster import expected_mutual_information as sk_expected_mutual_information

check_rng = np.random.default_rng(11)
cases = [(aligned, target), (kmeans_labels[8], digits)]
cases += [(check_rng.integers(0, c, n), check_rng.integers(0, r, n))
          for n, r, c in [(50, 3, 4), (2_000, 40, 70), (800, 5, 300)]]
worst = 0.0
for p_, t_ in cases:  # E[MI]: the same table in both libraries, true classes in rows
    p_np, t_np = np.asarray(p_), np.asarray(t_)
    emi_sklearn = sk_expected_mutual_information(sk_contingency_matrix(t_np, p_np), len(t_np))
    worst = max(worst, abs(expected_mutual_info(contingency_matrix(p_, t_)).item() - emi_sklearn))

for m in ("min", "geometric", "arithmetic", "max"):
    for stack, t_ in ((kmeans_labels, digits), (shuffled[:50], target), (noisy[::21], target_noise)):
        ours = adjusted_mutual_info_score(stack, t_, average_method=m).numpy()
        reference = [sk_ami(np.asarray(t_), row, average_method=m) for row in np.asarray(stack)]
        worst = max(worst, float(np.abs(ours - reference).max()))
    for p_, t_ in cases:
        worst = max(worst, abs(adjusted_mutual_info_score(p_, t_, average_method=m).item()
                               - sk_ami(np.asarray(t_), np.asarray(p_), average_method=m)))

print(f"largest |torch_mi - scikit-learn| over E[MI] and AMI (4 methods) = {worst:.1e}")
assert worst < 1e-10

# %% [markdown]
# Who is off when the two disagree at the $10^{-12}$ level? scikit-learn evaluates the
# hypergeometric terms through log-gamma functions of numbers of size $n$, which costs a few
# digits as $n$ grows. A 40-digit evaluation of the $E[MI]$ formula with `mpmath` settles it
# on the smaller cases:

# %%
from collections import Counter

import mpmath

mpmath.mp.dps = 40


def emi_exact(row_sums, col_sums):
    """E[MI] from the hypergeometric formula in 40-digit arithmetic; equal sizes summed once."""
    n, total = int(sum(row_sums)), mpmath.mpf(0)
    for a, count_a in Counter(row_sums).items():
        for b, count_b in Counter(col_sums).items():
            for k in range(max(1, a + b - n), min(a, b) + 1):
                pmf = mpmath.binomial(b, k) * mpmath.binomial(n - b, a - k) / mpmath.binomial(n, a)
                total += count_a * count_b * pmf * k / n * mpmath.log(mpmath.mpf(n) * k / (a * b))
    return total


for p_, t_ in (cases[0], cases[2], cases[4]):
    table = contingency_matrix(p_, t_)
    exact = emi_exact(table.sum(1).tolist(), table.sum(0).tolist())
    emi_sklearn = sk_expected_mutual_information(table.numpy(), len(t_))
    ours = expected_mutual_info(table).item()
    print(f"n = {len(t_):4d}, {tuple(table.shape)} table: |torch_mi - exact| = {abs(float(ours - exact)):.0e}, "
          f"|scikit-learn - exact| = {abs(float(emi_sklearn - exact)):.0e}")
    assert abs(float(ours - exact)) < 1e-14

# %% [markdown]
# ## Summary
#
# * $E[MI]$ is the mean MI of labelings with the given cluster sizes assigned at random
#   (hypergeometric cells). It depends on the marginals only; `expected_mutual_info`
#   computes it exactly, and Monte Carlo agrees.
# * AMI subtracts it: random labelings score 0 on average for *any* number of clusters,
#   while MI and NMI drift upward. Negative values are normal for chance-level agreement.
# * Prefer AMI when comparing clusterings with different numbers of clusters, or when
#   clusters are small relative to $n$, as Vinh, Epps & Bailey (2010) recommend. With large
#   $n$ and few clusters, $E[MI]$ is tiny and NMI and AMI nearly agree.
# * Batched `preds` of shape `(B, N)` score many clusterings in one call; the `Metric`
# classes stream any number of samples with a state the size of the contingency table.
#
# *Reference.* N. X. Vinh, J. Epps and J. Bailey, "Information theoretic measures for
# clusterings comparison: variants, properties, normalization and correction for chance",
# JMLR 11 (2010), 2837–2854.
