"""The unit that ranks share out (a piece of the input read whole by one rank), and how inputs are read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import pyarrow as pa

Batch = dict[str, pa.Array]


@dataclass
class Part:
    """A file, a Parquet row group or a table: ``read(names)`` yields batches of the named columns."""

    name: str
    read: Callable[[list[str]], Iterator[Batch]]
    count_rows: Callable[[], Optional[int]] = lambda: None

    def batches(self, names: list[str]) -> Iterator[Batch]:
        return self.read(names)


@dataclass
class ReadOptions:
    """How the files are read: the command's --input-format, --delimiter, --block-size, --batch-rows."""

    input_format: Optional[str]
    delimiter: Optional[str]
    block_size: int
    batch_rows: int
