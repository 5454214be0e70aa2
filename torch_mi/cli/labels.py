"""Label values -> int64 ids that are the same in every batch, every file and on every rank.

No shared dictionary is needed, so ranks never have to agree on ids while they read:

* integer (and boolean) columns: the id is the value itself. Exact.
* text columns: the id is the first 8 bytes of a 16-byte BLAKE2b digest of the label's UTF-8
  bytes; the other 8 bytes are a *check*. Two different labels share an id with probability
  about k^2 / 2^65 for k distinct labels (3e-8 at a million labels, 3e-2 at a billion), so every
  column keeps its distinct (id, check) pairs (:class:`Vocabulary`, 16 bytes per distinct label,
  never per sample) and a collision, i.e. one id with two checks, stops the run with an error
  instead of merging two clusters: one that goes unnoticed needs 128 equal bits, about k^2 / 2^129.

Mutual information does not depend on what the ids are, only on which samples share one, so the
ids are scored directly. The distinct pairs also give the number of clusters, gathered over ranks.

A column's kind (integer or text) is decided once from every input's schema (see
:func:`common_kind`), so a label is the same id whichever file or rank reads it: the CSV cell
``3`` and the Parquet integer 3 of a text column are both the text ``"3"``.
"""

from __future__ import annotations

import hashlib
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from torch_mi.cli.errors import InputError

INTEGER = "integer"
TEXT = "text"

# Text cells that read as non-integer numbers are almost always a float column named by mistake.
_NON_INTEGER_NUMBER = r"(?i)^\s*[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?e[+-]?\d+|nan|inf|infinity)\s*$"
_DIGEST_BYTES = 16
# Compact a vocabulary once the rows added since the last compaction reach its compacted size.
_MIN_ROWS_BEFORE_COMPACTION = 4096


def column_kind(column: str, dtype: pa.DataType) -> str:
    """:data:`INTEGER` or :data:`TEXT` for a column of this type; InputError for types that are not labels."""
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    if pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        raise InputError(
            f"column {column!r} holds floating-point values ({dtype}); cluster labels must be integers or strings"
        )
    if pa.types.is_null(dtype):
        raise InputError(f"column {column!r} has no values; every sample needs a label")
    if pa.types.is_uint64(dtype):
        return TEXT  # ids above 2**63 do not fit int64: their decimal text does
    if pa.types.is_integer(dtype) or pa.types.is_boolean(dtype):
        return INTEGER
    if _is_text(dtype):
        return TEXT
    raise InputError(f"column {column!r} has type {dtype}; cluster labels must be integers or strings")


def common_kind(kinds: list[str]) -> str:
    """A column that is text in any input is text in all of them, so that equal labels get equal ids."""
    return TEXT if TEXT in kinds else INTEGER


def _is_text(dtype: pa.DataType) -> bool:
    names = ("is_string", "is_large_string", "is_string_view", "is_binary", "is_large_binary", "is_binary_view")
    return any(getattr(pa.types, name, lambda _: False)(dtype) for name in names)


