"""The CLI helpers (cli/common.py): atomic writes (whatever window Ctrl-C lands in), file
permissions, the parser's one-line errors, flag values that must parse."""

from __future__ import annotations

import os
import signal
import tempfile
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
    (dict(padding=-1), "--padding=-1 must be >= 0"),
])
def test_sweep_dimensions_refuse_bad_flags_by_name(given, needle):
    with pytest.raises(ValueError, match=needle):
        common.sweep_dimensions(_flags(**given))


# -- Ctrl-C in every window of an atomic write (a real SIGINT to this process) --------------------
def _interrupt_self() -> None:
    os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("window", ["mkstemp", "close", "write", "chmod", "replace"])
def test_a_real_interrupt_in_any_window_leaves_no_partial_or_temporary_file(tmp_path, monkeypatch, window):
    """The SIGINT lands right after the step named (or inside ``write``): the call raises
    KeyboardInterrupt, and the folder holds the whole file or nothing, never a temporary."""
    target = tmp_path / "chart.png"
    real = {"mkstemp": tempfile.mkstemp, "close": os.close, "chmod": os.chmod, "replace": os.replace}

    def after(name):
        def step(*args, **kwargs):
            result = real[name](*args, **kwargs)
            _interrupt_self()
            return result
        return step

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"a whole chart")
        if window == "write":
            _interrupt_self()

    if window != "write":
        target_module = tempfile if window == "mkstemp" else os
        monkeypatch.setattr(target_module, window, after(window))
    with pytest.raises(KeyboardInterrupt):
        common.write_atomically(target, write)
    monkeypatch.undo()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [] if window in ("mkstemp", "close", "write") else left in ([], ["chart.png"])
    if left:
        assert target.read_bytes() == b"a whole chart"


def test_interrupts_are_not_held_while_the_file_is_written(tmp_path):
    """While ``write`` runs (a chart can take seconds), Ctrl-C acts at once."""
    steps = []

    def write(tmp: Path) -> None:
        _interrupt_self()
        for i in range(100_000):
            steps.append(i)

    with pytest.raises(KeyboardInterrupt):
        common.write_atomically(tmp_path / "x.svg", write)
    assert len(steps) < 100_000 and list(tmp_path.iterdir()) == []


# -- the parser's rules --------------------------------------------------------------------------
def test_a_bad_flag_is_one_line_naming_the_help(capsys):
    from roofline_conv.cli import build_parser

    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["plot", "roofline", "--device", "v100-sxm2", "-o", "x.png", "--precision", "fp61"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert err.startswith("roofline-conv plot: error: argument --precision: invalid choice: 'fp61' (did you mean 'fp64'?)")
    assert err.rstrip().endswith("see `roofline-conv plot --help`")


@pytest.mark.parametrize("text, value", [("same", "same"), ("valid", "valid"), ("0", 0), ("2", 2), ("-1", -1)])
def test_padding_values(text, value):
    assert common.padding_value(text) == value


@pytest.mark.parametrize("text", ["full", "", "1.5", "two"])
def test_padding_that_does_not_parse(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="must be an int, a pair .*'same' or 'valid'"):
        common.padding_value(text)


@pytest.mark.parametrize("text", ["", ",", "16,a", "1.5", "x"])
def test_int_list_that_does_not_parse(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated integers"):
        common.int_list(text)
    assert common.int_list("16, 64,256,") == [16, 64, 256]
