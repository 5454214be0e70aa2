"""NumPy label files, streamed: ``.npy`` memory-mapped, ``.npz`` members read without loading them whole.

* .npy: a 2-D array (samples x columns) has columns ``"0"``, ``"1"``, ...; a structured array has
  its field names; a plain 1-D array is the single column ``"0"``.
* .npz: each 1-D array is a column named by its key; all the named ones must have the same length.

Batches come out as pyarrow arrays, like every other input, so label handling is one code path.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO, Iterator, Optional

import numpy as np
import pyarrow as pa

from torch_mi.cli.errors import InputError, one_line
from torch_mi.cli.parts import Batch, Part


# --------------------------------------------------------------------------------------- NumPy
def _numpy_type(dtype: np.dtype, where: str) -> pa.DataType:
    if dtype.hasobject:
        raise InputError(f"{where} holds Python objects (dtype object); save labels as integers or strings")
    try:
        return pa.from_numpy_dtype(dtype)
    except (pa.ArrowException, NotImplementedError, TypeError):
        raise InputError(f"{where} has dtype {dtype}, which cannot hold cluster labels") from None


class NpyInput:
    """A .npy file; ``columns`` maps column names to pyarrow types."""

    format = "npy"

    def __init__(self, path: Path, batch_rows: int) -> None:
        self.path = path
        self.name = str(path)
        self._batch_rows = batch_rows
        with open(path, "rb") as handle:
            _, dtype = _read_npy_header(handle, path.name)
        if dtype.hasobject:  # objects cannot be labels, nor memory-mapped
            raise InputError(f"{path.name} holds Python objects (dtype object); save labels as integers or strings")
        # Memory-mapped: batches are views into the file, paged in and dropped by the OS.
        self._array = np.load(str(path), mmap_mode="r", allow_pickle=False)
        where = f"{path.name}"
        array = self._array
        if array.dtype.names:
            if array.ndim != 1:
                raise InputError(f"{where} is a structured array of shape {array.shape}; expected 1-D")
            self.columns = {name: _numpy_type(array.dtype[name], f"field {name!r}") for name in array.dtype.names}
        elif array.ndim in (1, 2):
            width = 1 if array.ndim == 1 else array.shape[1]
            dtype = _numpy_type(array.dtype, where)
            self.columns = {str(i): dtype for i in range(width)}
        else:
            raise InputError(
                f"{where} has shape {array.shape}; expected a 1-D array, a 2-D array (samples x columns) "
                "or a structured array"
            )
        self.rows = array.shape[0]

    def check_columns(self, names: list[str]) -> None:
        """Every column of an .npy file can be read with the others."""

    def _column(self, rows: np.ndarray, name: str) -> np.ndarray:
        if rows.dtype.names:
            return rows[name]
        return rows if rows.ndim == 1 else rows[:, int(name)]

    def parts(self, split: bool) -> list[Part]:
        """One part: the whole file."""
        return [Part(self.name, self.batches, lambda: self.rows)]

    def batches(self, names: list[str]) -> Iterator[Batch]:
        total = self._array.shape[0]
        for start in range(0, total, self._batch_rows):
            rows = self._array[start:start + self._batch_rows]
            yield {name: _to_arrow(self._column(rows, name)) for name in names}


class NpzInput:
    """A .npz archive of 1-D arrays; ``columns`` maps keys to pyarrow types (None: not a label array)."""

    format = "npz"

    def __init__(self, path: Path, batch_rows: int) -> None:
        self.path = path
        self.name = str(path)
        self._batch_rows = batch_rows
        self._headers: dict[str, tuple[str, tuple[int, ...], np.dtype]] = {}
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as handle:
                        shape, dtype = _read_npy_header(handle, f"array {member[:-4]!r}")
                    self._headers[member[:-4]] = (member, shape, dtype)
        if not self._headers:
            raise InputError(f"{path.name} holds no arrays")
        # Arrays that are not label columns (2-D, objects) may sit beside them: they are only
        # rejected when named (check_columns).
        self.columns = {key: _try_numpy_type(dtype) for key, (_, _, dtype) in self._headers.items()}
        self.rows = max((shape[0] for _, shape, _ in self._headers.values() if shape), default=0)

    def check_columns(self, names: list[str]) -> None:
        for name in names:
            _, shape, dtype = self._headers[name]
            if len(shape) != 1:
                raise InputError(f"array {name!r} in {self.path.name} has shape {shape}; label arrays must be 1-D")
            self.columns[name] = _numpy_type(dtype, f"array {name!r}")
        lengths = {name: self._headers[name][1][0] for name in names}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{name!r}: {length}" for name, length in lengths.items())
            raise InputError(f"the arrays must have the same length; got {listed}")
        self.rows = lengths[names[0]]

    def parts(self, split: bool) -> list[Part]:
        """One part: the whole file."""
        return [Part(self.name, self.batches, lambda: self.rows)]

    def batches(self, names: list[str]) -> Iterator[Batch]:
        self.check_columns(names)
        total = self._headers[names[0]][1][0]
        with zipfile.ZipFile(self.path) as archive:
            handles = {}
            try:
                for name in dict.fromkeys(names):
                    handles[name] = archive.open(self._headers[name][0])
                    _read_npy_header(handles[name], f"array {name!r}")
                for start in range(0, total, self._batch_rows):
                    count = min(self._batch_rows, total - start)
                    batch = {name: _to_arrow(_read_rows(handles[name], self._headers[name][2], count, name))
                             for name in names}
                    yield batch
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise InputError(f"cannot read {str(self.path)!r}: {one_line(error)}") from None
            finally:
                for handle in handles.values():
                    handle.close()


def _try_numpy_type(dtype: np.dtype) -> Optional[pa.DataType]:
    try:
        return _numpy_type(dtype, "")
    except InputError:
        return None


def _read_npy_header(handle: IO[bytes], where: str) -> tuple[tuple[int, ...], np.dtype]:
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise InputError(f"{where} is in .npy format version {version}, which is not supported")
    except ValueError as error:
        raise InputError(f"{where} is not a readable .npy array: {one_line(error)}") from None
    return shape, dtype


def _read_rows(handle: IO[bytes], dtype: np.dtype, count: int, name: str) -> np.ndarray:
    data = handle.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise InputError(f"array {name!r} ends early: the file is truncated")
    return np.frombuffer(data, dtype=dtype)


def _to_arrow(values: np.ndarray) -> pa.Array:
    # pyarrow takes native byte order only; an .npy written on a big-endian machine is swapped here.
    if not values.dtype.isnative:
        values = values.astype(values.dtype.newbyteorder("="))
    return pa.array(np.ascontiguousarray(values))
