"""``python -m torch_mi``: the ``torch-mi`` command line."""

import sys

from torch_mi.cli import main

if __name__ == "__main__":  # not when a doctest collector imports this module
    sys.exit(main())
