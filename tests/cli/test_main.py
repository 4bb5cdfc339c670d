"""The `roofline-conv` entry point (cli/__init__.py): every subcommand's --help example, exit
codes, one-line errors, interrupts, the console script. Each subcommand's output: test_<module>.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

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
    # flags that another flag would silently override are refused (issue 9)
    (["layer", "conv", "--in", "8", "--size", "8", "--study"], "--in does not apply with --study"),
    (["layer", "pointwise", "--study"], "KIND pointwise does not apply with --study"),
    (["layer", "conv", "--file", "net.toml"], "KIND does not apply with --file"),
    (["layer", "--file", "net.toml", "--batch", "4"], "--batch does not apply with --file"),
    (["project", "--model", "resnet18", "--device", "v100-sxm2", "--in", "8"], "--in does not apply with --model"),
    (["project", "--model", "resnet18", "--device", "v100-sxm2", "--file", "x.toml"], "--file does not apply with --model"),
    (["network", "cifar_cnn", "--optimizer", "adam"], "--optimizer applies with --training only"),
    (["network", "cifar_cnn", "--skip-input-grad"], "--skip-input-grad applies with --training only"),
    (["network", "mobilenet_v2", "-O", "width_mult=1", "-O", "width_mult=2"], "-O width_mult= is given twice"),
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


# -- one rule for exit codes, every command alike --------------------------------------------------
def outcome(capsys, *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) whether main returns or argparse exits (reading capsys drains
    it, so hypothesis's repeated examples each see their own output)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err


LAYER = ("conv", "--in", "8", "--size", "8")
BAD_FLAGS = [  # a flag that does not parse: exit 2 in every command
    ("study", "--bogus"), ("study", "--batch", "abc"), ("study", "--traffic", "fused"), ("study", "--format", "xml"),
    ("layer", *LAYER, "--precision", "fp13"), ("layer", "conv", "--in", "abc", "--size", "8"),
    ("layer", *LAYER, "--padding", "full"), ("layer", *LAYER, "--traffic", "fused"), ("layer", "conv2d", "--in", "8"),
    ("project", "--study", "conv", "--device", "v100-sxm2", "--precision", "fp13"),
    ("project", "--study", "conv", "--device", "v100-sxm2", "--lowering", "diagonal"),
    ("network", "resnet18", "--precision", "fp13"), ("network", "resnet18", "--traffic", "fused"),
    ("network", "resnet18", "-O", "width"), ("network", "resnet18", "--optimizer", "adamw"),
    ("crossover", "batch", *LAYER, "--device", "v100-sxm2", "--precision", "fp13"),
    ("crossover", "batchsize", *LAYER, "--device", "v100-sxm2"),
    ("crossover", "batch", *LAYER, "--device", "v100-sxm2", "--max", "lots"),
    ("devices", "shw"), ("devices", "list", "--format", "xml"),
    ("plot", "roofline", "--device", "v100-sxm2", "-o", "x.png", "--precision", "fp13"),
    ("plot", "roofline", "--device", "v100-sxm2", "-o", "x.png", "--traffic", "fused"),
    ("plot", "sweep", "--device", "v100-sxm2", "-o", "x.png", "--quantity", "speed"),
    ("plot", "sweep", "--device", "v100-sxm2", "-o", "x.png", "--values", "16,a"),
    ("plot", "pie", "--device", "v100-sxm2", "-o", "x.png"), ("plot", "roofline", "-o", "x.png"),
    ("measure", *LAYER, "--precision", "int8"), ("measure", *LAYER, "--repeats", "many"),
    ("measure", *LAYER, "--backend", "jax"), ("measure", *LAYER, "--layout", "nhwc"),
    ("measure", *LAYER, "--backend", "torch", "--torch-device", "tpu"),
    ("calibrate", "--threads", "all"), ("calibrate", "--bogus"), ("calibrate", "--backend", "jax"),
    ("calibrate", "--torch-device", "cuda"),
    ("--bogus",), (), ("layers",),
]


@pytest.mark.parametrize("argv", BAD_FLAGS, ids=" ".join)
def test_a_bad_flag_exits_2_with_one_line(capsys, argv):
    code, out, err = outcome(capsys, *argv)
    assert code == EXIT_USAGE and out == ""
    assert_one_line(err)
    assert "error:" in err and "--help" in err


BAD_VALUES = [  # flags that parse but do not describe a valid input: exit 1 in every command
    ("study", "--no-measure", "--no-charts", "--batch", "0"), ("study", "--threads", "0", "--no-charts"),
    ("study", "--no-measure", "--no-charts", "--device-file", "this-machine.toml"),
    ("layer", "conv", "--in", "-8", "--size", "8"), ("layer", *LAYER, "--device", "v100-sxm3"),
    ("layer", *LAYER, "--padding", "-3"),
    ("project", "--study", "conv", "--device", "h100"), ("project", "--model", "resnet19", "--device", "v100-sxm2"),
    ("network", "resnet19"), ("network", "resnet18", "--batch", "0"), ("network", "resnet18", "-O", "depth=3"),
    ("network", "resnet18", "--device", "v100sxm2"),
    ("crossover", "batch", *LAYER, "--device", "v100-sxm3"),
    ("devices", "show", "v100-sxm3"), ("devices", "list", "v100-sxm2"),
    ("plot", "roofline", "--device", "v100-sxm2", "-o", "x.bmp"), ("plot", "roofline", "--device", "v100sxm2", "-o", "x.png"),
    ("measure", *LAYER, "--threads", "0"), ("measure", "conv", "--in", "0", "--size", "8"),
    ("measure", *LAYER, "--precision", "fp16"), ("measure", *LAYER, "--layout", "channels_last"),
    ("measure", "--model", "cifar_cnn"), ("measure", *LAYER, "--torch-device", "cuda"),
    ("calibrate", "--threads", "-1"), ("calibrate", "--layout", "channels_last"),
]


@pytest.mark.parametrize("argv", BAD_VALUES, ids=" ".join)
def test_a_bad_value_exits_1_with_one_line(capsys, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = outcome(capsys, *argv)
    assert code == EXIT_INPUT and out == "", err
    assert_one_line(err.replace("... measuring", "").split("\n", 1)[-1] if err.startswith("...") else err)
    assert err.strip().splitlines()[-1].startswith(f"roofline-conv {argv[0]}: error: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ("layer", *LAYER), ("project", "--study", "conv"), ("network", "resnet18"), ("crossover", "batch", *LAYER),
    ("plot", "roofline", "-o", "x.png"),
], ids=lambda a: a[0])
def test_an_unknown_device_is_a_bad_value_with_a_suggestion(capsys, argv):
    code, _, err = outcome(capsys, *argv, "--device", "v100_sxm2")
    assert code == EXIT_INPUT and "did you mean 'v100-sxm2'?" in err
    assert_one_line(err)


PRECISION_COMMANDS = [("layer", *LAYER), ("project", "--study", "conv", "--device", "v100-sxm2"), ("network", "resnet18"),
                      ("crossover", "batch", *LAYER, "--device", "v100-sxm2"), ("plot", "roofline", "--device", "v100-sxm2",
                      "-o", "x.png"), ("measure", *LAYER)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(PRECISION_COMMANDS), word=st.text(max_size=12))
def test_any_word_outside_the_precisions_is_a_bad_flag_everywhere(capsys, command, word):
    from roofline_conv.conventions import PRECISIONS

    assume(word not in PRECISIONS)
    code, out, err = outcome(capsys, *command, f"--precision={word}")
    assert code == EXIT_USAGE and out == ""
    assert_one_line(err)
    assert "argument --precision: invalid choice" in err


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flag=st.sampled_from(["--in", "--size", "--batch", "--stride", "--out", "-k"]),
       text=st.text(st.characters(codec="ascii", exclude_characters="\x00"), min_size=1, max_size=8))
def test_an_integer_flag_that_does_not_parse_is_a_bad_flag(capsys, flag, text):
    try:
        int(text)
        assume(False)
    except ValueError:
        pass
    code, _, err = outcome(capsys, "layer", "conv", "--in", "8", "--size", "8", f"{flag}={text}")
    assert code == EXIT_USAGE and f"argument {flag}" in err
    assert_one_line(err)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flag=st.sampled_from(["--in", "--size", "--batch", "--stride", "--out", "-k"]), value=st.integers(max_value=0))
def test_an_integer_out_of_range_is_a_bad_value(capsys, flag, value):
    code, out, err = outcome(capsys, "layer", "conv", "--in", "8", "--size", "8", f"{flag}={value}")
    assert code == EXIT_INPUT and out == ""
    assert_one_line(err)
