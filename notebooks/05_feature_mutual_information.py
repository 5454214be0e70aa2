# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Mutual information of features
#
# Notebooks 01–04 compared two labelings of the same samples. MI's other everyday use is
# **feature screening**: rank the columns of a feature matrix $X$ ($N$ samples × $F$ features)
# by how much each tells about a target $y$. Unlike a correlation coefficient, MI is zero
# only for independence, so it also finds dependence that is not linear, and it treats class
# labels and continuous targets alike.
#
# `torch_mi` has three ways to get one MI value (in nats) per feature, each over all features
# in one batched pass:
#
# * `mutual_info_classif` / `mutual_info_regression`: scikit-learn's estimators, with its
#   conventions, on tensors. Continuous features use $k$-nearest-neighbour estimates
#   (Kraskov, Stögbauer & Grassberger 2004 for a continuous target, Ross 2014 for class
#   labels); discrete features are counted exactly.
# * `binned_mutual_info`: cut each feature into bins, then the exact MI of the contingency
#   table, or with `adjusted=True` its chance-corrected form (the AMI of notebook 03).
# * `FeatureMutualInfo`: the binned MI as a `torchmetrics` metric that accumulates over
#   batches.
#
# This notebook ranks the features of a real dataset and checks the ranking against
# scikit-learn, compares MI with Pearson correlation and with the closed form for Gaussians,
# shows why binned MI needs the chance correction, streams a dataset through the metric, and
# times the batched estimators against scikit-learn's.

# %%
# torch_mi from an installed package, or else from the source checkout this notebook sits in.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("torch_mi") is None:
    sys.path.insert(0, str(Path.cwd().resolve().parent))

import time

import matplotlib.pyplot as plt
import numpy as np
import sklearn.feature_selection as skfs
import torch
from sklearn.datasets import load_breast_cancer

from torch_mi import FeatureMutualInfo
from torch_mi.feature_selection import bin_edges
from torch_mi.functional import binned_mutual_info, mutual_info_classif, mutual_info_regression

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## 1. Ranking the features of a dataset
#
# The Wisconsin breast cancer data that ships with scikit-learn: 569 tumours, 30 continuous
# measurements of their cell nuclei, and a binary target (malignant or benign). Which
# measurements tell the most about the diagnosis?
#
# `mutual_info_classif` takes tensors (or numpy arrays) and returns a float64 tensor on
# $X$'s device. Like scikit-learn, it scales each continuous column by its standard deviation
# and adds a tiny noise ($10^{-10}$ of the column's scale) to break ties between equal
# values; with the same `random_state` (an int or a `numpy.random.RandomState`) the noise
# is the very same draws as scikit-learn's, so the two results can be compared number for number.

# %%
cancer = load_breast_cancer()
X_cancer = torch.from_numpy(cancer.data)  # (569, 30) float64
y_cancer = torch.from_numpy(cancer.target)  # (569,) 0 = malignant, 1 = benign

mi_ours = mutual_info_classif(X_cancer, y_cancer, random_state=0)
mi_sklearn = skfs.mutual_info_classif(cancer.data, cancer.target, random_state=0)

ranking = torch.argsort(mi_ours, descending=True)
print(f"{X_cancer.shape[1]} features, {X_cancer.shape[0]} samples; the ten most informative:")
print(f"{'rank':>4}  {'feature':<24} {'torch_mi':>9} {'scikit-learn':>13}")
for rank, j in enumerate(ranking[:10].tolist(), start=1):
    print(f"{rank:>4}  {cancer.feature_names[j]:<24} {mi_ours[j].item():9.4f} {mi_sklearn[j]:13.4f}")

assert np.abs(mi_ours.numpy() - mi_sklearn).max() < 1e-10
assert (ranking.numpy() == np.argsort(-mi_sklearn, kind="stable")).all()
print("\nall 30 values agree with scikit-learn within 1e-10, and so does the whole ranking")

