"""``python -m roofline_conv``: the command line."""

import sys

from .cli import main

sys.exit(main())
