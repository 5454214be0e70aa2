"""An in-memory table as an input: pyarrow, pandas, polars, or anything with an Arrow or dataframe interface."""

from __future__ import annotations

from typing import Any, Iterator

import pyarrow as pa
from pyarrow.interchange import from_dataframe

from torch_mi.cli.errors import InputError, one_line
from torch_mi.cli.parts import Batch, Part


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