# %% [markdown]
# `torch_mi.sklearn.mutual_info_classif` is the same estimator with scikit-learn's exact
# signature and a numpy result, for code that expects `sklearn.feature_selection`'s function
# (it also accepts string class labels and scipy sparse matrices). Here the labels are strings,
# coded in sorted order ("benign" first), the reverse of the 0/1 target: the MI is the same,
# though sums taken class by class in another order can differ in the last bit.

# %%
from torch_mi.sklearn import mutual_info_classif as sk_style_mutual_info_classif

names = np.where(cancer.target == 0, "malignant", "benign")  # string labels
drop_in = sk_style_mutual_info_classif(cancer.data, names, random_state=0)
print(type(drop_in).__name__, drop_in.dtype, drop_in.shape,
      f"equal to the tensor result within 1e-12: {np.abs(drop_in - mi_ours.numpy()).max() < 1e-12}")

# %%
order = ranking.flip(0).numpy()  # ascending, so the best ends up on top
fig, ax = plt.subplots(figsize=(7, 7))
ax.barh(np.arange(30), mi_ours.numpy()[order], color="C0", alpha=0.7, label="torch_mi")
ax.plot(mi_sklearn[order], np.arange(30), "k|", markersize=10, label="scikit-learn")
ax.set_yticks(np.arange(30), [cancer.feature_names[j] for j in order], fontsize=8)
ax.set_xlabel("MI with the diagnosis (nats)")
ax.set_title("Breast cancer features ranked by mutual information")
ax.legend(loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# The size measurements (perimeter, area, radius, worst and mean) and the concave points lead;
# the fractal dimensions and the standard errors ("error") of texture, smoothness and symmetry
# tell little. The top of the list is redundant:
# perimeter, area and radius of the same nucleus measure nearly the same thing. MI ranks each
# feature on its own and says nothing about what a feature adds to the others already chosen;
# selecting a *set* of features needs more than a ranking (conditional MI, or a model).
#
# The entropy of the binary target is at most $\log 2 \approx 0.69$ nats (here
# $H(y) \approx 0.66$), which bounds every value: the best single measurement carries
# nearly three quarters of the information in the diagnosis.

# %%
p_benign = y_cancer.double().mean().item()
h_target = -(p_benign * np.log(p_benign) + (1 - p_benign) * np.log(1 - p_benign))
print(f"H(diagnosis) = {h_target:.4f} nats; best feature: {mi_ours.max().item():.4f} nats "
      f"= {mi_ours.max().item() / h_target:.0%} of it")

# %% [markdown]
# ## 2. MI versus Pearson correlation
#
# Pearson's $r$ measures how well a straight line fits. For a bivariate Gaussian that is all
# there is to the dependence, and MI is a function of $\rho$ alone:
#
# $$I(X; Y) = -\tfrac12 \log\left(1 - \rho^2\right).$$
#
# For other relations the two part ways. Below, $x$ is standard normal ($n = 4\,000$) and $y$
# depends on it linearly ($\rho = 0.8$, Gaussian), quadratically, sinusoidally, or not at all.
# MI is symmetric, so all four $y$'s go in as the columns of one feature matrix, with $x$ as
# the continuous target of `mutual_info_regression`: one batched call. The column
# "Gaussian MI of r" is the MI a Gaussian pair with that correlation would have, which is
# all that $r$ can see.

# %%
n = 4_000
rng = np.random.default_rng(2)
x = rng.standard_normal(n)
eps = rng.standard_normal((n, 4))
relations = {
    "linear": 0.8 * x + 0.6 * eps[:, 0],  # bivariate Gaussian, rho = 0.8
    "quadratic": x**2 + 0.3 * eps[:, 1],
    "sinusoidal": np.sin(3 * x) + 0.3 * eps[:, 2],
    "independent": eps[:, 3],
}
Y = np.stack(list(relations.values()), axis=1)  # (4000, 4)
mi_knn = mutual_info_regression(torch.from_numpy(Y), torch.from_numpy(x), random_state=0)
assert np.abs(mi_knn.numpy() - skfs.mutual_info_regression(Y, x, random_state=0)).max() < 1e-10

print(f"{'relation':<12} {'Pearson r':>9} {'Gaussian MI of r':>17} {'kNN MI':>8}")
for (name, y), mi in zip(relations.items(), mi_knn.tolist()):
    r = np.corrcoef(x, y)[0, 1]
    print(f"{name:<12} {r:+9.3f} {-0.5 * np.log1p(-r**2):17.4f} {mi:8.4f}")
print(f"closed form for the linear (Gaussian) pair: -1/2 log(1 - 0.8^2) = {-0.5 * np.log1p(-0.64):.4f}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharex=True)
for ax, (name, y), mi in zip(axes, relations.items(), mi_knn.tolist()):
    ax.scatter(x, y, s=2, alpha=0.3)
    ax.set_title(f"{name}\nr = {np.corrcoef(x, y)[0, 1]:+.2f}, MI = {mi:.2f} nats")
    ax.set_xlabel("x")
axes[0].set_ylabel("y")
plt.tight_layout()
plt.show()

# %% [markdown]
# Pearson's $r$ finds the linear relation and nothing else: the quadratic and the sinusoid,
# where $y$ is nearly a function of $x$, get $|r| < 0.05$, as the independent pair does.
# The kNN estimate of MI is large for all three dependent pairs, larger for the quadratic and
# the sinusoid than for the linear one (their noise is smaller), and about 0 for the
# independent pair. For the Gaussian pair it lands on the closed form.
#
# The closed form makes a check of the estimator across the whole range of $\rho$: eight
# Gaussian pairs, again one batched call.

# %%
rhos = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99])
noise_cols = rng.standard_normal((n, len(rhos)))
Y_gauss = rhos * x[:, None] + np.sqrt(1 - rhos**2) * noise_cols  # column j: correlation rhos[j] with x
mi_gauss = mutual_info_regression(torch.from_numpy(Y_gauss), torch.from_numpy(x), random_state=0).numpy()
exact = -0.5 * np.log1p(-rhos**2)

