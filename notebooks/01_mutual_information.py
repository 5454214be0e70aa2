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
# # 01 · Mutual information between two labelings
#
# A clustering algorithm hands back one label per sample. To judge it against known classes,
# or to compare two clusterings with each other, we need a score for how well two labelings
# of the **same samples** agree. The label values themselves are only names: cluster `7`
# of one algorithm has nothing to do with class `7`. What matters is the *grouping*.
#
# **Mutual information** (MI) measures exactly that: how much knowing a sample's cluster
# tells you about its class (and, symmetrically, the other way round). This notebook builds
# MI from entropies with `torch_mi`, looks at what it does under renaming, independence and
# label noise, splits it into per-cell contributions, and finally uses it as a
# (non-differentiable) objective for choosing a classifier's decision threshold.
#
# The sequels are [02 · normalized MI](02_normalized_mutual_information.ipynb) and
# [03 · adjusted MI](03_adjusted_mutual_information.ipynb).

# %%
# torch_mi from an installed package, or else from the source checkout this notebook sits in.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("torch_mi") is None:
    sys.path.insert(0, str(Path.cwd().resolve().parent))

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from torch_mi.functional import contingency_matrix, entropy, mutual_info_score

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## 1. Entropy of one labeling
#
# Write $U$ for the reference labeling (`target`, with cluster sizes $a_i$) and $V$ for the
# labeling under test (`preds`, sizes $b_j$), both of $n$ samples. Picking a sample at
# random, its label in $U$ is uncertain by
#
# $$H(U) = -\sum_i \frac{a_i}{n}\,\log\frac{a_i}{n},$$
#
# the **entropy** of the labeling. It is 0 for a single cluster and $\log k$ for $k$ clusters
# of equal size. `torch_mi` uses natural logs (nats) unless you pass `log_base` (2 gives bits).
#
# Our running example: twelve samples in three classes of four. A clustering found three
# groups, with ids of its own, and put one sample of class 0 in the wrong group.

# %%
target = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
preds = torch.tensor([5, 5, 5, 7, 7, 7, 7, 7, 9, 9, 9, 9])

print(f"H(target) = {entropy(target).item():.6f} nats = {entropy(target, log_base=2).item():.6f} bits")
print(f"log(3)    = {math.log(3):.6f}  (three equal classes)")

counts = torch.bincount(target).double()
p = counts / counts.sum()
print(f"by hand   = {float(-(p * p.log()).sum()):.6f}")
print(f"H(preds)  = {entropy(preds).item():.6f} nats (sizes 3, 5, 4: a little less than log 3)")

# %% [markdown]
# ## 2. The contingency table, and MI from entropies
#
# Everything about how two labelings relate is in their **contingency table**: $n_{ij}$ is the
# number of samples in target class $i$ *and* preds cluster $j$. Its row sums are the class
# sizes $a_i$ and its column sums the cluster sizes $b_j$. `contingency_matrix` builds it with
# rows for target labels and columns for preds labels, each sorted; only labels that occur
# get a row or a column.
#
# The table is a joint distribution $n_{ij}/n$, whose entropy is the **joint entropy**
# $H(U, V)$. Mutual information is the overlap of the two entropies:
#
# $$MI(U, V) = H(U) + H(V) - H(U, V) = \sum_{i,j} \frac{n_{ij}}{n}\,\log\frac{n\,n_{ij}}{a_i\,b_j}.$$
#
# Equivalently $MI = H(U) - H(U \mid V)$: the uncertainty about the class that is removed by
# knowing the cluster. So $0 \le MI \le \min(H(U), H(V))$.

# %%
table, row_labels, col_labels = contingency_matrix(preds, target, return_labels=True)
print("rows (target labels):", row_labels.tolist())
print("cols (preds labels): ", col_labels.tolist())
print(table)


def joint_entropy(table):
    p = table[table > 0].double() / table.sum()
    return float(-(p * p.log()).sum())


h_u, h_v, h_uv = entropy(target).item(), entropy(preds).item(), joint_entropy(table)
mi = mutual_info_score(preds, target).item()
print(f"\nH(U) = {h_u:.6f}   H(V) = {h_v:.6f}   H(U,V) = {h_uv:.6f}")
print(f"H(U) + H(V) - H(U,V) = {h_u + h_v - h_uv:.15f}")
print(f"mutual_info_score    = {mi:.15f}")
assert abs(mi - (h_u + h_v - h_uv)) < 1e-12


