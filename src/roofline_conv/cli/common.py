"""What the subcommands share: the parser's rules, output formats, progress, atomic writes,
devices and layers from flags."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from ..conventions import PRECISIONS, TRAFFIC_MODELS
from ..report import FORMATS, Table
from .process import EXIT_USAGE, HeldInterrupts

LAYER_KINDS = ("conv", "depthwise", "pointwise", "depsep")


class Parser(argparse.ArgumentParser):
    """argparse with the command line's rules for a bad flag: one line on stderr (the message
    and where the help is), exit 2; a word outside a flag's choices gets the nearest suggested.
    Every vocabulary flag (precision, traffic, format, lowering, ...) is a ``choices`` flag, so
    a bad word is a bad flag (exit 2) in every command alike."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:  # argparse's hook for choices
        if action.choices is not None and value not in action.choices:
            raise argparse.ArgumentError(action, invalid_choice(value, action.choices))


def invalid_choice(value: Any, choices: Any) -> str:
    """The message for a word outside a flag's vocabulary, with the nearest suggested."""
    options = [str(c) for c in choices]
    near = difflib.get_close_matches(str(value), options, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return f"invalid choice: {value!r}{hint}; choose from {', '.join(options)}"


def progress(message: str) -> None:
    """Progress of long work, on stderr (stdout stays clean for the tables); a closed stderr
    does not stop the work."""
    try:
        print(f"... {message}", file=sys.stderr, flush=True)
    except BrokenPipeError:
        pass


def add_backend(p: argparse.ArgumentParser, torch_device: bool = True) -> None:
    """--backend numpy|torch, --layout nchw|channels_last (and --torch-device cpu|cuda): the
    kernels a measurement times (see docs/measurement.md)."""
    from ..measure.backends import BACKENDS, LAYOUTS, TORCH_DEVICES

    p.add_argument("--backend", choices=BACKENDS, default="numpy",
                   help="numpy: this package's kernels; torch: PyTorch's (pip install roofline_conv[torch]) (default numpy)")
    p.add_argument("--layout", choices=LAYOUTS, default="nchw",
                   help="activation memory format; channels_last with --backend torch only (default nchw)")
    if torch_device:
        p.add_argument("--torch-device", choices=TORCH_DEVICES, default="cpu",
                       help="where --backend torch runs; cuda only when asked (default cpu)")


def add_format(p: argparse.ArgumentParser) -> None:
    """--format (default: text on a terminal, md otherwise), --table NAME, --exact."""
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="md, csv (one table), json (docs/schemas/) or text (aligned, SI units); "
                   "default text on a terminal, md when stdout is a pipe or file")
    p.add_argument("--table", metavar="NAME",
                   help="only this table (by name, e.g. totals); --format csv writes the first table unless given")
    p.add_argument("--exact", action="store_true", help="--format text: exact integers instead of SI-scaled values")


def per_device(tables: list[Table], device_id: str, several: bool) -> list[Table]:
    """A device's tables, named ``NAME:DEVICE`` when a command projects on several devices (so
    every table has its own name for --table), plain ``NAME`` with one."""
    if several:
        for t in tables:
            t.name = f"{t.name}:{device_id}"
    return tables


def add_precision_traffic(p: argparse.ArgumentParser, precision: str = "fp16") -> None:
    p.add_argument("--precision", choices=PRECISIONS, default=precision, help=f"precision (default {precision})")
    p.add_argument("--traffic", choices=TRAFFIC_MODELS, default="compulsory", help="traffic model (default compulsory)")


# -- flag values that must parse (else a bad flag, exit 2, like `--in abc`) ---------------------
def pair_value(text: str) -> int | tuple[int, int]:
    """--size, -k, --stride, --dilation: an int (``224``) or a height-width pair (``224x160``,
    ``224,160``)."""
    parts = text.replace("x", ",").split(",")
    try:
        values = [int(v) for v in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2):
        raise argparse.ArgumentTypeError(f"{text!r} must be an int or a pair HxW (e.g. 224 or 224x160 or 224,160)")
    return values[0] if len(values) == 1 else (values[0], values[1])


