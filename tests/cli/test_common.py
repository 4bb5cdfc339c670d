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


def _flags(**given):
    import argparse

    values = dict(in_channels=None, out_channels=None, kernel_size=None, input_size=None, stride=1, padding=None,
                  dilation=None, groups=None, bias=False, batch=1)
    return argparse.Namespace(**{**values, **given})


def test_layer_dimensions_default_only_what_is_not_given():
    from roofline_conv.study_data import layer_spec

    study = layer_spec()
    dims = common.layer_dimensions(_flags(in_channels=64))
    assert dims == dict(in_channels=64, out_channels=study.out_channels, kernel_size=study.kernel_size,
                        input_size=study.input_size)


@pytest.mark.parametrize("given, needle", [
    (dict(in_channels=0), "--in=0 must be >= 1"), (dict(out_channels=0), "--out=0 must be >= 1"),
    (dict(kernel_size=0), "-k=0 must be >= 1"), (dict(input_size=-1), "--size=-1 must be >= 1"),
    (dict(in_channels=2**40), "--in=1099511627776 must be >= 1 and <= 2147483648"),
    (dict(stride=0), "--stride=0 must be >= 1"), (dict(dilation=0), "--dilation=0 must be >= 1"),
    (dict(batch=0), "--batch=0 must be >= 1"), (dict(groups=0), "--groups=0 must be >= 1"),
    (dict(padding="-1"), "--padding=-1 must be >= 0"),
])
def test_sweep_dimensions_refuse_bad_flags_by_name(given, needle):
    with pytest.raises(ValueError, match=needle):
        common.sweep_dimensions(_flags(**given))
