"""The package's hygiene: typed, no import-time work. (Its console script: tests/cli/.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import roofline_conv


def test_py_typed_shipped():
    assert (Path(roofline_conv.__file__).parent / "py.typed").exists()


def test_import_has_no_side_effects():
    code = (
        "import sys, roofline_conv; "
        "print(sorted(m for m in sys.modules if m.startswith('roofline_conv')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)
    assert "roofline_conv.devices" not in loaded and "roofline_conv.study" not in loaded
    assert "roofline_conv.measure" not in loaded