def padding_value(text: str) -> int | str | tuple[int, int]:
    """--padding: an int, a pair (``1,0``, ``1x0``), 'same' or 'valid'."""
    if text in ("same", "valid"):
        return text
    try:
        return pair_value(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} must be an int, a pair (e.g. 1,0), 'same' or 'valid'") from None


def number_text(text: str) -> str:
    """A flag value that must read as a number (``8e9``, ``4096``); its range is checked where
    it is used (a bad value, exit 1), a value that is no number at all is a bad flag (exit 2)."""
    try:
        float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    return text


def int_list(text: str) -> list[int]:
    """Comma-separated integers (``16,64,256``)."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]  # empty items (a trailing comma) are skipped
    except ValueError:
        values = []
    if not values:
        raise argparse.ArgumentTypeError(f"{text!r} must be comma-separated integers, e.g. 16,64,256")
    return values


def sweep_quantity(text: str) -> str:
    """--quantity: a sweep quantity (``roofline_conv.sweeps.QUANTITIES``), read when the flag is
    parsed so that building the parser imports no sweep machinery."""
    from ..sweeps.quantities import QUANTITIES

    if text in QUANTITIES:
        return text
    raise argparse.ArgumentTypeError(invalid_choice(text, QUANTITIES))


def key_value(text: str) -> tuple[str, str]:
    """KEY=VALUE."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} must be KEY=VALUE, e.g. alpha=0.5")
    return key.strip(), value.strip()


def positive_threads(value: int | None, flag: str = "--threads") -> int | None:
    """--threads: None (the library's) or at least 1 (a bad value, exit 1)."""
    from ..validation import integer

    return None if value is None else integer(value, flag, minimum=1)


