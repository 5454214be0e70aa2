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
# # 02 · Normalized mutual information
#
# Mutual information is bounded by $\min(H(U), H(V))$, and that bound depends on how many
# clusters there are and how big they are. A perfect clustering of two equal classes scores
# $\log 2 \approx 0.69$ nats; a perfect clustering of ten scores $\log 10 \approx 2.30$. To read
# MI on a fixed scale, **normalized mutual information** divides it by a mean of the two
# entropies:
#
# $$NMI(U, V) = \frac{MI(U, V)}{\operatorname{mean}\big(H(U), H(V)\big)} \in [0, 1].$$
#
# This notebook compares the four usual means, shows NMI's blind spot for over-segmentation,
# and contrasts NMI with Pearson correlation as a measure of dependence.

# %%
# torch_mi from an installed package, or else from the source checkout this notebook sits in.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("torch_mi") is None:
    sys.path.insert(0, str(Path.cwd().resolve().parent))

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown, display

from torch_mi.functional import (
    completeness_score,
    entropy,
    homogeneity_score,
    mutual_info_score,
    normalized_mutual_info_score,
    v_measure_score,
)

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})
METHODS = ["min", "geometric", "arithmetic", "max"]

# %%
for k in (2, 10):
    labels = torch.arange(1_000) % k
    renamed = (labels * 7 + 3) % k  # the same partition under other names
    print(f"{k:2d} equal classes, perfect clustering: MI = {mutual_info_score(renamed, labels).item():.4f} nats, "
          f"NMI = {normalized_mutual_info_score(renamed, labels).item():.4f}")

# %% [markdown]
# ## 1. Four ways to normalize
#
# Because $MI \le \min(H(U), H(V))$, any mean at least as large as the minimum gives a score
# in $[0, 1]$. `average_method` picks the mean:
#
# | `average_method` | normalizer | notes |
# |---|---|---|
# | `"min"` | $\min(H(U), H(V))$ | 1 whenever one labeling refines the other (see §2) |
# | `"geometric"` | $\sqrt{H(U)\,H(V)}$ | the NMI of Strehl & Ghosh (2002), *Cluster ensembles*, JMLR 3 |
# | `"arithmetic"` | $\tfrac12\big(H(U) + H(V)\big)$ | default in `torch_mi` and scikit-learn; equals the V-measure |
# | `"max"` | $\max(H(U), H(V))$ | $1 - NMI_{max}$ is a true distance between partitions (Vinh, Epps & Bailey 2010) |
#
# Since $\min \le \text{geometric} \le \text{arithmetic} \le \max$, the scores always come in
# the opposite order, $NMI_{min} \ge NMI_{geometric} \ge NMI_{arithmetic} \ge NMI_{max}$, and
# they coincide when both labelings have the same entropy. They drift apart when one labeling
# has many more (or more even) clusters than the other.
#
# Below: k-means on the iris measurements with 2 to 10 clusters, plus a labeling that is the
# species with two of them merged, all scored against the species.

# %%
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris

X_iris, species = load_iris(return_X_y=True)
clusterings = {f"k-means k={k}": KMeans(n_clusters=k, n_init=5, random_state=0).fit_predict(X_iris)
               for k in (2, 3, 4, 6, 10)}
clusterings["species 1+2 merged"] = np.where(species == 2, 1, species)

nmi = {m: np.array([normalized_mutual_info_score(c, species, average_method=m).item()
                    for c in clusterings.values()]) for m in METHODS}

print(f"H(species) = {entropy(species).item():.3f} nats\n")
print(f"{'clustering':20s} {'H(preds)':>8s} {'MI':>6s} " + " ".join(f"{m:>10s}" for m in METHODS))
for i, (name, labels) in enumerate(clusterings.items()):
    print(f"{name:20s} {entropy(labels).item():8.3f} {mutual_info_score(labels, species).item():6.3f} "
          + " ".join(f"{nmi[m][i]:10.3f}" for m in METHODS))

assert np.all(nmi["min"] >= nmi["geometric"] - 1e-12) and np.all(nmi["geometric"] >= nmi["arithmetic"] - 1e-12)
assert np.all(nmi["arithmetic"] >= nmi["max"] - 1e-12)
v_measure = np.array([v_measure_score(c, species).item() for c in clusterings.values()])
assert np.allclose(v_measure, nmi["arithmetic"], rtol=0, atol=1e-12)  # arithmetic NMI is the V-measure

# %%
fig, ax = plt.subplots(figsize=(10, 3.8))
width = 0.2
positions = np.arange(len(clusterings))
for offset, m in enumerate(METHODS):
    ax.bar(positions + (offset - 1.5) * width, nmi[m], width, label=m)
ax.set_xticks(positions, list(clusterings), rotation=15)
ax.set_ylabel("NMI")
ax.set_ylim(0, 1.25)
ax.set_title("The four normalizations on iris (target: species)")
ax.legend(title="average_method", ncols=4, loc="upper center")
plt.show()

