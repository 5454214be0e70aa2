"""Where the labels live -> one :class:`Source`: the pieces that ranks read, and the columns they share.

An input is a file, a directory, a glob, ``-`` (CSV on stdin) or an in-memory table. CSV and
Parquet go through ``pyarrow.dataset``: it finds a directory's files, reads hive partition keys
(``run=kmeans/seed=3/part-0.parquet``) as columns, decompresses ``.gz``/``.bz2``/``.zst``/``.lz4``
CSV, and streams batches. NumPy files go through :mod:`torch_mi.cli.numpy_files`.

Column types are chosen, never guessed from a first block: every CSV column is read as text (a
label is the text as written; ``labels.py`` gives text and integer columns consistent ids), and
Parquet and NumPy columns keep their stored types.
"""

from __future__ import annotations

import atexit
import csv
import glob
import io
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.dataset as ds
import pyarrow.fs as pa_fs
from pyarrow.interchange import from_dataframe

from torch_mi.cli.errors import InputError, one_line
from torch_mi.cli.labels import column_kind, common_kind
from torch_mi.cli.numpy_files import NpyInput, NpzInput
from torch_mi.cli.parts import Batch, Part

INPUT_FORMATS = ("csv", "tsv", "parquet", "npy", "npz")
STDIN = "-"
_COMPRESSION = (".gz", ".bz2", ".zst", ".lz4")
_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
                   ".npy": "npy", ".npz": "npz"}
_MAGIC = ((b"PAR1", "parquet"), (b"\x93NUMPY", "npy"), (b"PK\x03\x04", "npz"))
_SNIFF_BYTES = 1024
_SNIFFED_DELIMITERS = ",;\t|"
_MAX_LISTED_COLUMNS = 20
_STOP_WAIT_S = 1.0
MAX_READ_SIZE = 2**31 - 1  # pyarrow's CSV block size and batch size are C ints

PathLike = Union[str, Path]


@dataclass
class Source:
    """Everything to be scored as one dataset.

    ``shared``: every rank sees the same inputs, and splits their parts between ranks (files);
    otherwise each rank scores its own data whole (stdin, a table passed to ``score_table``).
    """

    name: str
    format: str
    inputs: list[Any]
    shared: bool = True
    _kinds: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """The columns present in every input, in the first input's order."""
        first, *others = self.inputs
        return [name for name in first.columns if all(name in other.columns for other in others)]

    def check(self, names: list[str], target: Optional[str] = None) -> dict[str, str]:
        """Check that the named columns exist and hold labels; return each one's kind (integer or text).
        ``target`` names the target among them, for the error to name the option (--target, --preds)."""
        for name in names:
            for item in self.inputs:
                if name not in item.columns:
                    role = "target column" if name == target else "column" if target is None else "preds column"
                    option = "" if target is None else " (--target)" if name == target else " (--preds)"
                    raise InputError(f"{role} {name!r}{option} not found in {item.name}; {_listed(item)}")
        for item in self.inputs:
            item.check_columns(names)
        return {name: common_kind([column_kind(name, item.columns[name]) for item in self.inputs])
                for name in names}

    def parts(self, split: bool) -> list[Part]:
        """The parts to read; ``split``: as fine as is cheap (Parquet row groups), to share among ranks."""
        return [part for item in self.inputs for part in item.parts(split)]


def _listed(item: Any) -> str:
    names = list(item.columns)
    listed = ", ".join(names[:_MAX_LISTED_COLUMNS])
    if len(names) > _MAX_LISTED_COLUMNS:
        listed += f", ... ({len(names) - _MAX_LISTED_COLUMNS} more)"
    text = f"available columns: {listed}"
    delimiter = getattr(item, "delimiter", None)
    if delimiter is not None and len(names) == 1:
        others = [d for d in _SNIFFED_DELIMITERS if d != delimiter and d in names[0]]
        if others:
            text += f" (one column: is the file {others[0]!r}-separated? pass --delimiter {others[0]!r})"
    return text


