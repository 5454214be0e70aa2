"""Generate the teaching notebooks in this folder, and execute them so they are saved with outputs.

    python notebooks/_build.py                  # build, execute and write all three notebooks
    python notebooks/_build.py 02_normalized_mutual_information.ipynb
    python notebooks/_build.py --no-execute     # write the cells only, without outputs

The notebooks are the product of this script: edit the cells here, then regenerate, so the saved
notebooks and their generator never drift apart (tests/test_notebooks.py checks that they match).
Cell ids are fixed, so regenerating gives small diffs.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

SETUP_IMPORT = '''\
# torch_mi from an installed package, or else from the source checkout this notebook sits in.
try:
    import torch_mi
except ModuleNotFoundError:
    import pathlib
    import sys

    sys.path.insert(0, str(pathlib.Path.cwd().resolve().parent))
    import torch_mi
'''


def md(text: str):
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str):
    return new_code_cell(textwrap.dedent(text).strip("\n"))


def setup_code(text: str):
    """The first code cell: the shared import of torch_mi, then the notebook's own setup."""
    return new_code_cell(SETUP_IMPORT + "\n" + textwrap.dedent(text).strip("\n"))


def _notebook(prefix: str, cells: list) -> nbformat.NotebookNode:
    for i, cell in enumerate(cells):
        cell.id = f"{prefix}-{i:02d}"
    return new_notebook(
        cells=cells,
        metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}},
    )


