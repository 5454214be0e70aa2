"""The one error type of the command line and of the file-scoring functions."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with the input (paths, columns, contents, options), worded to be shown as it is.

    The command prints it as one ``torch-mi: error: ...`` line and exits with status 2.
    """


def one_line(error: BaseException) -> str:
    """An exception's message on one line (pyarrow's can span several)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__