# -------------------------------------------------------------------------------------- paths
def open_paths(
    paths: Union[PathLike, Sequence[PathLike]], *, input_format: Optional[str] = None,
    delimiter: Optional[str] = None, block_size: int = 1 << 20, batch_rows: int = 1 << 16,
    stdin: Optional[IO[bytes]] = None,
) -> Source:
    """Open files, directories, globs or ``-`` (CSV from ``stdin``) as one :class:`Source`."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [str(path) for path in paths]
    if not paths:
        raise InputError("no input given: name files, directories, globs or - (stdin)")
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}; expected one of {', '.join(INPUT_FORMATS)}")
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(f"the delimiter must be one character; got {delimiter!r}")
    check_read_size(block_size, "block_size", "CSV bytes read per batch")
    check_read_size(batch_rows, "batch_rows", "rows read per batch")
    options = _Options(input_format, delimiter, int(block_size), int(batch_rows))
    if STDIN in paths:
        if len(paths) > 1:
            raise InputError("- (stdin) cannot be combined with other inputs")
        if input_format not in (None, "csv", "tsv"):
            # Parquet and NumPy readers seek; a pipe cannot.
            raise InputError(f"- (stdin) is read as CSV or TSV; --input-format {input_format} needs a file")
        stream = stdin if stdin is not None else sys.stdin.buffer
        return Source("<stdin>", "csv", [_stdin_input(stream, options)], shared=False)
    inputs: list[Any] = []
    files: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            inputs.extend(_directory_inputs(path, options))
        elif path.exists():
            files.append(path)
        elif glob.has_magic(text):
            matches = [Path(match) for match in sorted(glob.glob(text, recursive=True)) if Path(match).is_file()]
            if not matches:
                raise InputError(f"no files match {text!r}")
            files.extend(matches)
        else:
            raise InputError(f"no such file or directory: {text!r}")
    inputs.extend(_file_inputs(list(dict.fromkeys(files)), options))
    formats = sorted({item.format for item in inputs})
    return Source(", ".join(paths), formats[0] if len(formats) == 1 else "+".join(formats), inputs)


def check_read_size(value: Any, name: str, meaning: str) -> None:
    """``block_size`` / ``batch_rows``: an int from 1 to MAX_READ_SIZE (the option is ``--block-size`` ...)."""
    option = "--" + name.replace("_", "-")
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"`{name}` ({option}, {meaning}) must be an int; got {value!r} of type {type(value).__name__}")
    if not 1 <= value <= MAX_READ_SIZE:
        raise InputError(f"`{name}` ({option}, {meaning}) must be from 1 to {MAX_READ_SIZE}; got {value}")


@dataclass
class _Options:
    input_format: Optional[str]
    delimiter: Optional[str]
    block_size: int
    batch_rows: int


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
        f"cannot tell the format of {str(path)!r} from its name; pass --input-format ({', '.join(INPUT_FORMATS)})"
    )


def _file_inputs(files: list[Path], options: _Options) -> list[Any]:
    by_format: dict[str, list[Path]] = {}
    for path in files:
        by_format.setdefault(options.input_format or detect_format(path), []).append(path)
    inputs: list[Any] = []
    for fmt, group in by_format.items():
        if fmt in ("npy", "npz"):
            inputs.extend(_numpy_input(path, fmt, options) for path in group)
        else:
            inputs.extend(_dataset_inputs(group, fmt, None, options))
    return inputs


def _directory_inputs(directory: Path, options: _Options) -> list[Any]:
    # pyarrow lists the files; names starting with '.' or '_' (_SUCCESS, _metadata, .crc) are
    # bookkeeping of the writers, as pyarrow.dataset's own discovery treats them.
    infos = pa_fs.LocalFileSystem().get_file_info(pa_fs.FileSelector(str(directory.resolve()), recursive=True))
    files = sorted(
        Path(info.path) for info in infos
        if info.type == pa_fs.FileType.File
        and not any(part.startswith((".", "_")) for part in Path(info.path).relative_to(directory.resolve()).parts)
    )
    if not files:
        raise InputError(f"directory {str(directory)!r} holds no files")
    formats = {options.input_format or detect_format(path) for path in files}
    if len(formats) > 1:
        raise InputError(
            f"directory {str(directory)!r} holds files of several formats ({', '.join(sorted(formats))}); "
            f"name the ones to score with a glob, e.g. '{directory}/**/*.parquet'"
        )
    fmt = formats.pop()
    if fmt in ("npy", "npz"):
        return [_numpy_input(path, fmt, options) for path in files]
    return _dataset_inputs(files, fmt, directory.resolve(), options, name=str(directory))


def _numpy_input(path: Path, fmt: str, options: _Options) -> Any:
    try:
        return (NpyInput if fmt == "npy" else NpzInput)(path, options.batch_rows)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(f"cannot read {str(path)!r} as {fmt}: {one_line(error)}") from None


# ------------------------------------------------------------------------------ CSV / Parquet
def _dataset_inputs(files: list[Path], fmt: str, base_dir: Optional[Path], options: _Options,
                    name: Optional[str] = None) -> list[DatasetInput]:
    """One :class:`DatasetInput` per layout among the files (CSV: delimiter and header; Parquet: the
    stored schema). pyarrow.dataset reads every file with one schema, its first file's: a later file
    whose column holds text where the first holds integers would fail to parse, and a column it lacks
    would read as nulls. As separate inputs they are checked and given label ids like separate files."""
    layouts: list[tuple[Any, list[Path]]] = []
    for path, layout in zip(files, _layouts(files, fmt, options)):
        for known, group in layouts:
            if known == layout:
                group.append(path)
                break
        else:
            layouts.append((layout, [path]))
    if len(layouts) == 1:
        return [DatasetInput(files, fmt, base_dir, options, layouts[0][0], name=name)]
    return [DatasetInput(group, fmt, base_dir, options, layout) for layout, group in layouts]


def _layouts(files: list[Path], fmt: str, options: _Options) -> list[Any]:
    if fmt == "parquet":
        try:
            fragments = ds.dataset([str(path) for path in files], format="parquet").get_fragments()
            return [fragment.physical_schema.remove_metadata() for fragment in fragments]
        except (pa.ArrowException, OSError) as error:
            raise InputError(f"cannot read {_files_name(files, fmt)} as parquet: {one_line(error)}") from None
    return [_csv_dialect(path, fmt, options) for path in files]


def _csv_dialect(path: Path, fmt: str, options: _Options) -> tuple[str, tuple[str, ...]]:
    """A CSV file's delimiter (given or sniffed) and header."""
    try:
        with pa.input_stream(str(path), compression="detect") as stream:
            head = _read_head(stream)
    except (pa.ArrowException, OSError) as error:
        raise InputError(f"cannot read {str(path)!r}: {one_line(error)}") from None
    if not head.strip():
        raise InputError(f"{str(path)!r} is empty: a CSV file needs a header line")
    delimiter, header = _sniff(head, "\t" if fmt == "tsv" else options.delimiter)
    return delimiter, tuple(header)