# ----------------------------------------------------------------------------------------------
# 01 — mutual information
# ----------------------------------------------------------------------------------------------
def notebook_01() -> nbformat.NotebookNode:
    cells = [
        md(r"""
        # 01 · Mutual information between two labelings

        A clustering algorithm hands back one label per sample. To judge it against known classes,
        or to compare two clusterings with each other, we need a score for how well two labelings
        of the **same samples** agree. The label values themselves are only names: cluster `7`
        of one algorithm has nothing to do with class `7`. What matters is the *grouping*.

        **Mutual information** (MI) measures exactly that: how much knowing a sample's cluster
        tells you about its class (and, symmetrically, the other way round). This notebook builds
        MI from entropies with `torch_mi`, looks at what it does under renaming, independence and
        label noise, splits it into per-cell contributions, and finally uses it as a
        (non-differentiable) objective for choosing a classifier's decision threshold.

        The sequels are [02 · normalized MI](02_normalized_mutual_information.ipynb) and
        [03 · adjusted MI](03_adjusted_mutual_information.ipynb).
        """),
        setup_code('''
        import math

        import matplotlib.pyplot as plt
        import numpy as np
        import torch
        from torch_mi.functional import contingency_matrix, entropy, mutual_info_score

        plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})
        print("torch_mi", torch_mi.__version__, "| torch", torch.__version__)
        '''),
        md(r"""
        ## 1. Entropy of one labeling

        Write $U$ for the reference labeling (`target`, with cluster sizes $a_i$) and $V$ for the
        labeling under test (`preds`, sizes $b_j$), both of $n$ samples. Picking a sample at
        random, its label in $U$ is uncertain by

        $$H(U) = -\sum_i \frac{a_i}{n}\,\log\frac{a_i}{n},$$

        the **entropy** of the labeling. It is 0 for a single cluster and $\log k$ for $k$ clusters
        of equal size. `torch_mi` uses natural logs (nats) unless you pass `log_base` (2 gives bits).

        Our running example: twelve samples in three classes of four. A clustering found three
        groups, with ids of its own, and put one sample of class 0 in the wrong group.
        """),
        code('''
        target = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        preds = torch.tensor([5, 5, 5, 7, 7, 7, 7, 7, 9, 9, 9, 9])

        print(f"H(target) = {entropy(target).item():.6f} nats = {entropy(target, log_base=2).item():.6f} bits")
        print(f"log(3)    = {math.log(3):.6f}  (three equal classes)")

        counts = torch.bincount(target).double()
        p = counts / counts.sum()
        print(f"by hand   = {float(-(p * p.log()).sum()):.6f}")
        print(f"H(preds)  = {entropy(preds).item():.6f} nats (sizes 3, 5, 4: a little less than log 3)")
        '''),
        md(r"""
        ## 2. The contingency table, and MI from entropies

        Everything about how two labelings relate is in their **contingency table**: $n_{ij}$ is the
        number of samples in target class $i$ *and* preds cluster $j$. Its row sums are the class
        sizes $a_i$ and its column sums the cluster sizes $b_j$. `contingency_matrix` builds it with
        rows for target labels and columns for preds labels, each sorted; only labels that occur
        get a row or a column.

        The table is a joint distribution $n_{ij}/n$, whose entropy is the **joint entropy**
        $H(U, V)$. Mutual information is the overlap of the two entropies:

        $$MI(U, V) = H(U) + H(V) - H(U, V) = \sum_{i,j} \frac{n_{ij}}{n}\,\log\frac{n\,n_{ij}}{a_i\,b_j}.$$

        Equivalently $MI = H(U) - H(U \mid V)$: the uncertainty about the class that is removed by
        knowing the cluster. So $0 \le MI \le \min(H(U), H(V))$.
        """),
        code('''
        table, row_labels, col_labels = contingency_matrix(preds, target, return_labels=True)
        print("rows (target labels):", row_labels.tolist())
        print("cols (preds labels): ", col_labels.tolist())
        print(table)


        def joint_entropy(table):
            p = table[table > 0].double() / table.sum()
            return float(-(p * p.log()).sum())


        h_u, h_v, h_uv = entropy(target).item(), entropy(preds).item(), joint_entropy(table)
        mi = mutual_info_score(preds, target).item()
        print(f"\\nH(U) = {h_u:.6f}   H(V) = {h_v:.6f}   H(U,V) = {h_uv:.6f}")
        print(f"H(U) + H(V) - H(U,V) = {h_u + h_v - h_uv:.15f}")
        print(f"mutual_info_score    = {mi:.15f}")
        assert abs(mi - (h_u + h_v - h_uv)) < 1e-12
        '''),
        code('''
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
        '''),
        md(r"""
        ## 3. Only the grouping matters

        Renaming the clusters permutes the columns of the table, and shuffling the samples (both
        labelings together) leaves the table as it is, so neither changes MI. Any integer ids work,
        negative or huge. MI is also symmetric: swapping `preds` and `target` transposes the table.
        """),
        code('''
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
        '''),
        md(r"""
        ## 4. Independent labelings: MI ≈ 0, but not exactly 0

        If the clustering has nothing to do with the classes, the population MI is 0. A finite
        sample, though, never shows a perfectly flat table, and MI is never negative, so the
        measured value is a little above 0. For large $n$, $2n\cdot MI$ (in nats) is the G-test
        statistic, approximately $\chi^2$ with $(R-1)(C-1)$ degrees of freedom, which gives the
        rule of thumb

        $$E[MI] \approx \frac{(R-1)(C-1)}{2n}$$

        for $R$ target classes and $C$ clusters. The bias shrinks like $1/n$ but grows with the
        number of clusters: this is the chance agreement that adjusted MI removes (notebook 03).

        `mutual_info_score` accepts `preds` of shape `(B, N)`: B clusterings of the same samples,
        scored in one call. Here each row is an independent random clustering.
        """),
        code('''
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
        '''),
        md(r"""
        ## 5. Label noise: MI falls as the noise rises

        Start from a perfect clustering of five equal classes and replace a fraction $p$ of the
        labels by uniformly random ones. At $p = 0$ MI equals $H(\text{target}) = \log_2 5$ bits;
        at $p = 1$ the labels are independent of the classes and MI is (almost) 0.

        For this noise model the population value has a closed form: a label survives with
        probability $q = 1 - p + p/k$ and is otherwise one of the $k-1$ wrong classes at random, so
        $MI = \log k + q \log q + (1-q) \log\frac{1-q}{k-1}$, the capacity of a $k$-ary symmetric
        channel. All 21 noise levels × 20 repeats are scored in one batched call.
        """),
        code('''
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
        '''),
        md(r"""
        ## 6. Where the information comes from: per-cell contributions

        Each cell of the table adds one term to the MI sum,

        $$c_{ij} = \frac{n_{ij}}{n}\,\log\frac{n\,n_{ij}}{a_i\,b_j} = \frac{n_{ij}}{n}\,\log\frac{n_{ij}}{e_{ij}},\qquad e_{ij} = \frac{a_i b_j}{n},$$

        where $e_{ij}$ is the count the cell would have if the labelings were independent. A cell
        holding *more* samples than $e_{ij}$ contributes positively, one holding *fewer* contributes
        negatively, and an empty cell contributes 0. Negative cells never win, though: the sum
        of a row is $\frac{a_i}{n}\,\mathrm{KL}\big(p(V \mid U{=}i)\,\|\,p(V)\big) \ge 0$, so every
        class contributes a non-negative amount in total.

        The example below has four classes: class 0 is mostly found, class 1 is split between two
        clusters, and classes 2 and 3 are largely merged into one cluster.
        """),
        code('''
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
        '''),
        code('''
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        count_text = [[f"{int(o)}\\n({e:.0f})" for o, e in zip(ro, re)] for ro, re in zip(t.tolist(), expected.tolist())]
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
        '''),
        md(r"""
        The big positive cells are the ones the clustering got right: (0, 10), the split of class 1
        over clusters 11 and 12, and cluster 13 holding classes 2 and 3. Note that cell (3, 13) is
        positive even though those 30 samples are "merged" with class 2: cluster 13 still tells you
        the sample is in class 2 *or* 3, which is information. The small red cells are where the
        clustering put fewer samples than chance would, mostly the stray samples of each class.

        ## 7. MI as a non-differentiable objective: choosing a decision threshold

        A probabilistic classifier turns into a labeling only after a threshold $t$:
        predict 1 when $P(y{=}1 \mid x) \ge t$. MI between those hard predictions and the truth is
        a function of $t$ we might want to maximise, but it is **piecewise constant**: it only
        changes when $t$ crosses one of the predicted probabilities, so its gradient is zero almost
        everywhere and undefined at the jumps. No gradient descent here, but a one-dimensional
        sweep is cheap, and with batched `preds` every threshold is scored in a single call.

        The data: a synthetic, imbalanced and fairly hard two-class problem from scikit-learn
        (about 15 % positives, two informative features out of six), a logistic regression fitted
        on one half, and the threshold chosen on the other (validation) half.
        """),
        code('''
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
        '''),
        code('''
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
        '''),
        md(r"""
        The sweep picks the threshold that makes the hard predictions most informative about the
        truth. Here it sits below both 0.5 and the accuracy-optimal threshold: accuracy is
        dominated by the majority class and is happy to predict few positives, while MI also
        rewards catching the rare class, so its threshold predicts roughly as many positives as
        there are, catching more of them for a little accuracy. Two caveats: MI is symmetric under renaming, so a classifier whose
        outputs are exactly inverted would score the same (harmless here, since a larger $t$ always
        means fewer positives); and a threshold tuned on a validation set should be judged on a
        separate test set. At the extremes ($t$ below every probability or above all of them) every
        sample gets the same label and MI is exactly 0.

        ## 8. Checking `torch_mi` against scikit-learn

        scikit-learn's `mutual_info_score(labels_true, labels_pred)` takes its arguments in the
        other order (MI is symmetric anyway) and works in nats; its `contingency_matrix` also puts
        the true classes in rows. We compare MI, MI in bits, entropies (against `scipy.stats.entropy`
        on the counts), the tables, and the batched threshold sweep against a loop, on this
        notebook's examples and on random labelings with arbitrary ids.
        """),
        code('''
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
        '''),
        md(r"""
        ## Summary

        * MI is computed from the contingency table alone: $MI = H(U) + H(V) - H(U,V)$.
        * It ignores label names and sample order, and is symmetric in its two arguments.
        * Independent labelings score slightly above 0, by about $(R-1)(C-1)/(2n)$ nats.
        * Each table cell contributes $\frac{n_{ij}}{n}\log\frac{n_{ij}}{e_{ij}}$; over- and
          under-populated cells show where the agreement (and the confusion) is.
        * MI is a fine selection criterion but not a training loss: it is piecewise constant in
          any threshold. Batched `preds` make sweeping cheap.

        MI's scale depends on the entropies of the labelings (a perfect match of 2 classes gives
        $\log 2$, of 10 classes $\log 10$), which makes raw MI values hard to compare across
        problems. [Notebook 02](02_normalized_mutual_information.ipynb) normalizes it.
        """),
    ]
    return _notebook("nb01", cells)