def write_atomically(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place, so an
    interrupt (Ctrl-C) or an error never leaves a partial or temporary file behind: Ctrl-C is
    held while the temporary file is created and remembered, renamed, or removed, and let
    through only while ``write`` runs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with HeldInterrupts() as held:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".roofline-conv-", suffix=path.suffix)
        tmp = Path(tmp_name)
        try:
            os.close(fd)
            with held.released():
                write(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_device(spec: str) -> Any:
    """A catalog id (or constant name), or a device TOML file."""
    from ..devices import Device, get

    if spec.endswith(".toml") or os.path.sep in spec:
        return Device.from_toml(spec)
    return get(spec, "--device")


def add_layer_arguments(p: argparse.ArgumentParser, required: bool = False) -> None:
    """Flags that describe one layer: KIND --in --out -k --size ..., or --file, or --study."""
    g = p.add_argument_group("the layer (flags, --file or --study)")
    g.add_argument("kind", nargs="?", choices=LAYER_KINDS, help="layer kind")
    g.add_argument("--in", dest="in_channels", type=int, help="input channels")
    g.add_argument("--out", dest="out_channels", type=int, help="output channels (default: --in)")
    g.add_argument("-k", "--kernel", dest="kernel_size", type=pair_value,
                   help="kernel size, K or KHxKW (e.g. 3x5) (default 3; not for pointwise)")
    g.add_argument("--size", dest="input_size", type=pair_value, help="input size: H (= W) or HxW (e.g. 224x160)")
    g.add_argument("--stride", type=pair_value, default=1, help="stride, S or SH,SW (default 1)")
    g.add_argument("--padding", type=padding_value,
                   help="int, pair (e.g. 1,0), 'same' or 'valid' (default 0, as Conv2d's; not for pointwise)")
    g.add_argument("--dilation", type=pair_value, help="dilation, D or DH,DW (default 1; not for pointwise)")
    g.add_argument("--groups", type=int, help="groups (conv and pointwise only; default 1)")
    g.add_argument("--bias", action="store_true", help="count a bias")
    g.add_argument("--batch", type=int, default=1, help="images per batch (default 1)")
    g.add_argument("--file", help="a layer or network TOML/JSON file (see docs/cli.md)")
    g.add_argument("--study", action="store_true", help="the seed study's layer (with KIND conv or depsep)")


def padding_arg(value: Any) -> Any:
    """--padding as a layer takes it: 0 (the default, as ``Conv2d``'s), an int, a pair, 'same' or
    'valid' (parsed by :func:`padding_value`)."""
    return 0 if value is None else value


def layer_from_args(args: argparse.Namespace) -> Any:
    """The layer (or network) the flags, --file or --study describe (the file reader and the
    study are imported only for --file and --study)."""
    from ..layers import Conv2d, DepSep, Depthwise, Pointwise

    if args.file:
        from .. import files

        refuse_layer_flags(args, "--file", "the file describes the layer (or network)", kind=True, batch=True)
        return files.load(args.file)
    if args.study:
        from .. import study

        refuse_layer_flags(args, "--study", "the study's layer has fixed dimensions (KIND conv or depsep, --batch)")
        if args.kind not in (None, "conv", "depsep"):
            raise ValueError(f"KIND {args.kind} does not apply with --study: the study's layer is a conv or a depsep")
        conv, sep = study.layers(batch=args.batch)
        return sep if args.kind == "depsep" else conv
    if args.kind is None:
        raise ValueError("name a layer: KIND (conv, depthwise, pointwise, depsep) with --in and --size, or --file, or --study")
    for flag, value in (("--in", args.in_channels), ("--size", args.input_size)):
        if value is None:
            raise ValueError(f"{args.kind} needs {flag}")
    not_for = {"pointwise": (("-k", args.kernel_size), ("--padding", args.padding), ("--dilation", args.dilation)),
               "depthwise": (("--groups", args.groups),), "depsep": (("--groups", args.groups),), "conv": ()}
    for flag, value in not_for[args.kind]:
        if value is not None:
            raise ValueError(f"{flag} does not apply to a {args.kind} layer")
    padding = padding_arg(args.padding)
    cin, size = args.in_channels, args.input_size
    cout = args.out_channels if args.out_channels is not None else cin
    kernel = 3 if args.kernel_size is None else args.kernel_size
    dilation = 1 if args.dilation is None else args.dilation
    groups = 1 if args.groups is None else args.groups
    common = dict(stride=args.stride, bias=args.bias, batch=args.batch)
    if args.kind == "conv":
        return Conv2d(cin, cout, kernel, size, padding=padding, dilation=dilation, groups=groups, **common)
    if args.kind == "depthwise":
        if cout % cin:
            raise ValueError(f"--out {cout} must be a multiple of --in {cin} for a depthwise layer (a channel multiplier)")
        return Depthwise(cin, kernel, size, padding=padding, dilation=dilation, multiplier=cout // cin, **common)
    if args.kind == "pointwise":
        return Pointwise(cin, cout, size, groups=groups, **common)
    return DepSep(cin, cout, kernel, size, padding=padding, dilation=dilation, **common)


def refuse_layer_flags(args: argparse.Namespace, source: str, why: str, *, kind: bool = False,
                       batch: bool = False) -> None:
    """Refuse the layer flags given beside ``source`` (--file, --study, --model), which would
    otherwise be silently ignored: the dimensions, --stride, --padding, --dilation, --groups,
    --bias, --study (and KIND and a --batch other than 1 when asked)."""
    given = [("--in", args.in_channels), ("--out", args.out_channels), ("-k", args.kernel_size),
             ("--size", args.input_size), ("--stride", None if args.stride == 1 else args.stride),
             ("--padding", args.padding), ("--dilation", args.dilation), ("--groups", args.groups),
             ("--bias", args.bias or None), ("--study", None if source == "--study" else args.study or None)]
    if kind:
        given.append(("KIND", args.kind))
    if batch:
        given.append(("--batch", None if args.batch == 1 else args.batch))
    for flag, value in given:
        if value is not None:
            raise ValueError(f"{flag} does not apply with {source}: {why}")


DIMENSION_FLAGS = (("in_channels", "--in"), ("out_channels", "--out"), ("kernel_size", "-k"), ("input_size", "--size"))
"""The layer-dimension flags a sweep or a crossover takes, with the attribute each one sets."""


def dimension_flag(value: Any, flag: str, minimum: int = 1) -> Any:
    """A numeric flag's value checked by the shared integer rule, named by the flag; None (not
    given) passes through."""
    from ..validation import MAX_DIMENSION, integer

    if isinstance(value, tuple):
        raise ValueError(f"{flag} {value[0]}x{value[1]}: give one value here (a pair applies to one layer's flags)")
    return None if value is None else integer(value, flag, minimum=minimum, maximum=MAX_DIMENSION)


def layer_dimensions(args: argparse.Namespace) -> dict[str, Any]:
    """--in, --out, -k and --size, each checked (an int in [1, 2**31]) and, when not given,
    the study's layer's (data/study.toml). A given 0 is refused, never replaced by the default."""
    from ..study_data import layer_spec

    study = layer_spec()
    dims: dict[str, Any] = {}
    for attr, flag in DIMENSION_FLAGS:
        value = dimension_flag(getattr(args, attr), flag)
        dims[attr] = getattr(study, attr) if value is None else value
    return dims


def sweep_dimensions(args: argparse.Namespace) -> dict[str, Any]:
    """The layer flags as fixed dimensions for a sweep (defaults: the study's layer), each
    checked and named by its flag."""
    padding = padding_arg(args.padding)
    if not isinstance(padding, str):
        padding = dimension_flag(padding, "--padding", minimum=0)
    dims: dict[str, Any] = dict(**layer_dimensions(args), stride=dimension_flag(args.stride, "--stride"),
                                padding=padding, dilation=dimension_flag(1 if args.dilation is None else args.dilation,
                                                                         "--dilation"),
                                bias=args.bias, batch=dimension_flag(args.batch, "--batch"))
    if args.groups is not None:
        dims["groups"] = dimension_flag(args.groups, "--groups")
    return dims


def device_table(device: Any) -> Table:
    """Every figure of a device with its unit, provenance and source (or derivation)."""
    rows: list[list[Any]] = []
    for name, unit in device.units.items():
        tile = f" (tile {unit.tile[0]}x{unit.tile[1]})" if unit.tile else ""
        for precision, fig in unit.peaks.items():
            rows.append([f"compute: {name}{tile}", precision, fig.value / 1e12, "TFLOP/s", fig.provenance,
                         fig.derivation or fig.source])
    for name, level in device.memory.items():
        rows.append([f"memory: {name}", "", level.bandwidth.value / 1e9, "GB/s", level.bandwidth.provenance,
                     level.bandwidth.derivation or level.bandwidth.source])
        if level.capacity is not None:
            rows.append([f"memory: {name}", "", level.capacity.value / 1e6, "MB", level.capacity.provenance,
                         level.capacity.source])
    for op, units in device.unit_for.items():
        rows.append([f"runs {op} on", "", " > ".join(units), "", "", ""])
    low = device.depthwise_lowering
    rows.append(["depthwise on a matrix unit", "", low.method, "", "assumption" if low.assumption else "documented", low.source])
    for op, eff in (device.efficiency or {}).items():
        mode = "max" if eff.overlap else "sum"
        rows.append([f"ceiling: {op}", "", f"{mode}(compute x {eff.compute:.2f}, memory x {eff.memory:.2f})"
                     + (f" + {eff.overhead * 1e6:.0f} us" if eff.overhead else ""), "", "measured", eff.source])
    notes = [n for n in (device.notes, "; ".join(f"{k}={v}" for k, v in (device.environment or {}).items())) if n]
    return Table(title=f"{device.name} [{device.id}]", columns=["figure", "precision", "value", "unit", "provenance", "source"],
                 rows=rows, notes=notes, name="device")


def add_chart_size(p: Any) -> None:
    """--figsize WxH (inches) and --dpi, the chart options every chart-writing command takes."""
    p.add_argument("--figsize", type=chart_size, metavar="WxH", help="chart size in inches, e.g. 7x4.5 (default: the chart's own)")
    p.add_argument("--dpi", type=float, help="chart resolution in dots per inch (default 100)")


def chart_size(text: str) -> tuple[float, float]:
    """``7x4.5`` -> (7.0, 4.5)."""
    try:
        w, h = (float(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid size {text!r}: give WIDTHxHEIGHT in inches, e.g. 7x4.5") from None
    return w, h


def chart_options(args: Any) -> dict[str, Any]:
    """The figsize/dpi keywords --figsize and --dpi set (none when not given)."""
    out: dict[str, Any] = {}
    if getattr(args, "figsize", None) is not None:
        out["figsize"] = args.figsize
    if getattr(args, "dpi", None) is not None:
        out["dpi"] = args.dpi
    return out