def _files_name(files: list[Path], fmt: str) -> str:
    return str(files[0]) if len(files) == 1 else f"{len(files)} {fmt} files"


class DatasetInput:
    """CSV or Parquet files of one layout (a directory's, with hive partition keys as columns) through
    pyarrow.dataset; ``layout`` is the CSV dialect or the Parquet schema that they share."""

    def __init__(self, files: list[Path], fmt: str, base_dir: Optional[Path], options: _Options, layout: Any,
                 name: Optional[str] = None) -> None:
        self.name = name or _files_name(files, fmt)
        self.format = "csv" if fmt == "tsv" else fmt
        self.delimiter: Optional[str] = None
        self._batch_rows = options.batch_rows
        self._block_size = options.block_size
        try:
            if self.format == "parquet":
                file_format: ds.FileFormat = ds.ParquetFileFormat()
            else:
                self.delimiter, header = layout
                file_format = ds.CsvFileFormat(
                    parse_options=pa_csv.ParseOptions(delimiter=self.delimiter),
                    convert_options=_text_columns(list(header)),
                    read_options=pa_csv.ReadOptions(block_size=options.block_size),
                )
            self.dataset = ds.dataset(
                [str(path) for path in files], format=file_format,
                partitioning=ds.partitioning(flavor="hive") if base_dir is not None else None,
                partition_base_dir=str(base_dir) if base_dir is not None else None,
            )
        except (pa.ArrowException, OSError) as error:
            raise InputError(f"cannot read {self.name} as {fmt}: {_csv_problem(error, self._block_size)}") from None
        schema = self.dataset.schema
        self.columns = dict(zip(schema.names, schema.types))

    def check_columns(self, names: list[str]) -> None:
        """Columns of one dataset can always be read together."""

    def parts(self, split: bool) -> list[Part]:
        fragments = list(self.dataset.get_fragments())
        if split and self.format == "parquet":
            fragments = [group for fragment in fragments for group in fragment.split_by_row_group()]
        return [Part(fragment.path, _bind(self._scan, fragment), _bind(self._rows, fragment)) for fragment in fragments]

    def _rows(self, fragment: ds.Fragment) -> Optional[int]:
        if self.format != "parquet":
            return None
        return sum(group.num_rows for group in fragment.row_groups)

    def _scan(self, fragment: ds.Fragment, names: list[str]) -> Iterator[Batch]:
        try:
            scanner = ds.Scanner.from_fragment(fragment, schema=self.dataset.schema, columns=list(dict.fromkeys(names)),
                                               batch_size=self._batch_rows)
            for batch in scanner.to_batches():
                yield {name: batch.column(name) for name in names}
        except (pa.ArrowException, OSError) as error:
            raise InputError(f"cannot read {fragment.path!r}: {_csv_problem(error, self._block_size)}") from None