# ----------------------------------------------------------------------------------------------
# 02 — normalized mutual information
# ----------------------------------------------------------------------------------------------
def notebook_02() -> nbformat.NotebookNode:
    cells = [
        md(r"""
        # 02 · Normalized mutual information

        Mutual information is bounded by $\min(H(U), H(V))$, and that bound depends on how many
        clusters there are and how big they are. A perfect clustering of two equal classes scores
        $\log 2 \approx 0.69$ nats; a perfect clustering of ten scores $\log 10 \approx 2.30$. To read
        MI on a fixed scale, **normalized mutual information** divides it by a mean of the two
        entropies:

        $$NMI(U, V) = \frac{MI(U, V)}{\operatorname{mean}\big(H(U), H(V)\big)} \in [0, 1].$$

        This notebook compares the four usual means, shows NMI's blind spot for over-segmentation,
        and contrasts NMI with Pearson correlation as a measure of dependence.
        """),
        setup_code('''
        import math

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
        print("torch_mi", torch_mi.__version__, "| torch", torch.__version__)
        '''),
        code('''
        for k in (2, 10):
            labels = torch.arange(1_000) % k
            renamed = (labels * 7 + 3) % k  # the same partition under other names
            print(f"{k:2d} equal classes, perfect clustering: MI = {mutual_info_score(renamed, labels).item():.4f} nats, "
                  f"NMI = {normalized_mutual_info_score(renamed, labels).item():.4f}")
        '''),
        md(r"""
        ## 1. Four ways to normalize

        Because $MI \le \min(H(U), H(V))$, any mean at least as large as the minimum gives a score
        in $[0, 1]$. `average_method` picks the mean:

        | `average_method` | normalizer | notes |
        |---|---|---|
        | `"min"` | $\min(H(U), H(V))$ | 1 whenever one labeling refines the other (see §2) |
        | `"geometric"` | $\sqrt{H(U)\,H(V)}$ | the NMI of Strehl & Ghosh (2002), *Cluster ensembles*, JMLR 3 |
        | `"arithmetic"` | $\tfrac12\big(H(U) + H(V)\big)$ | default in `torch_mi` and scikit-learn; equals the V-measure |
        | `"max"` | $\max(H(U), H(V))$ | $1 - NMI_{max}$ is a true distance between partitions (Vinh, Epps & Bailey 2010) |

        Since $\min \le \text{geometric} \le \text{arithmetic} \le \max$, the scores always come in
        the opposite order, $NMI_{min} \ge NMI_{geometric} \ge NMI_{arithmetic} \ge NMI_{max}$, and
        they coincide when both labelings have the same entropy. They drift apart when one labeling
        has many more (or more even) clusters than the other.

        Below: k-means on the iris measurements with 2 to 10 clusters, plus a labeling that is the
        species with two of them merged, all scored against the species.
        """),
        code('''
        from sklearn.cluster import KMeans
        from sklearn.datasets import load_iris

        X_iris, species = load_iris(return_X_y=True)
        clusterings = {f"k-means k={k}": KMeans(n_clusters=k, n_init=5, random_state=0).fit_predict(X_iris)
                       for k in (2, 3, 4, 6, 10)}
        clusterings["species 1+2 merged"] = np.where(species == 2, 1, species)

        nmi = {m: np.array([normalized_mutual_info_score(c, species, average_method=m).item()
                            for c in clusterings.values()]) for m in METHODS}

        print(f"H(species) = {entropy(species).item():.3f} nats\\n")
        print(f"{'clustering':20s} {'H(preds)':>8s} {'MI':>6s} " + " ".join(f"{m:>10s}" for m in METHODS))
        for i, (name, labels) in enumerate(clusterings.items()):
            print(f"{name:20s} {entropy(labels).item():8.3f} {mutual_info_score(labels, species).item():6.3f} "
                  + " ".join(f"{nmi[m][i]:10.3f}" for m in METHODS))

        assert np.all(nmi["min"] >= nmi["geometric"] - 1e-12) and np.all(nmi["geometric"] >= nmi["arithmetic"] - 1e-12)
        assert np.all(nmi["arithmetic"] >= nmi["max"] - 1e-12)
        v_measure = np.array([v_measure_score(c, species).item() for c in clusterings.values()])
        assert np.allclose(v_measure, nmi["arithmetic"], rtol=0, atol=1e-12)  # arithmetic NMI is the V-measure
        '''),
        code('''
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
        '''),
        md(r"""
        With $k = 3$ the clustering and the species have nearly the same entropy and all four bars
        agree. With more clusters, $H(\text{preds})$ grows past $H(\text{species})$: `min` divides
        by the species entropy and stays high (it is then the *homogeneity*), `max` divides by the
        larger clustering entropy and drops (it is then the *completeness*). With fewer clusters
        than species ($k = 2$) the roles swap. The merged labeling is
        a coarsening of the species, so $MI = H(\text{preds})$ and $NMI_{min} = 1$ although one
        species is lost. Always report which mean you used: the numbers differ a lot.

        ## 2. The over-segmentation pitfall

        Take the extreme: one cluster per sample. Knowing a sample's cluster then tells you its
        class exactly, so $MI = H(\text{target})$, the largest value possible, and every cluster is
        perfectly "pure" (homogeneity 1). Yet the clustering is useless: it groups nothing.
        """),
        code('''
        singletons = np.arange(len(species))  # 150 clusters of one sample each
        print(f"MI(singletons, species) = {mutual_info_score(singletons, species).item():.4f}"
              f" = H(species) = {entropy(species).item():.4f}")
        print(f"homogeneity = {homogeneity_score(singletons, species).item():.3f}, "
              f"completeness = {completeness_score(singletons, species).item():.3f}")
        for m in METHODS:
            print(f"NMI {m:10s} = {normalized_mutual_info_score(singletons, species, average_method=m).item():.3f}")
        '''),
        md(r"""
        The effect is not limited to this extreme. Assign 500 samples of 5 equal classes to $k$
        clusters **completely at random** and watch NMI as $k$ grows: the random clusters carry no
        information about the classes, yet every NMI variant climbs, because small clusters are
        "pure" by accident. For comparison, the dashed line is a genuinely informative 5-cluster
        labeling: the true classes with half of the labels replaced at random, so that 60 % of the
        samples keep their class (chance would give 20 %).
        """),
        code('''
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
        '''),
        md(r"""
        A clustering of pure noise, split finely enough, outranks one that puts most samples in
        their class: with the `min` mean from about a hundred random clusters (five samples each),
        with the default `arithmetic` mean once they hold fewer than two samples each. Only `max`
        holds out here, because for a fine clustering it divides by the large $H(\text{preds})$,
        but it too rises with $k$. Comparing NMI across clusterings with very different numbers of clusters, or
        with clusters of only a few samples each, is therefore unsafe. The fix is to subtract what
        chance alone would score, which is the **adjusted** mutual information of
        [notebook 03](03_adjusted_mutual_information.ipynb).

        ## 3. MI versus Pearson correlation

        MI is not only for clusterings. Binning two continuous variables turns them into labelings,
        and the NMI of the bins measures dependence of *any* shape, while Pearson's $r$ only sees
        the linear part. Below, $x$ is uniform on $[-1, 1]$ and $y$ depends on it linearly,
        quadratically, sinusoidally, or not at all. Both variables are cut into 10 equal-frequency
        (quantile) bins, so both labelings have entropy $\log 10$ and all four NMI variants agree.
        """),
        code('''
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
            ax.set_title(f"{name}\\nPearson r = {r:+.2f}, NMI = {nmi_value:.2f}")
            ax.set_xlabel("x")
        axes[0].set_ylabel("y")
        plt.tight_layout()
        plt.show()

        rows = ["| relation | Pearson r | MI (bits) | NMI |", "|---|---:|---:|---:|"]
        rows += [f"| {name} | {r:+.3f} | {mi_bits:.3f} | {nmi_value:.3f} |" for name, (r, mi_bits, nmi_value) in results.items()]
        display(Markdown("\\n".join(rows)))
        '''),
        md(r"""
        Pearson's $r$ sees the linear relation and misses the quadratic one entirely ($r \approx 0$
        although $y$ is nearly a function of $x$); the sinusoid, which a straight line fits badly,
        gets a weak $r$. NMI is clearly positive for all three dependent pairs and near 0 for the
        independent one. The independent pair still scores slightly above 0: that is the
        finite-sample bias of notebook 01, about $(10-1)^2/(2n)$ nats for $10 \times 10$ bins.

        NMI also ignores anything that keeps the bins intact, for instance any strictly monotone
        transformation of $y$, and it has no sign: a decreasing relation scores the same as an
        increasing one. What you lose is the direction and the shape of the dependence; what you
        pay is the choice of bins (more bins, more bias).
        """),
        code('''
        for name, y in {"y = x": x, "y = exp(5x)": np.exp(5 * x), "y = -x**3": -(x**3)}.items():
            print(f"{name:12s} Pearson r = {np.corrcoef(x, y)[0, 1]:+.3f}   "
                  f"NMI = {normalized_mutual_info_score(quantile_bins(y), x_bins).item():.3f}")
        '''),
        md(r"""
        ## 4. Checking `torch_mi` against scikit-learn

        All four `average_method`s, on the iris clusterings, the singletons, the binned variables,
        a batch of random clusterings (batched call against a loop), and the limit cases that
        scikit-learn defines: identical one-cluster labelings score 1, a one-cluster labeling
        against a split one scores 0.
        """),
        code('''
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
        '''),
        md(r"""
        ## Summary

        * NMI puts MI on a $[0, 1]$ scale by dividing by a mean of the two entropies; `min` ≥
          `geometric` ≥ `arithmetic` (= V-measure) ≥ `max`. Say which one you report.
        * NMI is **not corrected for chance**: random labelings score more as the number of
          clusters grows, and many tiny clusters can outrank a meaningful clustering.
        * On binned variables NMI detects dependence of any shape, where Pearson's $r$ sees only
          the linear part, at the price of a binning choice and a small positive bias.

        Next, [notebook 03](03_adjusted_mutual_information.ipynb) removes the chance part.

        *References.* A. Strehl and J. Ghosh, "Cluster ensembles — a knowledge reuse framework for
        combining multiple partitions", JMLR 3 (2002). N. X. Vinh, J. Epps and J. Bailey,
        "Information theoretic measures for clusterings comparison: variants, properties,
        normalization and correction for chance", JMLR 11 (2010).
        """),
    ]
    return _notebook("nb02", cells)