# %%
def show_matrix(ax, values, row_labels, col_labels, texts, cmap="Blues", **imshow_kw):
    """Heatmap of a small table with a text label in every cell."""
    values = np.asarray(values, dtype=float)
    image = ax.imshow(values, cmap=cmap, **imshow_kw)
    for (i, j), text in np.ndenumerate(np.asarray(texts, dtype=object)):
        r, g, b, _ = image.cmap(image.norm(values[i, j]))
        color = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
    ax.set_xticks(range(len(col_labels)), [str(c) for c in col_labels])
    ax.set_yticks(range(len(row_labels)), [str(r) for r in row_labels])
    ax.set_xlabel("preds cluster")
    ax.set_ylabel("target class")
    ax.grid(False)
    return image


fig, ax = plt.subplots(figsize=(4, 3.2))
show_matrix(ax, table, row_labels.tolist(), col_labels.tolist(), table.numpy())
ax.set_title(f"contingency table, MI = {mi:.3f} nats")
plt.show()

# %% [markdown]
# ## 3. Only the grouping matters
#
# Renaming the clusters permutes the columns of the table, and shuffling the samples (both
# labelings together) leaves the table as it is, so neither changes MI. Any integer ids work,
# negative or huge. MI is also symmetric: swapping `preds` and `target` transposes the table.

# %%
rename = {5: -3, 7: 100, 9: 42}
renamed = torch.tensor([rename[int(v)] for v in preds])
order = torch.randperm(len(target), generator=torch.Generator().manual_seed(0))

variants = {
    "original": mutual_info_score(preds, target),
    "clusters renamed": mutual_info_score(renamed, target),
    "samples shuffled": mutual_info_score(preds[order], target[order]),
    "arguments swapped": mutual_info_score(target, preds),
}
for name, value in variants.items():
    print(f"{name:18s} MI = {value.item():.15f}")
assert all(abs(v.item() - mi) < 1e-12 for v in variants.values())

# %% [markdown]
# ## 4. Independent labelings: MI ≈ 0, but not exactly 0
#
# If the clustering has nothing to do with the classes, the population MI is 0. A finite
# sample, though, never shows a perfectly flat table, and MI is never negative, so the
# measured value is a little above 0. For large $n$, $2n\cdot MI$ (in nats) is the G-test
# statistic, approximately $\chi^2$ with $(R-1)(C-1)$ degrees of freedom, which gives the
# rule of thumb
#
# $$E[MI] \approx \frac{(R-1)(C-1)}{2n}$$
#
# for $R$ target classes and $C$ clusters. The bias shrinks like $1/n$ but grows with the
# number of clusters: this is the chance agreement that adjusted MI removes (notebook 03).
#
# `mutual_info_score` accepts `preds` of shape `(B, N)`: B clusterings of the same samples,
# scored in one call. Here each row is an independent random clustering.

# %%
R = C = 5
repeats = 50
sizes = [100, 300, 1_000, 3_000, 10_000, 30_000]
gen = torch.Generator().manual_seed(1)

mean_mi = []
for n in sizes:
    target_ind = torch.randint(0, R, (n,), generator=gen)
    preds_ind = torch.randint(0, C, (repeats, n), generator=gen)  # 50 random clusterings at once
    mean_mi.append(mutual_info_score(preds_ind, target_ind).mean().item())
    print(f"n = {n:6d}: mean MI = {mean_mi[-1]:.5f}   (R-1)(C-1)/(2n) = {(R - 1) * (C - 1) / (2 * n):.5f}")

fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.loglog(sizes, mean_mi, "o-", label=f"mean MI of {repeats} independent labelings")
ax.loglog(sizes, [(R - 1) * (C - 1) / (2 * n) for n in sizes], "k--", label="(R-1)(C-1) / (2n)")
ax.set_xlabel("number of samples n")
ax.set_ylabel("MI (nats)")
ax.set_title("Independent labelings: MI is small but positive")
ax.legend()
plt.show()