# %% [markdown]
# With $k = 3$ the clustering and the species have nearly the same entropy and all four bars
# agree. With more clusters, $H(\text{preds})$ grows past $H(\text{species})$: `min` divides
# by the species entropy and stays high (it is then the *homogeneity*), `max` divides by the
# larger clustering entropy and drops (it is then the *completeness*). With fewer clusters
# than species ($k = 2$) the roles swap. The merged labeling is
# a coarsening of the species, so $MI = H(\text{preds})$ and $NMI_{min} = 1$ although one
# species is lost. Always report which mean you used: the numbers differ a lot.
#
# ## 2. The over-segmentation pitfall
#
# Take the extreme: one cluster per sample. Knowing a sample's cluster then tells you its
# class exactly, so $MI = H(\text{target})$, the largest value possible, and every cluster is
# perfectly "pure" (homogeneity 1). Yet the clustering is useless: it groups nothing.

# %%
singletons = np.arange(len(species))  # 150 clusters of one sample each
print(f"MI(singletons, species) = {mutual_info_score(singletons, species).item():.4f}"
      f" = H(species) = {entropy(species).item():.4f}")
print(f"homogeneity = {homogeneity_score(singletons, species).item():.3f}, "
      f"completeness = {completeness_score(singletons, species).item():.3f}")
for m in METHODS:
    print(f"NMI {m:10s} = {normalized_mutual_info_score(singletons, species, average_method=m).item():.3f}")

# %% [markdown]
# The effect is not limited to this extreme. Assign 500 samples of 5 equal classes to $k$
# clusters **completely at random** and watch NMI as $k$ grows: the random clusters carry no
# information about the classes, yet every NMI variant climbs, because small clusters are
# "pure" by accident. For comparison, the dashed line is a genuinely informative 5-cluster
# labeling: the true classes with half of the labels replaced at random, so that 60 % of the
# samples keep their class (chance would give 20 %).

# %%
n, k_true, repeats = 500, 5, 20
target = torch.arange(n) % k_true
ks = np.unique(np.geomspace(2, n, 25).astype(int))
gen = torch.Generator().manual_seed(0)

curves = {m: [] for m in METHODS}
for k in ks:
    random_preds = torch.randint(0, int(k), (repeats, n), generator=gen)  # 20 random clusterings at once
    for m in METHODS:
        curves[m].append(normalized_mutual_info_score(random_preds, target, average_method=m).mean().item())

replace = torch.rand(n, generator=gen) < 0.5
informative = torch.where(replace, torch.randint(0, k_true, (n,), generator=gen), target)
informative_by_method = {m: normalized_mutual_info_score(informative, target, average_method=m).item()
                         for m in METHODS}  # 5 clusters vs 5 classes: the four means nearly agree
nmi_informative = informative_by_method["arithmetic"]

fig, ax = plt.subplots(figsize=(6.5, 4))
for m in METHODS:
    ax.semilogx(ks, curves[m], "o-", ms=3, label=f"random clusters, {m}")
ax.axhline(nmi_informative, color="k", ls="--", label="informative 5 clusters (any mean)")
ax.set_xlabel("number of random clusters k")
ax.set_ylabel("NMI against 5 true classes")
ax.set_title(f"NMI rewards many tiny random clusters (n = {n})")
ax.legend(fontsize=8)
plt.show()

print("informative 5-cluster labeling:", ", ".join(f"{m} {v:.3f}" for m, v in informative_by_method.items()))
for m in METHODS:
    above = np.flatnonzero(np.array(curves[m]) > informative_by_method[m])
    beaten = f"from k = {ks[above[0]]} random clusters on" if above.size else "never"
    print(f"  {m:10s}: random labelings score higher {beaten}")

# %% [markdown]
# A clustering of pure noise, split finely enough, outranks one that puts most samples in
# their class: with the `min` mean from about a hundred random clusters (five samples each),
# with the default `arithmetic` mean once they hold fewer than two samples each. Only `max`
# holds out here, because for a fine clustering it divides by the large $H(\text{preds})$,
# but it too rises with $k$. Comparing NMI across clusterings with very different numbers of clusters, or
# with clusters of only a few samples each, is therefore unsafe. The fix is to subtract what
# chance alone would score, which is the **adjusted** mutual information of
# [notebook 03](03_adjusted_mutual_information.ipynb).
#
# ## 3. MI versus Pearson correlation
#
# MI is not only for clusterings. Binning two continuous variables turns them into labelings,
# and the NMI of the bins measures dependence of *any* shape, while Pearson's $r$ only sees
# the linear part. Below, $x$ is uniform on $[-1, 1]$ and $y$ depends on it linearly,
# quadratically, sinusoidally, or not at all. Both variables are cut into 10 equal-frequency
# (quantile) bins, so both labelings have entropy $\log 10$ and all four NMI variants agree.

# %%
n = 2_000
gen_np = np.random.default_rng(7)
x = gen_np.uniform(-1, 1, n)
noise = gen_np.normal(size=n)
relations = {
    "linear": x + 0.3 * noise,
    "quadratic": x**2 + 0.08 * noise,
    "sinusoidal": np.sin(4 * np.pi * x) + 0.25 * noise,
    "independent": gen_np.normal(size=n),
}