# ----------------------------------------------------------------------------------------------
# 03 — adjusted mutual information
# ----------------------------------------------------------------------------------------------
def notebook_03() -> nbformat.NotebookNode:
    cells = [
        md(r"""
        # 03 · Adjusted mutual information

        Notebooks 01 and 02 found that MI and NMI are biased upwards: two unrelated labelings score
        above 0, and the more clusters (and the fewer samples per cluster), the more they score.
        Vinh, Epps & Bailey (2010) correct for this the way the adjusted Rand index corrects the
        Rand index: subtract the score expected by chance, then rescale so that a perfect match is
        still 1,

        $$AMI(U, V) = \frac{MI(U, V) - E[MI]}{\operatorname{mean}\big(H(U), H(V)\big) - E[MI]}.$$

        AMI is 1 for identical partitions, 0 *on average* for random ones, and can be negative.
        The mean is chosen with `average_method`, as for NMI (default `"arithmetic"`).

        This notebook computes $E[MI]$ and checks it by simulation, shows that AMI stays at 0
        where MI and NMI drift, uses AMI to pick $k$ for k-means on handwritten digits, and
        streams ten million labels through the `torchmetrics` metric.
        """),
        setup_code('''
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
        print("torch_mi", torch_mi.__version__, "| torch", torch.__version__)
        '''),
        md(r"""
        ## 1. Expected MI under the hypergeometric null

        "Chance" needs a model. AMI's model keeps the cluster sizes of both labelings fixed and
        assigns the samples at random: one labeling is randomly permuted against the other. Then
        each cell count $n_{ij}$ follows a **hypergeometric** distribution (drawing the $b_j$
        samples of cluster $j$ without replacement from $n$ samples, of which $a_i$ are in class
        $i$), and the expected MI is

        $$E[MI] = \sum_{i,j}\ \sum_{k=\max(1,\, a_i + b_j - n)}^{\min(a_i, b_j)} \frac{k}{n}\,\log\frac{n\,k}{a_i b_j}\;
        \frac{\binom{b_j}{k}\binom{n - b_j}{a_i - k}}{\binom{n}{a_i}}.$$

        It depends on the marginals only, so `expected_mutual_info` takes either a contingency
        table or the row and column sums. Below we compare it with the formula written out with
        `scipy.stats.hypergeom`, and with a Monte Carlo average of MI over 20 000 random permutations.
        """),
        code('''
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
        '''),
        code('''
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
        '''),
        md(r"""
        ## 2. MI and NMI drift with the number of clusters; AMI does not

        Score random clusterings with $k$ clusters against 10 balanced classes of $n = 500$
        samples. MI tracks $E[MI]$, which grows with $k$; NMI grows with it. AMI subtracts exactly
        that growth and stays at 0 for every $k$. (30 random clusterings per $k$, each $k$ one
        batched call.)
        """),
        code('''
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
        '''),
        md(r"""
        ## 3. AMI's null distribution

        Under the permutation model both labelings keep their cluster sizes, so both entropies
        and $E[MI]$ are the same for every permutation. AMI is then an affine function of MI,
        $AMI = (MI - E[MI]) / \text{const}$, and its mean over permutations is **exactly 0**. The
        individual values scatter on both sides: AMI is negative whenever a random assignment
        happens to agree less than average. Reusing the 20 000 permutations from §1:
        """),
        code('''
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
        '''),
        md(r"""
        The histogram doubles as a permutation test: an AMI far out in the right tail (like the
        aligned labeling's) is agreement that chance does not explain. How wide the null is
        depends on $n$ and the cluster sizes; with few samples, a modest AMI can be noise.

        ## 4. AMI versus label noise

        As in notebook 01, replace a growing fraction of a perfect labeling by random labels, here
        with 10 classes and only 300 samples, where chance agreement is large. At full noise NMI
        levels off clearly above 0, while AMI goes to 0: it measures agreement *beyond* chance, which
        is what we meant to measure.
        """),
        code('''
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
        '''),
        md(r"""
        ## 5. Choosing k for k-means on the digits

        scikit-learn's bundled digits (1797 images of 8×8 pixels, 10 classes) make a small
        model-selection problem: run k-means for $k = 2, \dots, 20$ and keep the $k$ whose clusters
        agree best with the digit labels. Raw MI favours ever more clusters (a finer partition
        never tells you less); AMI puts the scores on a common scale and charges for the agreement
        that more clusters would get by chance.

        All 19 clusterings are stacked into one `(19, 1797)` tensor and scored in a single
        batched call, which we check against a loop of single calls.
        """),
        code('''
        from sklearn.cluster import KMeans
        from sklearn.datasets import load_digits

        X_digits, digits = load_digits(return_X_y=True)
        k_values = list(range(2, 21))
        start = time.perf_counter()
        kmeans_labels = np.stack([KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(X_digits) for k in k_values])
        print(f"{len(k_values)} k-means fits in {time.perf_counter() - start:.1f} s; labels {kmeans_labels.shape}")

        start = time.perf_counter()
        ami_batched = adjusted_mutual_info_score(kmeans_labels, digits)  # (19,)
        t_batched = time.perf_counter() - start
        start = time.perf_counter()
        ami_loop = torch.stack([adjusted_mutual_info_score(labels, digits) for labels in kmeans_labels])
        t_loop = time.perf_counter() - start

        print(f"batched: {t_batched * 1e3:.0f} ms, loop: {t_loop * 1e3:.0f} ms, "
              f"largest difference {(ami_batched - ami_loop).abs().max().item():.1e}")
        assert torch.allclose(ami_batched, ami_loop, rtol=0, atol=1e-12)
        '''),
        code('''
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
        '''),
        code('''
        subset = np.random.default_rng(1).choice(len(digits), size=100, replace=False)
        gap_all = (nmi_k - ami_batched).mean().item()
        gap_subset = (normalized_mutual_info_score(kmeans_labels[:, subset], digits[subset])
                      - adjusted_mutual_info_score(kmeans_labels[:, subset], digits[subset])).mean().item()
        print(f"mean NMI - AMI over k = 2..20: all 1797 digits {gap_all:.3f}, 100 digits {gap_subset:.3f}")
        '''),
        md(r"""
        MI keeps rising with $k$: finer clusters always pin the digit down a little better. AMI
        climbs steeply up to about ten clusters and then flattens out: past the true number of
        classes, extra clusters mostly split digits that k-means finds heterogeneous (there are
        several ways to write a 1, a 7 or a 9), which still earns a little. A plateau like this is
        the honest answer; the arg-max is one reasonable pick within it.

        The dotted lines show the chance part: shuffling each clustering's labels keeps its
        cluster sizes but destroys its signal. With 1797 samples and at most 20 clusters that
        chance part is small, so NMI and AMI nearly coincide here. It grows as the clusters get
        smaller relative to $n$: scored on a random subset of only 100 labelled digits, the same
        clusterings get visibly higher NMI than AMI.

        ## 6. Streaming: ten million labels through the metric

        The `torchmetrics` classes accumulate the contingency table across `update()` calls and
        compute the score from it at the end, so a dataset too large to hold at once can be
        scored batch by batch, and the state stays the size of the table however many samples
        pass through. With `num_classes=K` the table is dense, $K \times K$ int64, filled with
        `scatter_add`; with `num_classes=None` any integer ids are accepted and the state holds
        the distinct (target, preds) pairs.

        Here: $10^7$ synthetic samples in 50 classes, 30 % of them mislabeled, in ten batches of
        $10^6$. We keep the batches only to compare with one functional call on everything.
        """),
        code('''
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

        print(f"{len(all_target):,} samples; streamed (incl. making the batches) in {t_stream:.1f} s, "
              f"functional on everything in {t_once:.1f} s")
        for name in metrics:
            print(f"{name}: streamed {streamed[name].item():.12f}   at once {at_once[name].item():.12f}   "
                  f"difference {abs(streamed[name].item() - at_once[name].item()):.0e}")
            assert abs(streamed[name].item() - at_once[name].item()) < 1e-12
        state = metrics["AMI"].table
        print(f"metric state: table {tuple(state.shape)} {state.dtype}, {state.numel() * state.element_size():,} bytes, "
              f"holding {int(state.sum()):,} samples")
        '''),
        md(r"""
        The same stream with arbitrary ids (no `num_classes`), here the first three batches with
        the class numbers mapped to large, negative and scattered ids. `reset()` empties a metric
        for the next epoch.
        """),
        code('''
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
        '''),
        md(r"""
        ## 7. Checking `torch_mi` against scikit-learn

        scikit-learn has no public function for $E[MI]$, but it is fixed by its own AMI: with
        $M$ the mean entropy, $AMI = (MI - E[MI])/(M - E[MI])$ gives
        $E[MI] = (MI - AMI \cdot M)/(1 - AMI)$. We compare that with `expected_mutual_info`, and
        AMI itself for all four means on the digits clusterings (batched), the first 50
        permutations of §3, 20 noisy labelings from §4 and a few random labelings with many clusters.
        """),
        code('''
        from sklearn.metrics import adjusted_mutual_info_score as sk_ami
        from sklearn.metrics import mutual_info_score as sk_mi

        check_rng = np.random.default_rng(11)
        cases = [(aligned, target), (kmeans_labels[8], digits)]
        cases += [(check_rng.integers(0, c, n), check_rng.integers(0, r, n)) for n, r, c in [(50, 3, 4), (2_000, 40, 70), (800, 5, 300)]]
        worst = 0.0
        for p_, t_ in cases:  # E[MI] from scikit-learn's AMI
            p_np, t_np = np.asarray(p_), np.asarray(t_)
            mean_h = (entropy(p_np).item() + entropy(t_np).item()) / 2
            a = sk_ami(t_np, p_np)
            emi_sklearn = (sk_mi(t_np, p_np) - a * mean_h) / (1 - a)
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
        '''),
        md(r"""
        Who is off when the two disagree at the $10^{-12}$ level? scikit-learn evaluates the
        hypergeometric terms through log-gamma functions of numbers of size $n$, which costs a few
        digits as $n$ grows. A 40-digit evaluation of the $E[MI]$ formula with `mpmath` settles it
        on the smaller cases:
        """),
        code('''
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
            p_np, t_np = np.asarray(p_), np.asarray(t_)
            mean_h = (entropy(p_np).item() + entropy(t_np).item()) / 2
            a = sk_ami(t_np, p_np)
            emi_sklearn = (sk_mi(t_np, p_np) - a * mean_h) / (1 - a)
            ours = expected_mutual_info(table).item()
            print(f"n = {len(t_np):4d}, {tuple(table.shape)} table: |torch_mi - exact| = {abs(float(ours - exact)):.0e}, "
                  f"|scikit-learn - exact| = {abs(float(emi_sklearn - exact)):.0e}")
            assert abs(float(ours - exact)) < 1e-14
        '''),
        md(r"""
        ## Summary

        * $E[MI]$ is the mean MI of labelings with the given cluster sizes assigned at random
          (hypergeometric cells). It depends on the marginals only; `expected_mutual_info`
          computes it exactly, and Monte Carlo agrees.
        * AMI subtracts it: random labelings score 0 on average for *any* number of clusters,
          while MI and NMI drift upward. Negative values are normal for chance-level agreement.
        * Prefer AMI when comparing clusterings with different numbers of clusters, or when
          clusters are small relative to $n$, as Vinh, Epps & Bailey (2010) recommend. With large
          $n$ and few clusters, $E[MI]$ is tiny and NMI and AMI nearly agree.
        * Batched `preds` of shape `(B, N)` score many clusterings in one call; the `Metric`
        classes stream any number of samples with a state the size of the contingency table.

        *Reference.* N. X. Vinh, J. Epps and J. Bailey, "Information theoretic measures for
        clusterings comparison: variants, properties, normalization and correction for chance",
        JMLR 11 (2010), 2837–2854.
        """),
    ]
    return _notebook("nb03", cells)


