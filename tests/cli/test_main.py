"""The `roofline-conv` entry point (cli/__init__.py): every subcommand's --help example, exit
codes, one-line errors, interrupts, the console script. Each subcommand's output: test_<module>.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from roofline_conv.cli import EXIT_INPUT, EXIT_USAGE, build_parser, main

from .helpers import run


def test_every_subcommand_has_help_with_an_example():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {"study", "layer", "project", "measure", "crossover", "network", "devices", "plot", "calibrate"}
    for name, p in sub.choices.items():
        assert "example" in (p.epilog or ""), name
        assert "roofline-conv " + name in p.epilog, name


@pytest.mark.parametrize("argv, needle", [
    (["layer", "conv", "--in", "128", "--groups", "3", "--size", "8"], "groups=3 does not divide in_channels=128"),
    (["layer", "conv", "--size", "8"], "conv needs --in"),
    (["layer"], "name a layer"),
    (["project", "--study", "conv", "--device", "v100-sxm3"], "did you mean 'v100-sxm2'"),
    (["devices", "show"], "devices show needs a device"),
    (["network", "resnet19"], "resnet18"),
    (["layer", "--file", "/nonexistent.toml"], "/nonexistent.toml: cannot be read"),
])
def test_errors_are_one_line_and_exit_1(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == EXIT_INPUT and needle in err and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["layer", "conv", "--precision", "fp13"])
    assert info.value.code == EXIT_USAGE


def test_interrupt_exit_code(monkeypatch, capsys):
    from roofline_conv.cli import layer as layer_cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(layer_cli, "run_layer", interrupted)  # registered when main() builds the parser
    assert main(["layer", "--study", "conv"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_console_script_entry_point_and_module():
    out = subprocess.run([sys.executable, "-m", "roofline_conv", "layer", "--study", "depsep"], capture_output=True,
                         text=True, check=True).stdout
    assert "879,886,336" in out


def test_bad_flag_exits_nonzero(capsys):
    try:
        main(["study", "--no-measure", "--no-charts", "--format", "xml"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice" in capsys.readouterr().err
