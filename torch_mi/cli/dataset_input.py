"""CSV and Parquet files through ``pyarrow.dataset``, one input per layout that the files share.

pyarrow.dataset finds a directory's files, reads hive partition keys (``run=kmeans/seed=3/part-0.parquet``)
as columns, decompresses ``.gz``/``.bz2``/``.zst``/``.lz4`` CSV, and streams batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Union

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.dataset as ds

from torch_mi.cli.csv_dialect import csv_parse_options, csv_problem, is_blank, read_head, sniff, text_columns
from torch_mi.cli.errors import InputError, one_line
from torch_mi.cli.parts import Batch, Part, ReadOptions

_NO_ROWS = "no rows"  # the layout of a Parquet file without rows


def dataset_inputs(files: list[Path], fmt: str, base_dir: Optional[Path], options: ReadOptions,
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
    if len(layouts) > 1:  # files without rows add nothing, and their stored types may be anything (null)
        layouts = [(layout, group) for layout, group in layouts if layout is not _NO_ROWS]
    if len(layouts) == 1:
        return [DatasetInput(layouts[0][1], fmt, base_dir, options, layouts[0][0], name=name)]
    return [DatasetInput(group, fmt, base_dir, options, layout,
                         name=None if name is None else f"{name} ({_files_name(group, fmt)})")
            for layout, group in layouts]


def _layouts(files: list[Path], fmt: str, options: ReadOptions) -> list[Any]:
    if fmt == "parquet":
        try:
            fragments = ds.dataset([str(path) for path in files], format="parquet").get_fragments()
            return [fragment.physical_schema.remove_metadata() if fragment.metadata.num_rows else _NO_ROWS
                    for fragment in fragments]
        except (pa.ArrowException, OSError) as error:
            raise InputError(f"cannot read {_files_name(files, fmt)} as parquet: {one_line(error)}") from None
    return [_csv_dialect(path, fmt, options) for path in files]


def _csv_dialect(path: Path, fmt: str, options: ReadOptions) -> tuple[str, tuple[str, ...]]:
    """A CSV file's delimiter (given or sniffed) and header."""
    head = _head(path)
    if is_blank(head):
        raise InputError(f"{str(path)!r} is empty: a CSV file needs a header line")
    delimiter, header = sniff(head, "\t" if fmt == "tsv" else options.delimiter)
    return delimiter, tuple(header)


def _head(path: Union[str, Path]) -> bytes:
    """A (possibly compressed) CSV file's first bytes, as :func:`read_head` reads them."""
    try:
        with pa.input_stream(str(path), compression="detect") as stream:
            return read_head(stream)
    except (pa.ArrowException, OSError) as error:
        raise InputError(f"cannot read {str(path)!r}: {one_line(error)}") from None


def _problem(error: BaseException, fmt: str, path: Union[str, Path], block_size: int) -> str:
    return csv_problem(error, block_size, _head(path)) if fmt != "parquet" else one_line(error)


def _files_name(files: list[Path], fmt: str) -> str:
    return str(files[0]) if len(files) == 1 else f"{len(files)} {fmt} files"


class DatasetInput:
    """CSV or Parquet files of one layout (a directory's, with hive partition keys as columns) through
    pyarrow.dataset; ``layout`` is the CSV dialect or the Parquet schema that they share."""

    def __init__(self, files: list[Path], fmt: str, base_dir: Optional[Path], options: ReadOptions, layout: Any,
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
                    parse_options=csv_parse_options(self.delimiter),
                    convert_options=text_columns(list(header)),
                    read_options=pa_csv.ReadOptions(block_size=options.block_size),
                )
            self.dataset = ds.dataset(
                [str(path) for path in files], format=file_format,
                partitioning=ds.partitioning(flavor="hive") if base_dir is not None else None,
                partition_base_dir=str(base_dir) if base_dir is not None else None,
            )
        except (pa.ArrowException, OSError) as error:
            problem = _problem(error, fmt, files[0], self._block_size)
            raise InputError(f"cannot read {self.name} as {fmt}: {problem}") from None
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
            problem = _problem(error, self.format, fragment.path, self._block_size)
            raise InputError(f"cannot read {fragment.path!r}: {problem}") from None


def _bind(function: Callable[..., Any], first: Any) -> Callable[..., Any]:
    return lambda *args: function(first, *args)
