"""``python -m torch_mi``: the ``torch-mi`` command line (also under ``torchrun -m torch_mi``)."""

import sys

from torch_mi.cli import main

if __name__ == "__main__":  # not when a doctest collector imports this module
    sys.exit(main())
