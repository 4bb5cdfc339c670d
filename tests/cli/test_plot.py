"""`roofline-conv plot` (cli/plot.py): charts written, bad formats and flags refused."""

from __future__ import annotations

import pytest

from roofline_conv.cli import EXIT_INPUT, EXIT_USAGE, main

from .helpers import run


def test_plot_writes_charts(capsys, tmp_path):
    png, svg = tmp_path / "r.png", tmp_path / "s.svg"
    code, _, _ = run(capsys, "plot", "roofline", "--device", "v100-sxm2", "--device", "tpuv2-core", "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    code, _, _ = run(capsys, "plot", "sweep", "--device", "v100-sxm2", "--values", "16,64,256", "-o", str(svg))
    assert code == 0 and svg.read_text().lstrip().startswith("<?xml")
    code, _, err = run(capsys, "plot", "roofline", "--device", "v100-sxm2", "-o", str(tmp_path / "r.bmp"))
    assert code == EXIT_INPUT and "bmp" in err and not (tmp_path / "r.bmp").exists()


def test_sweep_padding_flag_is_checked(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:  # a flag value that does not parse: a bad flag, like `--in abc`
        main(["plot", "sweep", "--device", "v100-sxm2", "--padding", "full", "-o", str(tmp_path / "s.png")])
    err = capsys.readouterr().err
    assert info.value.code == EXIT_USAGE and "argument --padding: 'full' must be an int, a pair (e.g. 1,0), 'same' or 'valid'" in err
    assert list(tmp_path.iterdir()) == []


def test_flags_of_the_other_chart_are_refused(capsys, tmp_path):
    """A sweep flag on a roofline (or --normalise on a sweep) is a bad value, never ignored."""
    from roofline_conv.cli import main

    out = str(tmp_path / "c.png")
    for argv, needle in [(["roofline", "--values", "1,2"], "--values applies to `plot sweep` only"),
                         (["roofline", "--dimension", "batch"], "--dimension applies to `plot sweep` only"),
                         (["sweep", "--normalise"], "--normalise applies to `plot roofline` only")]:
        assert main(["plot", *argv, "--device", "v100-sxm2", "-o", out]) == 1
        assert needle in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()
