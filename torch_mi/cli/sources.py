"""Where the labels live -> one :class:`Source`: the pieces that ranks read, and the columns they share.

An input is a file, a directory, a glob, ``-`` (CSV on stdin) or an in-memory table: CSV and
Parquet files are read by :mod:`~torch_mi.cli.dataset_input`, NumPy files by
:mod:`~torch_mi.cli.numpy_files`, stdin by :mod:`~torch_mi.cli.stdin_input` and tables by
:mod:`~torch_mi.cli.table_input`.

Column types are chosen, never guessed from a first block: every CSV column is read as text (a
label is the text as written; ``labels.py`` gives text and integer columns consistent ids), and
Parquet and NumPy columns keep their stored types.
"""

from __future__ import annotations

import glob
import zipfile
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import IO, Any, Optional, Sequence, Union

import pyarrow.fs as pa_fs

from torch_mi.cli.csv_dialect import SNIFFED_DELIMITERS
from torch_mi.cli.dataset_input import dataset_inputs
from torch_mi.cli.errors import InputError, one_line
from torch_mi.cli.labels import column_kind, common_kind
from torch_mi.cli.numpy_files import NpyInput, NpzInput
from torch_mi.cli.parts import Part, ReadOptions
from torch_mi.cli.stdin_input import stdin_input
from torch_mi.cli.table_input import TableInput

INPUT_FORMATS = ("csv", "tsv", "parquet", "npy", "npz")
STDIN = "-"
_COMPRESSION = (".gz", ".bz2", ".zst", ".lz4")
_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
                   ".npy": "npy", ".npz": "npz"}
_MAGIC = ((b"PAR1", "parquet"), (b"\x93NUMPY", "npy"), (b"PK\x03\x04", "npz"))
_MAX_LISTED_COLUMNS = 20
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
        others = [d for d in SNIFFED_DELIMITERS if d != delimiter and d in names[0]]
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
    names = [str(path) for path in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not names:
        raise InputError("no input given: name files, directories, globs or - (stdin)")
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}; expected one of {', '.join(INPUT_FORMATS)}")
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(f"the delimiter must be one character; got {delimiter!r}")
    check_read_size(block_size, "block_size", "CSV bytes read per batch")
    check_read_size(batch_rows, "batch_rows", "rows read per batch")
    options = ReadOptions(input_format, delimiter, int(block_size), int(batch_rows))
    if STDIN in names:
        if len(names) > 1:
            raise InputError("- (stdin) cannot be combined with other inputs")
        if input_format not in (None, "csv", "tsv"):
            # Parquet and NumPy readers seek; a pipe cannot.
            raise InputError(f"- (stdin) is read as CSV or TSV; --input-format {input_format} needs a file")
        return Source("<stdin>", "csv", [stdin_input(stdin, options)], shared=False)
    inputs: list[Any] = []
    files: list[Path] = []
    for text in names:
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
    return Source(", ".join(names), formats[0] if len(formats) == 1 else "+".join(formats), inputs)


def check_read_size(value: Any, name: str, meaning: str) -> None:
    """``block_size`` / ``batch_rows``: an int from 1 to MAX_READ_SIZE (the option is ``--block-size`` ...)."""
    option = "--" + name.replace("_", "-")
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"`{name}` ({option}, {meaning}) must be an int; got {value!r} of type {type(value).__name__}")
    if not 1 <= int(value) <= MAX_READ_SIZE:
        raise InputError(f"`{name}` ({option}, {meaning}) must be from 1 to {MAX_READ_SIZE}; got {value}")


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


def _file_inputs(files: list[Path], options: ReadOptions) -> list[Any]:
    by_format: dict[str, list[Path]] = {}
    for path in files:
        by_format.setdefault(options.input_format or detect_format(path), []).append(path)
    inputs: list[Any] = []
    for fmt, group in by_format.items():
        if fmt in ("npy", "npz"):
            inputs.extend(_numpy_input(path, fmt, options) for path in group)
        else:
            inputs.extend(dataset_inputs(group, fmt, None, options))
    return inputs


def _directory_inputs(directory: Path, options: ReadOptions) -> list[Any]:
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
    return dataset_inputs(files, fmt, directory.resolve(), options, name=str(directory))


def _numpy_input(path: Path, fmt: str, options: ReadOptions) -> Any:
    try:
        return (NpyInput if fmt == "npy" else NpzInput)(path, options.batch_rows)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(f"cannot read {str(path)!r} as {fmt}: {one_line(error)}") from None


# -------------------------------------------------------------------------------------- tables
def open_table(table: Any, batch_rows: int = 1 << 16) -> Source:
    """An in-memory table as a :class:`Source` (each rank scores its own table)."""
    check_read_size(batch_rows, "batch_rows", "rows read per batch")
    item = TableInput(table, int(batch_rows))
    return Source(item.name, "table", [item], shared=False)
