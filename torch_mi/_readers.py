"""Label files -> batches of columns, streamed so that memory does not grow with the file.

One reader per format, all with the same small interface (:class:`Reader`):

* CSV / TSV (optionally .gz, .bz2, .zst, .lz4): ``pyarrow.csv.open_csv`` reads block by block;
  columns by header name.
* Parquet: ``pyarrow.parquet.ParquetFile.iter_batches``; columns by field name.
* .npy: memory-mapped. A 2-D array (samples x columns) has columns ``"0"``, ``"1"``, ...; a
  structured array has its field names; a plain 1-D array is the single column ``"0"``.
* .npz: each 1-D array is a column named by its key; all must have the same length. Arrays are
  streamed out of the zip member, compressed or not, without loading them whole.

Every batch comes out as pyarrow arrays, whatever the format, so label handling is one code path.
Problems with the input raise :class:`InputError`, whose message is meant for the user as is.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO, Iterator, Optional

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS = ("csv", "tsv", "parquet", "npy", "npz")
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
                   ".npy": "npy", ".npz": "npz"}
_MAGIC = ((b"PAR1", "parquet"), (b"\x93NUMPY", "npy"), (b"PK\x03\x04", "npz"))

Batch = dict[str, pa.Array]


class InputError(Exception):
    """A problem with the user's input (file, columns, contents), worded to be shown as it is."""


class ColumnTypeChanged(InputError):
    """A CSV column parsed as integers in its first block holds text further down.

    The caller restarts after :meth:`CsvReader.read_as_text`: the column is then read as text.
    """

    def __init__(self, column: str, value: str) -> None:
        super().__init__(f"column {column!r} holds text ({value!r}) after integers")
        self.column = column


class Reader:
    """A file's label columns, read in batches.

    Attributes:
        columns: every column of the file, name -> pyarrow type.
        progress_total: the size that :meth:`batches`' progress steps add up to, if known.
        progress_unit: ``"B"`` (bytes) or ``"rows"``.
    """

    columns: dict[str, pa.DataType]
    format: str = ""
    progress_total: Optional[int] = None
    progress_unit: str = "rows"

    def check_columns(self, names: list[str]) -> None:
        """Raise :class:`InputError` if the named (existing) columns cannot be read together."""

    def batches(self, names: list[str]) -> Iterator[tuple[Batch, int]]:
        """Yield ``({name: array}, progress_step)`` for the named columns, in file order."""
        raise NotImplementedError


def detect_format(path: Path) -> str:
    """The format from the file name, else from its first bytes."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffixes[-1]]
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise InputError(f"cannot read {str(path)!r}: {one_line(error)}") from None
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    raise InputError(
        f"cannot tell the format of {str(path)!r} from its name; pass --format ({', '.join(FORMATS)})"
    )


def open_reader(
    path: Path, fmt: Optional[str] = None, *, block_size: int = 1 << 20, batch_rows: int = 1 << 16,
    delimiter: Optional[str] = None,
) -> Reader:
    """Open ``path`` for reading label columns; ``fmt`` overrides the format read from its name."""
    if not path.exists():
        raise InputError(f"no such file: {str(path)!r}")
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a directory, not a file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    try:
        if fmt in ("csv", "tsv"):
            reader: Reader = CsvReader(path, delimiter or ("\t" if fmt == "tsv" else ","), block_size)
        elif fmt == "parquet":
            reader = ParquetReader(path, batch_rows)
        elif fmt == "npy":
            reader = NpyReader(path, batch_rows)
        else:
            reader = NpzReader(path, batch_rows)
    except (pa.ArrowException, OSError, ValueError, zipfile.BadZipFile) as error:
        raise InputError(f"cannot read {str(path)!r} as {fmt}: {one_line(error)}") from None
    reader.format = fmt
    return reader


def one_line(error: BaseException) -> str:
    """An exception's message on one line (pyarrow's can span several)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


