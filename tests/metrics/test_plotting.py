"""Heatmaps of contingency tables, and the Metric classes' plot() and plot_contingency()."""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import torch_mi  # noqa: E402
from torch_mi.plotting import plot_contingency  # noqa: E402

METRICS = [
    torch_mi.MutualInfoScore,
    torch_mi.NormalizedMutualInfoScore,
    torch_mi.AdjustedMutualInfoScore,
    torch_mi.HomogeneityScore,
    torch_mi.CompletenessScore,
    torch_mi.VMeasureScore,
]
PREDS = torch.tensor([3, 3, 3, 8, 8, 1, 1, 1])
TARGET = torch.tensor([0, 0, 1, 1, 1, 2, 2, 2])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def cell_texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_heatmap_returns_figure_and_axes_with_labels_and_colorbar():
    table = torch.tensor([[2, 1, 0], [0, 2, 1]])
    fig, ax = plot_contingency(table, row_labels=["a", "b"], col_labels=torch.tensor([10, 20, 30]))
    assert isinstance(fig, matplotlib.figure.Figure) and ax in fig.axes
    assert len(fig.axes) == 2  # the heatmap and its colorbar
    assert ax.get_xlabel() == "pred cluster" and ax.get_ylabel() == "target cluster"
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["a", "b"]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["10", "20", "30"]
    assert cell_texts(ax) == ["2", "1", "0", "0", "2", "1"]
    assert np.array_equal(ax.images[0].get_array(), table.numpy())


@pytest.mark.parametrize("table", [
    np.array([[1, 0], [0, 3]]),
    [[1, 0], [0, 3]],
    torch.tensor([[1, 0], [0, 3]]).to_sparse(),
], ids=["numpy", "list", "sparse tensor"])
def test_heatmap_accepts_arrays_lists_and_sparse_tensors(table):
    _, ax = plot_contingency(table)
    assert cell_texts(ax) == ["1", "0", "0", "3"]


def test_heatmap_draws_into_given_axes():
    fig, ax = plt.subplots()
    out_fig, out_ax = plot_contingency([[1, 2], [3, 4]], ax=ax)
    assert out_fig is fig and out_ax is ax


@pytest.mark.parametrize("normalize, expected", [
    ("row", ["0.67", "0.33", "0.00", "1.00"]),
    ("col", ["1.00", "0.25", "0.00", "0.75"]),
])
def test_heatmap_normalizes_rows_or_columns(normalize, expected):
    _, ax = plot_contingency([[2, 1], [0, 3]], normalize=normalize)
    assert cell_texts(ax) == expected
    assert ax.images[0].get_array().max() == 1.0


def test_empty_rows_stay_zero_when_normalized():
    _, ax = plot_contingency([[0, 0], [1, 3]], normalize="row")
    assert cell_texts(ax) == ["0.00", "0.00", "0.25", "0.75"]


def test_annotation_is_automatic_for_small_tables_only():
    big = torch.randint(0, 5, (30, 30))
    assert cell_texts(plot_contingency(big)[1]) == []
    assert len(cell_texts(plot_contingency(big, annotate=True)[1])) == 900
    assert cell_texts(plot_contingency([[1, 2]], annotate=False)[1]) == []


def test_many_clusters_get_a_subset_of_named_ticks():
    labels = [f"L{i}" for i in range(100)]
    fig, ax = plot_contingency(np.ones((100, 3)), row_labels=labels)
    fig.canvas.draw()
    shown = [tick.get_text() for tick in ax.get_yticklabels() if tick.get_text()]
    assert 0 < len(shown) <= 25 and set(shown) <= set(labels)


@pytest.mark.parametrize("kwargs, message", [
    ({"table": [1, 2, 3]}, "2-D"),
    ({"table": torch.zeros(0, 0)}, "empty"),
    ({"table": [[1, 2]], "row_labels": ["a", "b"]}, "row_labels"),
    ({"table": [[1, 2]], "normalize": "all"}, "normalize"),
])
def test_heatmap_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_contingency(**kwargs)


def test_missing_matplotlib_names_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"torch_mi\[plot\]"):
        plot_contingency([[1]])


@pytest.mark.parametrize("metric_class", METRICS, ids=lambda cls: cls.__name__)
def test_metric_plot_and_plot_contingency(metric_class):
    metric = metric_class()
    metric.update(PREDS, TARGET)
    fig, ax = metric.plot()
    assert isinstance(fig, matplotlib.figure.Figure)
    values = [metric(PREDS[torch.randperm(8)], TARGET) for _ in range(3)]
    assert metric.plot(values)[1] is not None

    fig, ax = metric.plot_contingency(normalize="col")
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["1", "3", "8"]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["0", "1", "2"]


def test_dense_metric_plots_its_full_table():
    metric = torch_mi.NormalizedMutualInfoScore(num_classes=(4, 9))
    metric.update(PREDS, TARGET)
    _, ax = metric.plot_contingency()
    assert ax.images[0].get_array().shape == (4, 9)
    assert ax.images[0].get_array().sum() == 8


def test_metric_plot_contingency_passes_options_and_axes():
    metric = torch_mi.AdjustedMutualInfoScore()
    metric.update(PREDS, TARGET)
    fig, ax = plt.subplots()
    assert metric.plot_contingency(ax=ax, annotate=False, cmap="viridis") == (fig, ax)
    assert cell_texts(ax) == []


def test_batched_metric_asks_for_a_single_clustering():
    metric = torch_mi.VMeasureScore(num_clusterings=2)
    metric.update(torch.stack([PREDS, PREDS]), TARGET)
    assert metric.plot()[0] is not None
    with pytest.raises(ValueError, match="one table"):
        metric.plot_contingency()