print(f"{'rho':>5} {'exact':>8} {'kNN MI':>8} {'difference':>11}")
for rho, e, m in zip(rhos, exact, mi_gauss):
    print(f"{rho:5.2f} {e:8.4f} {m:8.4f} {m - e:+11.4f}")
assert np.abs(mi_gauss - exact).max() < 0.03

# %% [markdown]
# The KSG estimator is within a few hundredths of a nat of the truth everywhere, with no bins
# to choose. (Its estimate is clipped at 0, as scikit-learn's: an estimate can dip below 0 for
# independent variables.)
#
# ## 3. Binned MI, kNN MI and chance-corrected binned MI
#
# Binning is the other way to estimate MI of a continuous feature: cut it into $b$ bins and
# compute the exact MI of the $b \times C$ contingency table with the $C$ classes. It is fast
# and simple, but notebook 01 showed its catch: even for an independent feature the plug-in
# MI is positive, about $(b-1)(C-1)/(2n)$ nats, so it grows with the number of bins.
# `binned_mutual_info(..., adjusted=True)` returns the adjusted MI instead, which subtracts
# the MI expected by chance (notebook 03) and is 0 on average for an independent feature
# whatever $b$.
#
# The data: $n = 1\,000$ samples of $C = 3$ equally likely classes, 50 weakly informative
# features (the class plus Gaussian noise of standard deviation 2.5, each with its own noise)
# and 50 independent ones. For each number of bins, one call scores all 100; we report the mean
# over each group. The kNN estimate (`mutual_info_classif`) needs no bins, so it is one line.
# For the informative features the true MI is known: $I = h(X) - h(X \mid Y)$, with
# $h(X \mid Y) = \tfrac12\log(2\pi e\,\sigma^2)$ and $h(X)$ the entropy of the three-component
# Gaussian mixture, integrated numerically.

# %%
from scipy import integrate, stats

n, num_classes, num_each, sigma = 1_000, 3, 50, 2.5
gen = torch.Generator().manual_seed(3)
y3 = torch.randint(0, num_classes, (n,), generator=gen)
informative = y3[:, None] + sigma * torch.randn(n, num_each, generator=gen, dtype=torch.float64)
X3 = torch.cat([informative, torch.randn(n, num_each, generator=gen, dtype=torch.float64)], dim=1)  # (1000, 100)


