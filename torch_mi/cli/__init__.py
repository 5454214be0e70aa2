"""``torch-mi``: score clusterings stored in files or tables against a target column, streaming.

The command is :func:`main` (``torch-mi``, ``python -m torch_mi``); the same job from Python,
with plain parameters, is :func:`score_files`, :func:`score_table` and :func:`score_columns`,
which return a :class:`Report`. The scores it can report (``--metrics``, ``metrics=``) are listed in
:mod:`torch_mi.cli.metric_registry`. Needs the ``cli`` extra: ``pip install 'torch_mi[cli]'``.
"""

from __future__ import annotations

import sys

try:
    from torch_mi.cli.command import main
    from torch_mi.cli.errors import InputError
    from torch_mi.cli.report import PredsScores, Report, render
    from torch_mi.cli.score import score_columns, score_files, score_table
    from torch_mi.cli.sources import open_paths, open_table
except ModuleNotFoundError as _missing:  # the cli extra (pyarrow, tqdm) is not installed
    if _missing.name not in ("pyarrow", "tqdm"):
        raise
    _MISSING = _missing.name

    def main(argv: object = None) -> int:  # type: ignore[misc]
        """Say which dependency is missing, instead of a traceback."""
        print(f"torch-mi: error: {_MISSING} is missing: pip install 'torch_mi[cli]'", file=sys.stderr)
        return 1

__all__ = ["InputError", "PredsScores", "Report", "main", "open_paths", "open_table", "render", "score_columns",
           "score_files", "score_table"]