# ----------------------------------------------------------------------------------------- CSV
class CsvReader(Reader):
    progress_unit = "B"

    def __init__(self, path: Path, delimiter: str, block_size: int) -> None:
        self.path = path
        self._parse = pa_csv.ParseOptions(delimiter=delimiter)
        self._block_size = block_size
        self._text: set[str] = set()  # columns read as text whatever the first block looked like
        # Progress counts bytes of the file on disk, which is right for a compressed file too.
        self.progress_total = path.stat().st_size
        with self._open_raw() as raw:
            schema = self._open(raw, None).schema
        self.columns = dict(zip(schema.names, schema.types))
        # Cells that pyarrow reads as dates or times are text labels to us: keep them as written.
        for name, dtype in self.columns.items():
            if not (pa.types.is_integer(dtype) or pa.types.is_boolean(dtype) or pa.types.is_floating(dtype)
                    or pa.types.is_null(dtype) or pa.types.is_string(dtype)):
                self.read_as_text(name)

    def _open_raw(self) -> pa.NativeFile:
        return pa.OSFile(str(self.path))

    def _stream(self, raw: pa.NativeFile) -> pa.NativeFile:
        codec = _COMPRESSION.get(self.path.suffix.lower())
        return pa.CompressedInputStream(raw, codec) if codec else raw

    def _open(self, raw: pa.NativeFile, names: Optional[list[str]]) -> pa_csv.CSVStreamingReader:
        convert = pa_csv.ConvertOptions(
            include_columns=names or [], column_types={name: pa.string() for name in self._text}
        )
        read = pa_csv.ReadOptions(block_size=self._block_size)
        return pa_csv.open_csv(self._stream(raw), read_options=read, parse_options=self._parse,
                               convert_options=convert)

    def read_as_text(self, name: str) -> None:
        """Read column ``name`` as text from now on (after :class:`ColumnTypeChanged`)."""
        if name in self._text:
            raise InputError(f"column {name!r} cannot be read as text either")
        self._text.add(name)
        self.columns[name] = pa.string()

    def batches(self, names: list[str]) -> Iterator[tuple[Batch, int]]:
        with self._open_raw() as raw:
            try:
                reader = self._open(raw, list(dict.fromkeys(names)))
                done = 0
                for batch in reader:
                    step, done = raw.tell() - done, raw.tell()
                    yield {name: batch.column(name) for name in names}, step
            except pa.ArrowInvalid as error:
                raise self._explain(error) from None
            except (pa.ArrowException, OSError) as error:
                raise InputError(f"cannot read {str(self.path)!r}: {one_line(error)}") from None

    def _explain(self, error: pa.ArrowInvalid) -> InputError:
        # A column whose first block looked like integers may hold text further down: pyarrow
        # types CSV columns from the first block only. Text means string labels (restart);
        # a non-integer number means a float column, which is an error.
        text = one_line(error)
        match = re.search(r"CSV column #(\d+): CSV conversion error to \w+: invalid value '(.*)'", text)
        if match:
            column = list(self.columns)[int(match.group(1))]
            value = match.group(2)
            if pa.types.is_null(self.columns[column]):
                return InputError(f"column {column!r} has missing values (empty cells); every sample needs a label")
            if _is_number(value) and not _is_integer(value):
                return InputError(
                    f"column {column!r} holds non-integer numbers (e.g. {value!r}); cluster labels must be "
                    "integers or strings"
                )
            return ColumnTypeChanged(column, value)
        return InputError(f"cannot read {str(self.path)!r}: {text}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------- Parquet
class ParquetReader(Reader):
    def __init__(self, path: Path, batch_rows: int) -> None:
        self.path = path
        self._batch_rows = batch_rows
        self._file = pq.ParquetFile(str(path))
        schema = self._file.schema_arrow
        self.columns = dict(zip(schema.names, schema.types))
        self.progress_total = self._file.metadata.num_rows

    def batches(self, names: list[str]) -> Iterator[tuple[Batch, int]]:
        try:
            for batch in self._file.iter_batches(batch_size=self._batch_rows, columns=list(dict.fromkeys(names))):
                yield {name: batch.column(name) for name in names}, batch.num_rows
        except (pa.ArrowException, OSError) as error:
            raise InputError(f"cannot read {str(self.path)!r}: {one_line(error)}") from None


# --------------------------------------------------------------------------------------- NumPy
def _numpy_type(dtype: np.dtype, where: str) -> pa.DataType:
    if dtype.hasobject:
        raise InputError(f"{where} holds Python objects (dtype object); save labels as integers or strings")
    try:
        return pa.from_numpy_dtype(dtype)
    except (pa.ArrowException, NotImplementedError, TypeError):
        raise InputError(f"{where} has dtype {dtype}, which cannot hold cluster labels") from None


class NpyReader(Reader):
    def __init__(self, path: Path, batch_rows: int) -> None:
        self.path = path
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
        self.progress_total = array.shape[0]

    def _column(self, rows: np.ndarray, name: str) -> np.ndarray:
        if rows.dtype.names:
            return rows[name]
        return rows if rows.ndim == 1 else rows[:, int(name)]

    def batches(self, names: list[str]) -> Iterator[tuple[Batch, int]]:
        total = self._array.shape[0]
        for start in range(0, total, self._batch_rows):
            rows = self._array[start:start + self._batch_rows]
            yield {name: _to_arrow(self._column(rows, name)) for name in names}, len(rows)


class NpzReader(Reader):
    def __init__(self, path: Path, batch_rows: int) -> None:
        self.path = path
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
        self.progress_total = max((shape[0] for _, shape, _ in self._headers.values() if shape), default=0)

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
        self.progress_total = lengths[names[0]]

    def batches(self, names: list[str]) -> Iterator[tuple[Batch, int]]:
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
                    yield batch, count
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