NOTEBOOKS = {
    "01_mutual_information.ipynb": notebook_01,
    "02_normalized_mutual_information.ipynb": notebook_02,
    "03_adjusted_mutual_information.ipynb": notebook_03,
}


def build_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The notebooks as generated, without outputs, by file name."""
    return {name: make() for name, make in NOTEBOOKS.items()}


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300) -> None:
    """Run every cell of ``nb`` in a fresh python3 kernel started in ``cwd``, filling in the outputs."""
    from nbclient import NotebookClient

    # The kernel inherits this environment: make the source checkout importable and plots inline.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    os.environ.pop("MPLBACKEND", None)
    # The examples are small: one thread each for torch and scikit-learn's OpenMP avoids the heavy
    # oversubscription slowdowns seen on small shared machines (k-means ran 10-20x slower).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(cwd)}}
    ).execute()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook file names to build (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write the cells without running them")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(NOTEBOOKS)
    if unknown:
        parser.error(f"unknown notebooks {sorted(unknown)}; choose from {list(NOTEBOOKS)}")
    for name, nb in build_notebooks().items():
        if args.names and name not in args.names:
            continue
        start = time.perf_counter()
        if not args.no_execute:
            execute(nb, HERE, args.timeout)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)
        print(f"wrote {name} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
