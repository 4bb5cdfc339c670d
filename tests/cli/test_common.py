"""The CLI helpers (cli/common.py): atomic writes, file permissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from roofline_conv.cli import common


def test_interrupt_leaves_no_partial_file(tmp_path):
    target = tmp_path / "chart.png"

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half a chart")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        common.write_atomically(target, write)
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_usual_permissions(tmp_path):
    import os
    import stat

    path = common.write_text(tmp_path / "out.toml", "x = 1\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
