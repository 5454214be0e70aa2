"""Write torch_mi/data/digits_clusterings.csv, the example that ``torch-mi`` scores with no FILE.

scikit-learn's bundled handwritten digits (1797 8x8 images, 10 classes; no download) with six
clusterings of them: k-means with k = 5, 10, 15 and 20 on the 64 pixel values, k-means with
k = 10 on a 2-D PCA projection (less information, worse agreement), and uniformly random labels
with k = 10 (the chance baseline: AMI near 0 while NMI is not).

Every step has a fixed seed, and cluster ids are renumbered in order of first appearance, so a
re-run writes the same bytes (given the same scikit-learn version and floating-point library).

Usage: python scripts/make_example_data.py [OUTPUT]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

SEED = 0
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "torch_mi" / "data" / "digits_clusterings.csv"


def first_appearance_ids(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, 2, ... in order of first appearance: the ids then do not depend on
    the arbitrary numbering that the clustering algorithm happened to produce."""
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first_index.size, dtype=np.int64)
    rank[np.argsort(first_index)] = np.arange(first_index.size)
    return rank[inverse]


def kmeans(features: np.ndarray, k: int) -> np.ndarray:
    return KMeans(n_clusters=k, n_init=10, random_state=SEED).fit_predict(features)


def clusterings() -> dict[str, np.ndarray]:
    pixels, digit = load_digits(return_X_y=True)
    columns = {"digit": digit}
    for k in (5, 10, 15, 20):
        columns[f"kmeans_{k}"] = kmeans(pixels, k)
    pca2 = PCA(n_components=2, random_state=SEED).fit_transform(pixels)
    columns["kmeans_10_pca2"] = kmeans(pca2, 10)
    columns["random_10"] = np.random.default_rng(SEED).integers(0, 10, size=digit.size)
    return {name: (values if name == "digit" else first_appearance_ids(values)) for name, values in columns.items()}


def main(argv: list[str]) -> None:
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    columns = clusterings()
    with open(output, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*(values.tolist() for values in columns.values())))
    print(f"wrote {output}: {len(columns['digit'])} rows, columns {', '.join(columns)}")


if __name__ == "__main__":
    main(sys.argv[1:])