def mixture_density(t):
    return np.mean([stats.norm.pdf(t, loc=c, scale=sigma) for c in range(num_classes)], axis=0)


h_mixture = integrate.quad(lambda t: -mixture_density(t) * np.log(mixture_density(t)), -40, 42, limit=200)[0]
true_mi = h_mixture - 0.5 * np.log(2 * np.pi * np.e * sigma**2)

bins_list = [2, 4, 8, 16, 32, 64, 128]
plain = torch.stack([binned_mutual_info(X3, y3, bins=b) for b in bins_list])  # (7, 100)
adjusted = torch.stack([binned_mutual_info(X3, y3, bins=b, adjusted=True) for b in bins_list])
knn = mutual_info_classif(X3, y3, random_state=0)

print(f"true MI of an informative feature: {true_mi:.4f} nats\n")
print(f"{'':>4} | {'informative (50)':^18} | {'independent (50)':^34}")
print(f"{'bins':>4} | {'binned MI':>9} {'AMI':>8} | {'binned MI':>9} {'(b-1)(C-1)/2n':>14} {'AMI':>9}")
for b, p, a in zip(bins_list, plain, adjusted):
    bias = (b - 1) * (num_classes - 1) / (2 * n)
    print(f"{b:4d} | {p[:num_each].mean().item():9.4f} {a[:num_each].mean().item():8.4f} | "
          f"{p[num_each:].mean().item():9.4f} {bias:14.4f} {a[num_each:].mean().item():+9.4f}")
print(f"{'kNN':>4} | {knn[:num_each].mean().item():9.4f} {'':>8} | {knn[num_each:].mean().item():9.4f}")
print(f"\nkNN MI of the informative features: mean {knn[:num_each].mean().item():.4f}, "
      f"standard deviation {knn[:num_each].std().item():.4f} over the 50")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].plot(bins_list, plain[:, :num_each].mean(1), "o-", label="informative (mean of 50)")
axes[0].plot(bins_list, plain[:, num_each:].mean(1), "s-", label="independent (mean of 50)")
axes[0].plot(bins_list, [(b - 1) * (num_classes - 1) / (2 * n) for b in bins_list], "k--", label="(b-1)(C-1)/(2n)")
axes[0].axhline(true_mi, color="C0", ls=":", label="true MI, informative")
axes[0].axhline(knn[:num_each].mean().item(), color="C2", ls="-.", label="kNN MI, informative")
axes[0].set_title("plain binned MI grows with the bins")
axes[0].set_ylabel("nats")
axes[1].plot(bins_list, adjusted[:, :num_each].mean(1), "o-", label="informative (mean of 50)")
axes[1].plot(bins_list, adjusted[:, num_each:].mean(1), "s-", label="independent (mean of 50)")
axes[1].axhline(0, color="k", lw=0.8)
axes[1].set_title("adjusted binned MI (AMI) does not")
for ax in axes:
    ax.set_xscale("log", base=2)
    ax.set_xlabel("bins per feature")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# Read the independent features first: their plain binned MI follows $(b-1)(C-1)/(2n)$
# closely up to 32 bins and runs a little above it beyond (the formula is the first term of an
# expansion that assumes many samples per cell; at 128 bins there are about 8 per bin), while
# their AMI averages 0 at every $b$. The informative features show both faults of binning:
# coarse bins lose information (2 bins find less than the true MI), and fine bins add the
# chance term on top, so plain binned MI cannot tell "more information" from "more bins".
# Two consequences for screening:
#
# * With many bins, pure *noise* scores more than the informative features at a few bins:
#   compare the independent features at 64 or 128 bins with the informative ones at 4 or 8.
#   That matters whenever features come with different numbers of distinct values (a category
#   with many levels, an id-like column), binned or counted exactly.
# * The adjusted score ranks fairly across bin counts: 0 means "no more than chance" for every
#   $b$, and the informative features stay clearly above it.
#
# AMI is a normalized score (1 for a perfect match), not nats: it falls slowly with $b$ here
# because its denominator, the entropy of the binned feature, grows. Use it to rank; for a
# value in nats, the kNN estimate needs no bins and lands near the true MI on average, though
# at $n = 1\,000$ one feature's estimate scatters by a few hundredths of a nat (and it is
# clipped at 0, which is why the independent features average slightly above 0).
#
# ## 4. Streaming: `FeatureMutualInfo`
#
# When the data arrive in batches (a validation epoch, a dataset too large for memory), the
# metric `FeatureMutualInfo(num_features, bin_edges=...)` accumulates one contingency table
# per feature: `update(X, y)` with $X$ of shape $(N, F)$ adds a batch, `compute()` returns
# the $F$ scores. Bins must be the same for every batch, so the edges are fixed up front with
# `bin_edges` (quantile edges by default). As for every torch_mi metric, `num_classes=(classes,
# bins)` keeps dense tables; the default keeps only the (class, bin) pairs that occur.
#
# With edges computed from all the data the streamed result equals the one-shot
# `binned_mutual_info` (which computes the same edges internally), for MI and for AMI:

