"""``python -m roofline_conv.cli``."""

import sys

from . import main

sys.exit(main())