# %% [markdown]
# ## 5. Label noise: MI falls as the noise rises
#
# Start from a perfect clustering of five equal classes and replace a fraction $p$ of the
# labels by uniformly random ones. At $p = 0$ MI equals $H(\text{target}) = \log_2 5$ bits;
# at $p = 1$ the labels are independent of the classes and MI is (almost) 0.
#
# For this noise model the population value has a closed form: a label survives with
# probability $q = 1 - p + p/k$ and is otherwise one of the $k-1$ wrong classes at random, so
# $MI = \log k + q \log q + (1-q) \log\frac{1-q}{k-1}$, the capacity of a $k$-ary symmetric
# channel. All 21 noise levels × 20 repeats are scored in one batched call.

# %%
n, k = 2_000, 5
target_noise = torch.arange(n) % k
noise_levels = torch.linspace(0, 1, 21)
repeats = 20
gen = torch.Generator().manual_seed(2)

p = noise_levels.repeat_interleave(repeats)  # one noise level per row
replace = torch.rand(len(p), n, generator=gen) < p[:, None]
noisy = torch.where(replace, torch.randint(0, k, (len(p), n), generator=gen), target_noise)
mi_noise = mutual_info_score(noisy, target_noise, log_base=2).reshape(len(noise_levels), repeats)

q = (1 - noise_levels + noise_levels / k).double()
closed_form = (math.log(k) + q * q.log() + torch.xlogy(1 - q, (1 - q) / (k - 1))) / math.log(2)

fig, ax = plt.subplots(figsize=(5.5, 3.5))
mean, std = mi_noise.mean(1), mi_noise.std(1)
ax.plot(noise_levels, mean, "o-", label=f"measured (mean ± sd of {repeats})")
ax.fill_between(noise_levels, mean - std, mean + std, alpha=0.3)
ax.plot(noise_levels, closed_form, "k--", label="k-ary symmetric channel")
ax.axhline(math.log2(k), color="gray", ls=":", label="H(target) = log2 5")
ax.set_xlabel("fraction of labels replaced at random, p")
ax.set_ylabel("MI (bits)")
ax.set_title("MI falls as label noise rises")
ax.legend()
plt.show()
print("MI at p = 0, 0.5, 1:", [round(v, 4) for v in mean[[0, 10, 20]].tolist()], "bits")

# %% [markdown]
# ## 6. Where the information comes from: per-cell contributions
#
# Each cell of the table adds one term to the MI sum,
#
# $$c_{ij} = \frac{n_{ij}}{n}\,\log\frac{n\,n_{ij}}{a_i\,b_j} = \frac{n_{ij}}{n}\,\log\frac{n_{ij}}{e_{ij}},
# \qquad e_{ij} = \frac{a_i b_j}{n},$$
#
# where $e_{ij}$ is the count the cell would have if the labelings were independent. A cell
# holding *more* samples than $e_{ij}$ contributes positively, one holding *fewer* contributes
# negatively, and an empty cell contributes 0. Negative cells never win, though: the sum
# of a row is $\frac{a_i}{n}\,\mathrm{KL}\big(p(V \mid U{=}i)\,\|\,p(V)\big) \ge 0$, so every
# class contributes a non-negative amount in total.
#
# The example below has four classes: class 0 is mostly found, class 1 is split between two
# clusters, and classes 2 and 3 are largely merged into one cluster.

