"""``python -m roofline_conv``: the command line (``roofline-conv``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