# %%
n, num_features, batch = 200_000, 20, 10_000
gen = torch.Generator().manual_seed(4)
y4 = torch.randint(0, 4, (n,), generator=gen)
strength = torch.linspace(0, 1.5, num_features, dtype=torch.float64)  # feature j: strength[j] * class + noise
X4 = strength * y4[:, None] + torch.randn(n, num_features, generator=gen, dtype=torch.float64)
X4[:, -1] = (y4 - 1.5).abs() + 0.3 * torch.randn(n, generator=gen, dtype=torch.float64)  # V-shaped in the class

edges = bin_edges(X4, bins=16)  # (20, 17)
streamed = FeatureMutualInfo(num_features, bin_edges=edges, num_classes=(4, 16))  # dense (4 x 16) tables
streamed_ami = FeatureMutualInfo(num_features, bin_edges=edges, adjusted=True)  # any labels: sparse state
for start in range(0, n, batch):
    streamed.update(X4[start:start + batch], y4[start:start + batch])
    streamed_ami.update(X4[start:start + batch], y4[start:start + batch])

one_shot = binned_mutual_info(X4, y4, bins=16)
one_shot_ami = binned_mutual_info(X4, y4, bins=16, adjusted=True)
mi_stream, ami_stream = streamed.compute(), streamed_ami.compute()
print(f"{n:,} samples in {n // batch} batches of {batch:,}, {num_features} features, 16 bins each")
print("streamed MI :", np.array2string(mi_stream[::4].numpy(), precision=4), "(every 4th feature)")
print("one-shot MI :", np.array2string(one_shot[::4].numpy(), precision=4))
print(f"largest difference: MI {(mi_stream - one_shot).abs().max().item():.0e}, "
      f"AMI {(ami_stream - one_shot_ami).abs().max().item():.0e}")
assert torch.allclose(mi_stream, one_shot, rtol=0, atol=1e-12)
assert torch.allclose(ami_stream, one_shot_ami, rtol=0, atol=1e-12)
tables = streamed.contingency_matrix()
print(f"metric state: {tuple(tables.shape)} {tables.dtype} (one class x bin table per feature), "
      f"{int(tables[0].sum()):,} samples in each")

# %% [markdown]
# In a real stream the full data are not at hand when the edges are needed. Edges from the
# first batch code every later batch (values outside them go to the first or last bin), and
# the scores barely move, nor does the ranking. (The last feature is $|y - 1.5|$ plus noise:
# high for classes 0 and 3, low for 1 and 2. MI ranks it among the best; Pearson's $r$ with the
# class is about 0.)

# %%
first_batch_edges = bin_edges(X4[:batch], bins=16)
from_first = FeatureMutualInfo(num_features, bin_edges=first_batch_edges)
for start in range(0, n, batch):
    from_first.update(X4[start:start + batch], y4[start:start + batch])
mi_first = from_first.compute()
print(f"edges from the first batch: largest change in MI {(mi_first - one_shot).abs().max().item():.4f} nats, "
      f"same ranking: {torch.equal(mi_first.argsort(), one_shot.argsort())}")