# %%
design = torch.tensor([
    [100, 10, 5, 5],
    [5, 40, 30, 5],
    [2, 3, 5, 50],
    [3, 2, 5, 30],
])
cells = torch.arange(design.numel()).repeat_interleave(design.flatten())
shuffle = torch.randperm(len(cells), generator=torch.Generator().manual_seed(3))
target_c = (cells // 4)[shuffle]          # classes 0..3
preds_c = (cells % 4 + 10)[shuffle]       # clusters 10..13

table_c, rows_c, cols_c = contingency_matrix(preds_c, target_c, return_labels=True)
t = table_c.double()
n = t.sum()
a, b = t.sum(1, keepdim=True), t.sum(0, keepdim=True)
expected = a * b / n
contrib = torch.where(t > 0, t / n * torch.log(torch.where(t > 0, t, 1.0) / expected), 0.0)

mi_c = mutual_info_score(preds_c, target_c).item()
print(f"sum of contributions = {contrib.sum().item():.15f}")
print(f"mutual_info_score    = {mi_c:.15f}")
print("row totals (each >= 0):", [round(v, 4) for v in contrib.sum(1).tolist()])
assert abs(contrib.sum().item() - mi_c) < 1e-12 and bool((contrib.sum(1) >= 0).all())

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
count_text = [[f"{int(o)}\n({e:.0f})" for o, e in zip(ro, re)] for ro, re in zip(t.tolist(), expected.tolist())]
show_matrix(axes[0], t, rows_c.tolist(), cols_c.tolist(), count_text)
axes[0].set_title("observed count (expected if independent)")

limit = contrib.abs().max().item()
image = show_matrix(
    axes[1], contrib, rows_c.tolist(), cols_c.tolist(),
    [[f"{v:+.3f}" for v in row] for row in contrib.tolist()],
    cmap="RdBu", vmin=-limit, vmax=limit,
)
axes[1].set_title(f"contribution to MI = {mi_c:.3f} nats")
fig.colorbar(image, ax=axes[1], label="nats")
plt.tight_layout()
plt.show()

# %% [markdown]
# The big positive cells are the ones the clustering got right: (0, 10), the split of class 1
# over clusters 11 and 12, and cluster 13 holding classes 2 and 3. Note that cell (3, 13) is
# positive even though those 30 samples are "merged" with class 2: cluster 13 still tells you
# the sample is in class 2 *or* 3, which is information. The small red cells are where the
# clustering put fewer samples than chance would, mostly the stray samples of each class.
#
# ## 7. MI as a non-differentiable objective: choosing a decision threshold
#
# A probabilistic classifier turns into a labeling only after a threshold $t$:
# predict 1 when $P(y{=}1 \mid x) \ge t$. MI between those hard predictions and the truth is
# a function of $t$ we might want to maximise, but it is **piecewise constant**: it only
# changes when $t$ crosses one of the predicted probabilities, so its gradient is zero almost
# everywhere and undefined at the jumps. No gradient descent here, but a one-dimensional
# sweep is cheap, and with batched `preds` every threshold is scored in a single call.
#
# The data: a synthetic, imbalanced and fairly hard two-class problem from scikit-learn
# (about 15 % positives, two informative features out of six), a logistic regression fitted
# on one half, and the threshold chosen on the other (validation) half.

# %%
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X, y = make_classification(
    n_samples=3_000, n_features=6, n_informative=2, n_redundant=0, n_clusters_per_class=1,
    weights=[0.85], flip_y=0.0, class_sep=0.5, random_state=1,
)
X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
model = LogisticRegression().fit(X_fit, y_fit)
proba = model.predict_proba(X_val)[:, 1]

thresholds = np.round(np.linspace(0.01, 0.99, 99), 2)
decisions = proba[None, :] >= thresholds[:, None]            # (99, N) bools: one labeling per threshold
mi_t = mutual_info_score(decisions, y_val, log_base=2).numpy()  # all 99 scored at once
accuracy = (decisions == y_val).mean(1)

recall = decisions[:, y_val == 1].mean(1)  # fraction of the positives caught

best = int(np.argmax(mi_t))
half = int(np.flatnonzero(thresholds == 0.5)[0])
best_accuracy = int(np.argmax(accuracy))
print(f"positives in the validation set: {y_val.mean():.1%}")
for name, i in (("default", half), ("max accuracy", best_accuracy), ("max MI", best)):
    print(f"{name:12s} t = {thresholds[i]:.2f}:  MI = {mi_t[i]:.4f} bits   accuracy = {accuracy[i]:.3f}   "
          f"recall = {recall[i]:.2f}   predicted positive = {decisions[i].mean():.1%}")

# %%
fine = np.linspace(thresholds[best] - 0.03, thresholds[best] + 0.03, 1_201)
mi_fine = mutual_info_score(proba[None, :] >= fine[:, None], y_val, log_base=2).numpy()

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].plot(thresholds, mi_t, label="MI(prediction, truth)")
axes[0].axvline(thresholds[best], color="C3", ls="--", label=f"max MI at t = {thresholds[best]:.2f}")
axes[0].axvline(0.5, color="gray", ls=":", label="t = 0.5")
axes[0].set_xlabel("decision threshold t")
axes[0].set_ylabel("MI (bits)")
twin = axes[0].twinx()
twin.plot(thresholds, accuracy, color="C2", alpha=0.6)
twin.set_ylabel("accuracy", color="C2")
twin.grid(False)
axes[0].legend(loc="lower center")
axes[0].set_title("threshold sweep on the validation set")

