"""CSV on stdin, streamed: pyarrow reads the pipe ahead on its own thread, stopped before exit."""

from __future__ import annotations

import atexit
import io
import os
import select
import sys
import threading
import time
from typing import IO, Any, Iterator, Optional

import pyarrow as pa
import pyarrow.csv as pa_csv

from torch_mi.cli.csv_dialect import csv_problem, is_blank, read_head, sniff, text_columns
from torch_mi.cli.errors import InputError
from torch_mi.cli.parts import Batch, Part, ReadOptions

_POLL_S = 0.05  # how soon a read of the process's stdin notices stop()
_STOP_WAIT_S = 1.0  # for a read of a Python stream in flight (it may block on its source)
_DRAIN_WAIT_S = 0.05  # for pyarrow's next read after stop(); it makes none if its queue is full or it failed


class _Prefixed(io.RawIOBase):
    """The bytes already read from a stream, then the rest of the stream.

    pyarrow reads it ahead on one of its own threads, which takes the GIL for each read. A read still
    running when the interpreter finalizes aborts the process (exit 134), so :meth:`stop` ends the
    stream, and is called when reading fails and at exit. The process's own stdin is read at its file
    descriptor (``fd``) in polls that notice stop(): a read blocked in ``sys.stdin.buffer`` would hold
    that stream's lock through shutdown, which aborts too.
    """

    def __init__(self, head: bytes, rest: IO[bytes], fd: Optional[int] = None) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._fd = fd
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
            data = self._read_rest(len(buffer))
            buffer[:len(data)] = data
            if not data and not self._stopped:  # the stream's own end: nothing to stop at exit
                atexit.unregister(self.stop)
            return len(data)
        finally:
            with self._state:
                self._reading = False
                self._state.notify_all()

    def _read_rest(self, size: int) -> bytes:
        if self._fd is None:
            return self._rest.read(size)
        while not self._stopped:
            if select.select([self._fd], [], [], _POLL_S)[0]:
                return os.read(self._fd, size)
        return b""

    def stop(self) -> None:
        """Later reads see end-of-stream; wait for the read in flight and for pyarrow's reader to see
        the end (each a bounded time), then let its thread give the GIL back."""
        atexit.unregister(self.stop)
        with self._state:
            self._stopped = True
            self._state.wait_for(lambda: not self._reading, _STOP_WAIT_S)
            self._state.wait_for(lambda: self._drained, _DRAIN_WAIT_S)
        time.sleep(0.01)


def _process_stdin() -> tuple[IO[bytes], Optional[int]]:
    """The process's stdin, and its file descriptor where it can be polled (not on Windows)."""
    if os.name == "posix":
        try:
            fd = sys.stdin.fileno()
            return io.FileIO(fd, closefd=False), fd  # raw reads: sys.stdin.buffer buffers and locks
        except (AttributeError, OSError, ValueError):  # no real stdin (a test harness, a service)
            pass
    return sys.stdin.buffer, None


class StdinInput:
    name = "<stdin>"
    format = "csv"

    def __init__(self, reader: pa_csv.CSVStreamingReader, stream: _Prefixed, head: bytes, delimiter: str,
                 block_size: int) -> None:
        self._reader = reader
        self._stream = stream
        self._head = head
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
            raise InputError(f"cannot read <stdin>: {csv_problem(error, self._block_size, self._head)}") from None


def stdin_input(stream: Optional[IO[bytes]], options: ReadOptions) -> StdinInput:
    """CSV from ``stream``, or from the process's stdin when it is None."""
    fd = None
    if stream is None:
        stream, fd = _process_stdin()
    head = read_head(stream)
    if is_blank(head):
        raise InputError("<stdin> is empty: CSV on stdin needs a header line")
    delimiter, header = sniff(head, "\t" if options.input_format == "tsv" else options.delimiter)
    prefixed = _Prefixed(head, stream, fd)
    try:
        reader = pa_csv.open_csv(
            pa.PythonFile(io.BufferedReader(prefixed), mode="r"),
            read_options=pa_csv.ReadOptions(block_size=options.block_size),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=text_columns(header),
        )
    except (pa.ArrowException, OSError) as error:
        prefixed.stop()
        raise InputError(f"cannot read <stdin> as CSV: {csv_problem(error, options.block_size, head)}") from None
    return StdinInput(reader, prefixed, head, delimiter, options.block_size)
