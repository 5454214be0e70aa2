"""Feature MI as a Metric: F features (discrete codes, or continuous values cut by fixed bin edges)
ranked against a target over a stream, in constant memory.

The state is the shared contingency state with one group per feature (the ``num_clusterings``
machinery): ``update(X, y)`` with X of shape (N, F) counts the F (feature, target) tables in one
pass, ranks sum or concatenate them under DDP like every other torch_mi metric, and ``compute()``
returns (F,) scores. Continuous features need bin edges fixed up front
(:func:`torch_mi.feature_selection.bin_edges` on a first batch or a sample), so that every batch is
coded alike and the counts of all batches add up.
"""

from typing import TYPE_CHECKING, Any, Optional

import torch
from torch import Tensor

from torch_mi import _information
from torch_mi._binned_mi import apply_bin_edges, binned_codes, features_as_clusterings
from torch_mi._validation import check_average_method, check_bool, check_log_base, check_optional_int
from torch_mi.metrics._base import ContingencyMetric, with_common_args


@with_common_args
class FeatureMutualInfo(ContingencyMetric):
    r"""MI of each of F features with the target, accumulated over batches: (F,) float64 from ``compute()``.

    Args:
        num_features: F, the number of columns of every ``X``.
        bin_edges: keyword-only; (F, bins + 1) per-feature edges for continuous features (from
            :func:`torch_mi.feature_selection.bin_edges`). ``None``: X holds integer codes.
        adjusted: keyword-only; report AMI (chance-corrected, 0 in expectation for an independent
            feature) instead of MI, so that features with many bins are not favoured.
        average_method: keyword-only; the mean of the two entropies that normalises the adjusted
            score ("arithmetic", as scikit-learn's default, "geometric", "min" or "max").
        log_base: keyword-only; base of the logarithm for MI (``None``: nats).

    ``update(X, y)`` takes X of shape (N, F) and y of shape (N,); ``num_classes`` (keyword-only)
    bounds the target and the codes for a dense state, as for every torch_mi metric.

    Example:
        >>> import torch
        >>> from torch_mi import FeatureMutualInfo
        >>> from torch_mi.feature_selection import bin_edges
        >>> g = torch.Generator().manual_seed(0)
        >>> y = torch.randint(0, 2, (1000,), generator=g)
        >>> X = torch.stack([y + 0.3 * torch.randn(1000, generator=g), torch.randn(1000, generator=g)], 1)
        >>> metric = FeatureMutualInfo(2, bin_edges=bin_edges(X[:200], bins=8))
        >>> for start in range(0, 1000, 250):
        ...     metric.update(X[start:start + 250], y[start:start + 250])
        >>> metric.compute().argmax().item()
        0
    """

    plot_upper_bound = None
    if TYPE_CHECKING:  # the buffer registered in __init__; not a runtime annotation, which TorchScript would read
        _bin_edge_bits: Optional[Tensor]

    def __init__(
        self,
        num_features: int,
        *,
        bin_edges: Optional[Tensor] = None,
        adjusted: bool = False,
        average_method: str = "arithmetic",
        log_base: Optional[float] = None,
        num_classes: Any = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        features = check_optional_int(num_features, "num_features", minimum=1)
        if features is None:
            raise TypeError("`num_features` must be a positive int; got None.")
        self.adjusted = check_bool(adjusted, "adjusted")
        self.average_method = check_average_method(average_method)
        self.log_base = check_log_base(log_base)
        if bin_edges is not None:
            apply_bin_edges(torch.zeros(1, features, dtype=torch.float64), bin_edges)  # checks the shape
            bin_edges = torch.as_tensor(bin_edges, dtype=torch.float64)
        # update() codes X by these edges (or takes codes): count apart from other metrics' tables.
        edges = b"" if bin_edges is None else bin_edges.detach().cpu().contiguous().numpy().tobytes()
        super().__init__(num_classes=num_classes, num_clusterings=features, ignore_index=ignore_index,
                         validate_args=validate_args, counting_signature=b"features" + edges, **kwargs)
        # A buffer moves with .to(device) (edges left on the CPU would be copied to the GPU on every
        # update), but a float buffer would also be cast by .half() or .to(torch.float16), moving the
        # bin boundaries: it holds the float64 bits as int64, which dtype casts leave alone.
        bits = None if bin_edges is None else bin_edges.contiguous().view(torch.int64)
        self.register_buffer("_bin_edge_bits", bits, persistent=False)

    @property
    def bin_edges(self) -> Optional[Tensor]:
        """The (F, bins + 1) float64 bin edges, on the metric's device; ``None`` for integer codes."""
        return None if self._bin_edge_bits is None else self._bin_edge_bits.view(torch.float64)

    def update(self, X: Any, y: Any) -> None:  # noqa: N803 - scikit-learn's name for the feature matrix
        """Count the batch: X (N, F) codes (or values, with ``bin_edges``), y (N,) target labels."""
        codes = X if self.bin_edges is None else binned_codes(X, self.bin_edges, check_finite=self.validate_args)
        super().update(features_as_clusterings(codes), y)

    def compute(self) -> Tensor:
        table = self.accumulated_table()
        if self.adjusted:
            return self._finish(_information.adjusted_mutual_info(table, self.average_method))
        return self._finish(_information.in_log_base(_information.mutual_info(table), self.log_base))