axes[1].step(fine, mi_fine, where="post")
axes[1].set_xlabel("decision threshold t (zoomed in)")
axes[1].set_ylabel("MI (bits)")
axes[1].set_title(f"piecewise constant: {len(np.unique(mi_fine))} distinct values in {len(fine)} thresholds")
plt.tight_layout()
plt.show()

# %% [markdown]
# The sweep picks the threshold that makes the hard predictions most informative about the
# truth. Here it sits below both 0.5 and the accuracy-optimal threshold: accuracy is
# dominated by the majority class and is happy to predict few positives, while MI also
# rewards catching the rare class, so its threshold predicts roughly as many positives as
# there are, catching more of them for a little accuracy. Two caveats: MI is symmetric under
# renaming, so a classifier whose outputs are exactly inverted would score the same (harmless
# here, since a larger $t$ always means fewer positives); and a threshold tuned on a validation
# set should be judged on a separate test set. At the extremes ($t$ below every probability or
# above all of them) every sample gets the same label and MI is exactly 0.
#
# ## 8. Checking `torch_mi` against scikit-learn
#
# scikit-learn's `mutual_info_score(labels_true, labels_pred)` takes its arguments in the
# other order (MI is symmetric anyway) and works in nats; its `contingency_matrix` also puts
# the true classes in rows. We compare MI, MI in bits, entropies (against `scipy.stats.entropy`
# on the counts), the tables, and the batched threshold sweep against a loop, on this
# notebook's examples and on random labelings with arbitrary ids.

# %%
from scipy.stats import entropy as scipy_entropy
from sklearn.metrics import mutual_info_score as sk_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix as sk_contingency_matrix

check_rng = np.random.default_rng(123)
cases = [(preds, target), (renamed, target), (preds_c, target_c), (noisy[150], target_noise)]
for n, r, c in [(10, 2, 3), (500, 7, 4), (5_000, 30, 50), (20_000, 3, 200)]:
    truth = check_rng.integers(0, r, n)
    ids = check_rng.integers(-10**9, 10**9, c)                       # arbitrary cluster ids
    guess = np.where(check_rng.random(n) < 0.5, ids[truth % c], check_rng.choice(ids, n))
    cases.append((guess, truth))

worst = 0.0
for p_, t_ in cases:
    p_np, t_np = np.asarray(p_), np.asarray(t_)
    reference = sk_mutual_info_score(t_np, p_np)
    worst = max(worst, abs(mutual_info_score(p_, t_).item() - reference))
    worst = max(worst, abs(mutual_info_score(p_, t_, log_base=2).item() - reference / math.log(2)))
    worst = max(worst, abs(entropy(t_).item() - scipy_entropy(np.unique(t_np, return_counts=True)[1])))
    assert np.array_equal(contingency_matrix(p_, t_).numpy(), sk_contingency_matrix(t_np, p_np))

sweep_reference = np.array([sk_mutual_info_score(y_val, d) for d in decisions]) / math.log(2)
worst = max(worst, float(np.abs(mi_t - sweep_reference).max()))
print(f"{len(cases)} labelings + {len(decisions)} thresholds: largest |torch_mi - reference| = {worst:.1e}")
assert worst < 1e-10

# %% [markdown]
# ## Summary
#
# * MI is computed from the contingency table alone: $MI = H(U) + H(V) - H(U,V)$.
# * It ignores label names and sample order, and is symmetric in its two arguments.
# * Independent labelings score slightly above 0, by about $(R-1)(C-1)/(2n)$ nats.
# * Each table cell contributes $\frac{n_{ij}}{n}\log\frac{n_{ij}}{e_{ij}}$; over- and
#   under-populated cells show where the agreement (and the confusion) is.
# * MI is a fine selection criterion but not a training loss: it is piecewise constant in
#   any threshold. Batched `preds` make sweeping cheap.
#
# MI's scale depends on the entropies of the labelings (a perfect match of 2 classes gives
# $\log 2$, of 10 classes $\log 10$), which makes raw MI values hard to compare across
# problems. [Notebook 02](02_normalized_mutual_information.ipynb) normalizes it.