def quantile_bins(values, bins=10):
    """Integer labels 0..bins-1 from equal-frequency bins."""
    edges = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(edges, values, side="right")


x_bins = quantile_bins(x)
results = {}
for name, y in relations.items():
    y_bins = quantile_bins(y)
    results[name] = (np.corrcoef(x, y)[0, 1],
                     mutual_info_score(y_bins, x_bins, log_base=2).item(),
                     normalized_mutual_info_score(y_bins, x_bins).item())

fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
for ax, (name, y) in zip(axes, relations.items()):
    r, mi_bits, nmi_value = results[name]
    ax.scatter(x, y, s=3, alpha=0.4)
    ax.set_title(f"{name}\nPearson r = {r:+.2f}, NMI = {nmi_value:.2f}")
    ax.set_xlabel("x")
axes[0].set_ylabel("y")
plt.tight_layout()
plt.show()

rows = ["| relation | Pearson r | MI (bits) | NMI |", "|---|---:|---:|---:|"]
rows += [
    f"| {name} | {r:+.3f} | {mi_bits:.3f} | {nmi_value:.3f} |" for name, (r, mi_bits, nmi_value) in results.items()
]
display(Markdown("\n".join(rows)))

# %% [markdown]
# Pearson's $r$ sees the linear relation and misses the quadratic one entirely ($r \approx 0$
# although $y$ is nearly a function of $x$); the sinusoid, which a straight line fits badly,
# gets a weak $r$. NMI is clearly positive for all three dependent pairs and near 0 for the
# independent one. The independent pair still scores slightly above 0: that is the
# finite-sample bias of notebook 01, about $(10-1)^2/(2n)$ nats for $10 \times 10$ bins.
#
# NMI also ignores anything that keeps the bins intact, for instance any strictly monotone
# transformation of $y$, and it has no sign: a decreasing relation scores the same as an
# increasing one. What you lose is the direction and the shape of the dependence; what you
# pay is the choice of bins (more bins, more bias).

# %%
for name, y in {"y = x": x, "y = exp(5x)": np.exp(5 * x), "y = -x**3": -(x**3)}.items():
    print(f"{name:12s} Pearson r = {np.corrcoef(x, y)[0, 1]:+.3f}   "
          f"NMI = {normalized_mutual_info_score(quantile_bins(y), x_bins).item():.3f}")

# %% [markdown]
# ## 4. Checking `torch_mi` against scikit-learn
#
# All four `average_method`s, on the iris clusterings, the singletons, the binned variables,
# a batch of random clusterings (batched call against a loop), and the limit cases that
# scikit-learn defines: identical one-cluster labelings score 1, a one-cluster labeling
# against a split one scores 0.

# %%
from sklearn.metrics import normalized_mutual_info_score as sk_nmi
from sklearn.metrics import v_measure_score as sk_v_measure

cases = [(labels, species) for labels in clusterings.values()]
cases += [(singletons, species), (informative, target)]
cases += [(quantile_bins(y), x_bins) for y in relations.values()]
cases += [([0, 0, 0, 0], [1, 1, 1, 1]), ([0, 0, 0, 0], [0, 1, 2, 3]), ([5, 5, 7, 7], [0, 0, 1, 1])]

worst = 0.0
for m in METHODS:
    for p_, t_ in cases:
        ours = normalized_mutual_info_score(p_, t_, average_method=m).item()
        worst = max(worst, abs(ours - sk_nmi(np.asarray(t_), np.asarray(p_), average_method=m)))
    batched = normalized_mutual_info_score(random_preds, target, average_method=m).numpy()
    reference = [sk_nmi(target.numpy(), row, average_method=m) for row in random_preds.numpy()]
    worst = max(worst, float(np.abs(batched - reference).max()))
for p_, t_ in cases:
    worst = max(worst, abs(v_measure_score(p_, t_).item() - sk_v_measure(np.asarray(t_), np.asarray(p_))))

print(f"{len(cases)} labelings + {len(random_preds)} batched, 4 methods: "
      f"largest |torch_mi - scikit-learn| = {worst:.1e}")
assert worst < 1e-10

# %% [markdown]
# ## Summary
#
# * NMI puts MI on a $[0, 1]$ scale by dividing by a mean of the two entropies; `min` ≥
#   `geometric` ≥ `arithmetic` (= V-measure) ≥ `max`. Say which one you report.
# * NMI is **not corrected for chance**: random labelings score more as the number of
#   clusters grows, and many tiny clusters can outrank a meaningful clustering.
# * On binned variables NMI detects dependence of any shape, where Pearson's $r$ sees only
#   the linear part, at the price of a binning choice and a small positive bias.
#
# Next, [notebook 03](03_adjusted_mutual_information.ipynb) removes the chance part.
#
# *References.* A. Strehl and J. Ghosh, "Cluster ensembles — a knowledge reuse framework for
# combining multiple partitions", JMLR 3 (2002). N. X. Vinh, J. Epps and J. Bailey,
# "Information theoretic measures for clusterings comparison: variants, properties,
# normalization and correction for chance", JMLR 11 (2010).