def _text_ids(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(ids, checks) of distinct text or bytes labels, from a 16-byte BLAKE2b digest of each."""
    digests = b"".join(
        hashlib.blake2b(value.encode() if isinstance(value, str) else value, digest_size=_DIGEST_BYTES).digest()
        for value in values
    )
    halves = np.frombuffer(digests, dtype="<i8").reshape(-1, 2).astype(np.int64)
    return halves[:, 0].copy(), halves[:, 1].copy()


class LabelEncoder:
    """One column's labels -> int64 ids, batch by batch.

    Example:
        >>> import pyarrow as pa
        >>> words = LabelEncoder("species", TEXT)
        >>> codes = words.encode(pa.array(["cat", "dog", "cat"]))
        >>> ids = codes.row_ids()
        >>> bool(ids[0] == ids[2]) and bool(ids[0] != ids[1])
        True
        >>> bool(words.encode(pa.array(["dog"])).row_ids()[0] == ids[1])  # the same id in every batch
        True
        >>> LabelEncoder("k", INTEGER).encode(pa.array([7, -1, 7])).row_ids().tolist()
        [7, -1, 7]
    """

    def __init__(self, column: str, kind: str, keep_names: bool = False) -> None:
        self.column = column
        self.kind = kind
        # id -> label text, kept only for columns whose clusters get named (the heatmap's axes)
        self.names: Optional[dict[int, str]] = {} if keep_names else None

    def id_of(self, value: str) -> tuple[int, int]:
        """(id, check) of a label given as text, e.g. an ``--ignore-label`` value."""
        if self.kind == INTEGER:
            text = value.strip().lower()
            if text in ("true", "false"):
                return int(text == "true"), 0
            try:
                return int(text), 0
            except ValueError:
                raise InputError(
                    f"column {self.column!r} holds integer labels, so the label to leave out must be an integer; "
                    f"got {value!r}"
                ) from None
        ids, checks = _text_ids([value])
        return int(ids[0]), int(checks[0])

    def encode(self, values: pa.Array) -> "Codes":
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if values.null_count:
            raise InputError(
                f"column {self.column!r} has missing values (empty cells or nulls); every sample needs a label"
            )
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        indices = values.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        dictionary = self._canonical(values.dictionary)
        if self.kind == INTEGER:
            ids = dictionary.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
            checks = np.zeros_like(ids)
        else:
            self._reject_numbers(dictionary)
            labels = dictionary.to_pylist()
            ids, checks = _text_ids(labels)
            if self.names is not None:
                self.names.update(zip(ids.tolist(), labels))
        return Codes(indices, ids, checks)

    def _canonical(self, dictionary: pa.Array) -> pa.Array:
        if self.kind == INTEGER:
            return dictionary.cast(pa.int64())
        if pa.types.is_binary(dictionary.type) or pa.types.is_large_binary(dictionary.type):
            return dictionary
        return dictionary.cast(pa.large_string())  # integers of a text column: their decimal text

    def _reject_numbers(self, dictionary: pa.Array) -> None:
        if not pa.types.is_large_string(dictionary.type):
            return
        numbers = pc.match_substring_regex(dictionary, _NON_INTEGER_NUMBER)
        if pc.any(numbers).as_py():
            example = dictionary.filter(numbers)[0].as_py()
            raise InputError(
                f"column {self.column!r} holds non-integer numbers (e.g. {example!r}); cluster labels must be "
                "integers or strings"
            )


class Codes:
    """One batch of a column, dictionary-encoded: row -> entry (``indices``), entry -> (id, check)."""

    def __init__(self, indices: np.ndarray, ids: np.ndarray, checks: np.ndarray) -> None:
        self.indices = indices
        self.ids = ids
        self.checks = checks

    def row_ids(self) -> np.ndarray:
        return self.ids[self.indices]

    def used(self, kept: Optional[np.ndarray]) -> np.ndarray:
        """(k, 2) distinct (id, check) pairs of the rows in ``kept`` (all rows when None)."""
        rows = self.indices if kept is None else self.indices[kept]
        present = np.bincount(rows, minlength=len(self.ids)) > 0
        return np.stack([self.ids[present], self.checks[present]], axis=1)


class Vocabulary:
    """The distinct (id, check) pairs of a column; memory grows with distinct labels, never with rows.

    Example:
        >>> import numpy as np
        >>> vocabulary = Vocabulary("k")
        >>> vocabulary.add(np.array([[3, 0], [5, 0]]))
        >>> vocabulary.add(np.array([[5, 0], [9, 0]]))
        >>> vocabulary.distinct().tolist()
        [[3, 0], [5, 0], [9, 0]]
    """

    def __init__(self, column: str) -> None:
        self.column = column
        self._blocks: list[np.ndarray] = []
        self._compacted = 0
        self._pending = 0

    def add(self, pairs: np.ndarray) -> None:
        self._blocks.append(pairs.astype(np.int64, copy=False).reshape(-1, 2))
        self._pending += len(pairs)
        if len(self._blocks) > 1 and self._pending >= max(self._compacted, _MIN_ROWS_BEFORE_COMPACTION):
            self.distinct()

    def distinct(self) -> np.ndarray:
        """Sorted distinct pairs; InputError if two different labels share an id."""
        rows = np.concatenate(self._blocks) if self._blocks else np.zeros((0, 2), dtype=np.int64)
        merged = distinct_pairs(rows, self.column)
        self._blocks, self._compacted, self._pending = [merged], len(merged), 0
        return merged


def distinct_pairs(rows: np.ndarray, column: str) -> np.ndarray:
    """Sorted distinct (id, check) rows; InputError if one id comes with two checks (a hash collision)."""
    merged = np.unique(rows, axis=0)
    clash = np.flatnonzero(merged[1:, 0] == merged[:-1, 0])
    if clash.size:
        raise InputError(
            f"two different labels of column {column!r} hashed to the same 64-bit id {int(merged[clash[0], 0])} "
            "(a chance of about k^2 / 2^65 for k distinct labels); map the labels to integers first"
        )
    return merged
