"""CSV text as labels: the delimiter and header from a file's first KB, every column read as text."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any, Optional

import pyarrow as pa
import pyarrow.csv as pa_csv

from torch_mi.cli.errors import one_line

SNIFF_BYTES = 1024
SNIFFED_DELIMITERS = ",;\t|"


def csv_parse_options(delimiter: str) -> pa_csv.ParseOptions:
    # A quoted value may hold line ends (pandas writes them so): pyarrow then cuts blocks at record ends.
    return pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True)


def text_columns(header: list[str]) -> pa_csv.ConvertOptions:
    # Every column as text: a label is what is written. Only an empty cell is missing ("NA" may
    # be a cluster's name).
    return pa_csv.ConvertOptions(column_types={name: pa.string() for name in header},
                                 strings_can_be_null=True, null_values=[""])


def read_head(stream: Any) -> bytes:
    """At least the first KB, and at least the first line (the header), of a byte stream."""
    read = getattr(stream, "read1", None) or stream.read
    head = b""
    while len(head) < SNIFF_BYTES or b"\n" not in head:
        chunk = read(1 << 16)
        if not chunk:
            break
        head += bytes(chunk)
    return head


def sniff(head: bytes, delimiter: Optional[str]) -> tuple[str, list[str]]:
    """The delimiter (given, or sniffed from the first KB) and the header's column names."""
    # pyarrow skips a UTF-8 byte-order mark: so must the header's names, which text_columns() keys on.
    text = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace")
    if delimiter is None:
        lines = text[:max(SNIFF_BYTES, text.find("\n") + 1)]
        if len(text) > len(lines):  # whole lines only: a cut line would look like a different dialect
            lines = lines[:lines.rfind("\n") + 1] or lines
        try:
            delimiter = csv.Sniffer().sniff(lines, delimiters=SNIFFED_DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    # The first record, not line: a quoted name may hold a line end.
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return delimiter, header


def is_blank(head: bytes) -> bool:
    """No header line: nothing, whitespace, or only a UTF-8 byte-order mark."""
    return not head.removeprefix(codecs.BOM_UTF8).strip()


def line_too_long(block_size: int) -> str:
    return f"a line is longer than the block size ({block_size} bytes); pass a larger --block-size (`block_size`)"


def csv_problem(error: BaseException, block_size: int, head: bytes) -> str:
    """pyarrow's message, or what it means where pyarrow's wording is about blocks. ``head`` is the
    input's first bytes (:func:`read_head`: its first line, or all of it if it has no line end)."""
    text = one_line(error)
    too_long = line_too_long(block_size)
    if "straddl" in text:
        return too_long
    if "cannot infer number of columns" in text:
        first_line = head.find(b"\n")
        if first_line < 0 and len(head) < block_size:
            return "it holds only a header line (no line end, no rows to score)"
        if first_line < 0 or first_line >= block_size:
            return too_long
    return text
