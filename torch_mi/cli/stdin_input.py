"""CSV on stdin, streamed: pyarrow reads the pipe ahead on its own thread, stopped before exit."""

from __future__ import annotations

import atexit
import io
import threading
import time
from typing import IO, Any, Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv

from torch_mi.cli.csv_dialect import csv_problem, read_head, sniff, text_columns
from torch_mi.cli.errors import InputError
from torch_mi.cli.parts import Batch, Part, ReadOptions

_STOP_WAIT_S = 1.0


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
            raise InputError(f"cannot read <stdin>: {csv_problem(error, self._block_size)}") from None


def stdin_input(stream: IO[bytes], options: ReadOptions) -> StdinInput:
    head = read_head(stream)
    if not head.strip():
        raise InputError("<stdin> is empty: CSV on stdin needs a header line")
    delimiter, header = sniff(head, "\t" if options.input_format == "tsv" else options.delimiter)
    prefixed = _Prefixed(head, stream)
    try:
        reader = pa_csv.open_csv(
            pa.PythonFile(io.BufferedReader(prefixed), mode="r"),
            read_options=pa_csv.ReadOptions(block_size=options.block_size),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=text_columns(header),
        )
    except (pa.ArrowException, OSError) as error:
        prefixed.stop()
        raise InputError(f"cannot read <stdin> as CSV: {csv_problem(error, options.block_size)}") from None
    return StdinInput(reader, prefixed, delimiter, options.block_size)
