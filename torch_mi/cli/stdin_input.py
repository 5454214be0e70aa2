"""CSV on stdin, streamed on the calling thread: blocks cut at record ends, each parsed by pyarrow.

pyarrow's own streaming reader reads a Python stream ahead on one of its threads, which takes the GIL
for each read and for each buffer it lets go. A thread that does so while the interpreter finalizes
aborts the process ("terminate called without an active exception"), and no wait at exit bounds when
pyarrow's threads are done. So stdin is read here, on the thread that scores it, and pyarrow only ever
sees a finished block in its own memory.
"""

from __future__ import annotations

import re
import sys
from typing import IO, Iterator, Optional

import pyarrow as pa
import pyarrow.csv as pa_csv

from torch_mi.cli.csv_dialect import (
    csv_parse_options,
    csv_problem,
    is_blank,
    line_too_long,
    read_head,
    sniff,
    text_columns,
)
from torch_mi.cli.errors import InputError
from torch_mi.cli.parts import Batch, Part, ReadOptions

_ROW_NUMBER = re.compile(r"Row #(\d+)")


def _arrow_buffer(data: bytes) -> pa.Buffer:
    """A copy of ``data`` in pyarrow's memory: freeing it never needs the GIL."""
    buffer = pa.allocate_buffer(len(data))
    memoryview(buffer).cast("B")[:] = data
    return buffer


def _records(delimiter: str) -> re.Pattern[bytes]:
    """Whole records, as pyarrow parses them: a quote opens a quoted value (which may hold line ends
    and the delimiter) only at a value's start; elsewhere it is a character like any other."""
    d = re.escape(delimiter.encode())
    value = rb'(?:"[^"]*(?:""[^"]*)*"[^%s\r\n]*|[^"%s\r\n][^%s\r\n]*|)' % (d, d, d)
    return re.compile(rb"(?:%s(?:%s%s)*(?:\r\n|\n|\r))*" % (value, d, value))


def _record_end(window: bytes, records: re.Pattern[bytes]) -> int:
    """Where the last whole record in ``window`` ends (0: none)."""
    if b'"' not in window:  # no quoted values: every line end ends a record
        return max(window.rfind(b"\n"), window.rfind(b"\r")) + 1
    match = records.match(window)
    return match.end() if match else 0


def _record_blocks(head: bytes, stream: IO[bytes], block_size: int, delimiter: str) -> Iterator[bytes]:
    """The stream (after ``head``, its first bytes) in blocks of at most ``block_size`` bytes, each cut
    after its last whole record (never inside a quoted value); the last block is what is left at the end."""
    records = _records(delimiter)
    read = getattr(stream, "read1", None) or stream.read
    pending = bytearray(head)
    at_end = False
    while pending or not at_end:
        while len(pending) < block_size and not at_end:
            data = read(block_size - len(pending))
            at_end = not data
            pending += data or b""
        if at_end and len(pending) <= block_size:
            if pending:
                yield bytes(pending)
            return
        cut = _record_end(bytes(pending[:block_size]), records)
        if cut == 0:
            raise InputError(f"cannot read <stdin>: {line_too_long(block_size)}")
        yield bytes(pending[:cut])
        del pending[:cut]


class StdinInput:
    name = "<stdin>"
    format = "csv"

    def __init__(self, stream: IO[bytes], head: bytes, delimiter: str, header: list[str],
                 options: ReadOptions) -> None:
        self._head = head
        self._block_size = options.block_size
        self.delimiter = delimiter
        self._parse = csv_parse_options(delimiter)
        self._blocks = _record_blocks(head, stream, options.block_size, delimiter)
        first = next(self._blocks)
        self._convert = text_columns(header)
        try:
            self._first: Optional[pa.Table] = self._parse_block(first, None)
        except (pa.ArrowException, OSError) as error:
            raise InputError(f"cannot read <stdin> as CSV: {self._problem(error, 0)}") from None
        self.columns = dict(zip(self._first.schema.names, self._first.schema.types))

    def _parse_block(self, block: bytes, names: Optional[list[str]]) -> pa.Table:
        # A block is at most block_size bytes, so pyarrow parses it whole, on this thread.
        read_options = pa_csv.ReadOptions(block_size=self._block_size, use_threads=False, column_names=names)
        return pa_csv.read_csv(pa.BufferReader(_arrow_buffer(block)), read_options=read_options,
                               parse_options=self._parse, convert_options=self._convert)

    def _problem(self, error: BaseException, rows_before: int) -> str:
        """pyarrow numbers rows within a block (the header is row 1); renumber them within the stream."""
        text = csv_problem(error, self._block_size, self._head)
        return _ROW_NUMBER.sub(lambda match: f"Row #{int(match[1]) + rows_before}", text)

    def check_columns(self, names: list[str]) -> None:
        """Columns of one CSV stream can always be read together."""

    def parts(self, split: bool) -> list[Part]:
        return [Part(self.name, self._read)]

    def _read(self, names: list[str]) -> Iterator[Batch]:
        table, self._first = self._first, None
        if table is None:
            raise InputError("<stdin> can be read only once")
        rows_before = 1 + table.num_rows  # the header and the first block's rows
        while True:
            for batch in table.to_batches():
                yield {name: batch.column(name) for name in names}
            block = next(self._blocks, None)
            if block is None:
                return
            try:
                table = self._parse_block(block, list(self.columns))
            except (pa.ArrowException, OSError) as error:
                raise InputError(f"cannot read <stdin>: {self._problem(error, rows_before)}") from None
            rows_before += table.num_rows


def stdin_input(stream: Optional[IO[bytes]], options: ReadOptions) -> StdinInput:
    """CSV from ``stream``, or from the process's stdin when it is None."""
    if stream is None:
        stream = sys.stdin.buffer
    head = read_head(stream)
    if is_blank(head):
        raise InputError("<stdin> is empty: CSV on stdin needs a header line")
    delimiter, header = sniff(head, "\t" if options.input_format == "tsv" else options.delimiter)
    return StdinInput(stream, head, delimiter, header, options)
