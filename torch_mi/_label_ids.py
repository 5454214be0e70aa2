"""Label values (integers, strings, booleans) -> int64 ids that are the same in every batch.

Each column keeps the labels it has seen; a label gets the next free id when first seen. A
batch is dictionary-encoded by pyarrow (one hash pass in C++), and only its few distinct values
are looked up in, or appended to, the known labels. Memory follows the number of distinct labels,
never the number of rows. Renaming labels does not change a mutual-information score, so the ids
can be scored directly.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from torch_mi._readers import InputError


def check_label_type(column: str, dtype: pa.DataType) -> None:
    """Reject column types that cannot be cluster labels, before any row is read."""
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        raise InputError(
            f"column {column!r} holds floating-point values ({dtype}); cluster labels must be integers or "
            "strings"
        )
    if pa.types.is_null(dtype):
        raise InputError(
            f"column {column!r} has no values (or only missing ones in its first rows); every sample needs a label"
        )
    if not (_is_text(dtype) or pa.types.is_integer(dtype) or pa.types.is_boolean(dtype)):
        raise InputError(f"column {column!r} has type {dtype}; cluster labels must be integers or strings")


def _is_text(dtype: pa.DataType) -> bool:
    return _is_string(dtype) or pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or (
        hasattr(pa.types, "is_binary_view") and pa.types.is_binary_view(dtype)
    )


def _is_string(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or (
        hasattr(pa.types, "is_string_view") and pa.types.is_string_view(dtype)  # pyarrow >= 16
    )


def _canonical(values: pa.Array) -> pa.Array:
    # One type per kind, so that batches typed differently (int32 in one parquet row group,
    # int64 in the next; string vs large_string) still share their known labels.
    dtype = values.type
    if pa.types.is_integer(dtype) or pa.types.is_boolean(dtype):
        return values.cast(pa.int64()) if dtype != pa.uint64() else values.cast(pa.decimal128(20, 0))
    if _is_string(dtype):
        return values.cast(pa.large_string())
    return values.cast(pa.large_binary())


class LabelIds:
    """Consistent int64 ids for one column's labels across batches.

    Example:
        >>> import pyarrow as pa
        >>> ids = LabelIds("species")
        >>> ids(pa.array(["cat", "dog", "cat"])).tolist()
        [0, 1, 0]
        >>> ids(pa.array(["bird", "dog"])).tolist()
        [2, 1]
        >>> ids.num_labels
        3
    """

    def __init__(self, column: str) -> None:
        self.column = column
        self._known: pa.Array | None = None

    @property
    def num_labels(self) -> int:
        return 0 if self._known is None else len(self._known)

    def __call__(self, values: pa.Array) -> np.ndarray:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if values.null_count:
            raise InputError(
                f"column {self.column!r} has missing values (empty cells or nulls); every sample needs a label"
            )
        if len(values) == 0:
            return np.zeros(0, dtype=np.int64)
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        indices = values.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        dictionary = values.dictionary
        # A stored dictionary (Parquet) may list labels that this batch never uses: keep only the
        # used ones, so that a label counts as seen only when a sample carries it.
        used = np.flatnonzero(np.bincount(indices, minlength=len(dictionary)))
        ids = np.full(len(dictionary), -1, dtype=np.int64)
        ids[used] = self._ids_of(_canonical(dictionary).take(pa.array(used)))
        return ids[indices]

    def _ids_of(self, labels: pa.Array) -> np.ndarray:
        """Ids of distinct ``labels``, appending the ones not seen before."""
        if self._known is None:
            self._known = labels
            return np.arange(len(labels), dtype=np.int64)
        found = pc.index_in(labels, value_set=self._known)
        new = pc.is_null(found)
        ids = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        fresh = np.flatnonzero(new.to_numpy(zero_copy_only=False))
        if fresh.size:
            ids[fresh] = len(self._known) + np.arange(fresh.size)
            self._known = pa.concat_arrays([self._known, labels.take(pa.array(fresh))])
        return ids