print(f"the V-shaped feature (last) scores {mi_first[-1].item():.3f} nats; its Pearson r with the class is "
      f"{np.corrcoef(X4[:, -1].numpy(), y4.numpy())[0, 1]:+.3f}")

# %% [markdown]
# ## 5. Speed: one batched pass against scikit-learn's loop over features
#
# scikit-learn estimates each feature in turn, building a neighbour-search tree per feature
# (per class, for class labels). torch_mi builds no tree: each feature is one-dimensional, so
# neighbours along it come from one sort, and the joint (x, y) neighbourhoods of the regression
# estimator from blocks of x-ranks kept in y order. On a CPU with numba installed (`pip install
# 'torch_mi[numba]'`, as where this notebook was built) these searches run as compiled kernels,
# features spread over torch's threads; without numba, or on a GPU, the same searches run as
# batched tensor operations and give the same numbers to the last bit. Both libraries are timed
# below on $2 \cdot 10^4$ samples × 50 features, with one CPU thread (as this notebook runs), once
# each: the ratios printed are this build's and vary from machine to machine and run to run.
# `benchmarks/` has the full-size comparison at one and two threads.

# %% tags=["nondeterministic"]
timing_rng = np.random.default_rng(5)
X5 = timing_rng.standard_normal((20_000, 50))
y5_continuous = X5[:, 0] + X5[:, 1] ** 2 + timing_rng.standard_normal(20_000)
y5_classes = (y5_continuous > 1).astype(np.int64)
X5_t, y5_classes_t, y5_continuous_t = map(torch.from_numpy, (X5, y5_classes, y5_continuous))
results = {}
for task, ours_fn, sklearn_fn, y_np, y_t in [
    ("classif", mutual_info_classif, skfs.mutual_info_classif, y5_classes, y5_classes_t),
    ("regression", mutual_info_regression, skfs.mutual_info_regression, y5_continuous, y5_continuous_t),
]:
    start = time.perf_counter()
    ours = ours_fn(X5_t, y_t, random_state=0)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = sklearn_fn(X5, y_np, random_state=0)
    t_sklearn = time.perf_counter() - start
    results[task] = (ours, theirs)
    print(f"mutual_info_{task:<10}  torch_mi {t_ours:5.2f} s   scikit-learn {t_sklearn:5.2f} s   "
          f"ratio {t_sklearn / t_ours:4.1f}x")

# %% [markdown]
# The timed results agree too:

# %%
for task, (ours, theirs) in results.items():
    print(f"mutual_info_{task}: agrees with scikit-learn within 1e-10: {np.abs(ours.numpy() - theirs).max() < 1e-10}; "
          f"top features {ours.argsort(descending=True)[:2].tolist()} and {np.argsort(-theirs)[:2].tolist()}")

# %% [markdown]
# ## Summary
#
# * `mutual_info_classif` / `mutual_info_regression` are scikit-learn's kNN estimators on
#   tensors, all features in one pass; with the same `random_state` they give scikit-learn's
#   numbers. `torch_mi.sklearn` has the numpy drop-ins with scikit-learn's exact signatures.
# * MI sees dependence of any shape, where Pearson's $r$ sees only the linear part; for a
#   Gaussian pair the kNN estimate matches $-\tfrac12\log(1-\rho^2)$.
# * Plain binned MI is biased upwards by about $(b-1)(C-1)/(2n)$, so it favours features cut
#   into many bins (or with many distinct values). `binned_mutual_info(..., adjusted=True)`
#   corrects for chance and ranks fairly; the kNN estimate needs no bins at all.
# * `FeatureMutualInfo` streams the binned MI (or AMI) over batches in a state of one
#   contingency table per feature, with edges fixed up front by `bin_edges`.
# * A ranking by MI scores each feature alone: it does not see redundancy between features.
#
# *References.* A. Kraskov, H. Stögbauer and P. Grassberger, "Estimating mutual information",
# Phys. Rev. E 69 (2004), 066138. B. C. Ross, "Mutual information between discrete and
# continuous data sets", PLoS ONE 9(2) (2014), e87357. N. X. Vinh, J. Epps and J. Bailey,
# JMLR 11 (2010), 2837–2854 (adjusted MI).