def _csv_problem(error: BaseException, block_size: int) -> str:
    """pyarrow's message, or, where a line did not fit in one block, what to do about it."""
    text = one_line(error)
    if "straddl" in text or "cannot infer number of columns" in text:
        return f"a line is longer than the block size ({block_size} bytes); pass a larger --block-size (`block_size`)"
    return text


def _bind(function: Callable[..., Any], first: Any) -> Callable[..., Any]:
    return lambda *args: function(first, *args)


def _text_columns(header: list[str]) -> pa_csv.ConvertOptions:
    # Every column as text: a label is what is written. Only an empty cell is missing ("NA" may
    # be a cluster's name).
    return pa_csv.ConvertOptions(column_types={name: pa.string() for name in header},
                                 strings_can_be_null=True, null_values=[""])


def _read_head(stream: Any) -> bytes:
    """At least the first KB, and at least the first line (the header), of a byte stream."""
    read = getattr(stream, "read1", None) or stream.read
    head = b""
    while len(head) < _SNIFF_BYTES or b"\n" not in head:
        chunk = read(1 << 16)
        if not chunk:
            break
        head += bytes(chunk)
    return head


def _sniff(head: bytes, delimiter: Optional[str]) -> tuple[str, list[str]]:
    """The delimiter (given, or sniffed from the first KB) and the header's column names."""
    text = head.decode("utf-8", errors="replace")
    if delimiter is None:
        lines = text[:max(_SNIFF_BYTES, text.find("\n") + 1)]
        if len(text) > len(lines):  # whole lines only: a cut line would look like a different dialect
            lines = lines[:lines.rfind("\n") + 1] or lines
        try:
            delimiter = csv.Sniffer().sniff(lines, delimiters=_SNIFFED_DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    header = next(csv.reader([text.splitlines()[0] if text else ""], delimiter=delimiter), [])
    return delimiter, header


# -------------------------------------------------------------------------------------- stdin
class _Prefixed(io.RawIOBase):
    """The bytes already read from a stream, then the rest of the stream.

    pyarrow reads it ahead on one of its own threads, which takes the GIL for each read. A read still
    running when the interpreter finalizes aborts the process (exit 134), so :meth:`stop` ends the
    stream, and is called when reading fails and at exit.
    """

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._state = threading.Condition()
        self._reading = False
        self._stopped = False
        self._drained = False  # a read after stop() has returned end-of-stream: pyarrow asks no more
        atexit.register(self.stop)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._state:
            if self._stopped:
                self._drained = True
                self._state.notify_all()
                return 0
            self._reading = True
        try:
            if len(self._head):
                count = min(len(buffer), len(self._head))
                buffer[:count] = self._head[:count]
                self._head = self._head[count:]
                return count
            data = self._rest.read(len(buffer))
            buffer[:len(data)] = data
            if not data:  # the stream's own end: pyarrow reads no further, nothing to stop at exit
                atexit.unregister(self.stop)
            return len(data)
        finally:
            with self._state:
                self._reading = False
                self._state.notify_all()

    def stop(self) -> None:
        """Later reads see end-of-stream; wait (a bounded time: stdin may stall) for the read in
        flight and for pyarrow's reader to see the end, then let its thread give the GIL back."""
        atexit.unregister(self.stop)
        with self._state:
            self._stopped = True
            self._state.wait_for(lambda: not self._reading, _STOP_WAIT_S)
            self._state.wait_for(lambda: self._drained, _STOP_WAIT_S)
        time.sleep(0.01)


class StdinInput:
    name = "<stdin>"
    format = "csv"

    def __init__(self, reader: pa_csv.CSVStreamingReader, stream: _Prefixed, delimiter: str, block_size: int) -> None:
        self._reader = reader
        self._stream = stream
        self._block_size = block_size
        self.delimiter = delimiter
        self.columns = dict(zip(reader.schema.names, reader.schema.types))

    def check_columns(self, names: list[str]) -> None:
        """Columns of one CSV stream can always be read together."""

    def parts(self, split: bool) -> list[Part]:
        return [Part(self.name, self._read)]

    def _read(self, names: list[str]) -> Iterator[Batch]:
        try:
            for batch in self._reader:
                yield {name: batch.column(name) for name in names}
        except (pa.ArrowException, OSError) as error:
            self._stream.stop()
            raise InputError(f"cannot read <stdin>: {_csv_problem(error, self._block_size)}") from None


def _stdin_input(stream: IO[bytes], options: _Options) -> StdinInput:
    head = _read_head(stream)
    if not head.strip():
        raise InputError("<stdin> is empty: CSV on stdin needs a header line")
    delimiter, header = _sniff(head, "\t" if options.input_format == "tsv" else options.delimiter)
    prefixed = _Prefixed(head, stream)
    try:
        reader = pa_csv.open_csv(
            pa.PythonFile(io.BufferedReader(prefixed), mode="r"),
            read_options=pa_csv.ReadOptions(block_size=options.block_size),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=_text_columns(header),
        )
    except (pa.ArrowException, OSError) as error:
        prefixed.stop()
        raise InputError(f"cannot read <stdin> as CSV: {_csv_problem(error, options.block_size)}") from None
    return StdinInput(reader, prefixed, delimiter, options.block_size)


# -------------------------------------------------------------------------------------- tables
class TableInput:
    """An in-memory table: pyarrow, pandas, polars, or anything with ``__arrow_c_stream__`` / ``__dataframe__``."""

    format = "table"

    def __init__(self, table: Any, batch_rows: int) -> None:
        self.name = type(table).__name__
        self._table = _as_arrow_table(table)
        self._batch_rows = batch_rows
        self.columns = {name: dtype for name, dtype in zip(self._table.schema.names, self._table.schema.types)
                        if not name.startswith("__index_level_")}  # pandas' stored index is not a labeling

    def check_columns(self, names: list[str]) -> None:
        """Columns of one table can always be read together."""

    def parts(self, split: bool) -> list[Part]:
        return [Part(self.name, self._read, lambda: self._table.num_rows)]

    def _read(self, names: list[str]) -> Iterator[Batch]:
        for batch in self._table.select(list(dict.fromkeys(names))).to_batches(max_chunksize=self._batch_rows):
            yield {name: batch.column(name) for name in names}


def _as_arrow_table(table: Any) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    try:
        if hasattr(table, "__arrow_c_stream__") or _is_pandas(table) or isinstance(table, dict):
            return pa.table(table)
        if hasattr(table, "__dataframe__"):
            return from_dataframe(table)
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise InputError(f"cannot read the {type(table).__name__} as a table: {one_line(error)}") from None
    raise TypeError(
        "`table` must be a pyarrow Table or RecordBatch, a pandas or polars DataFrame, a dict of columns, "
        f"or an object with __arrow_c_stream__ or __dataframe__; got {type(table).__name__}"
    )


def _is_pandas(table: Any) -> bool:
    return type(table).__module__.split(".")[0] == "pandas"


def open_table(table: Any, batch_rows: int = 1 << 16) -> Source:
    """An in-memory table as a :class:`Source` (each rank scores its own table)."""
    check_read_size(batch_rows, "batch_rows", "rows read per batch")
    item = TableInput(table, int(batch_rows))
    return Source(item.name, "table", [item], shared=False)
