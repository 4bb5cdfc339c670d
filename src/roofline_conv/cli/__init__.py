"""The ``roofline-conv`` command line: one module per subcommand group.

Exit codes: 0 success; 1 bad input or data (one clear line on stderr: a bad dimension, an unknown
device, an invalid file, a file that cannot be read or written, a memory limit); 2 bad usage (unknown flag or choice, from argparse);
130 interrupted (Ctrl-C; files are written atomically, so none is left half-written).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Sequence

from ..report import Table, render_tables
from . import calibrate, devices, layer, network, plot, study

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roofline-conv",
        description="What a convolution costs, how fast it can run on a device, how fast it runs here, and why.",
        epilog="Run `roofline-conv COMMAND --help` for each command's flags and an example. "
        "Exit codes: 0 ok, 1 bad input, 2 bad usage, 130 interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (study, layer, network, devices, plot, calibrate):
        module.register(sub)
    for action in sub.choices.values():
        action.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``roofline-conv``; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], Any] = args.handler
    try:
        result = handler(args)
    except ValueError as exc:  # includes LayerError, DeviceFileError, SpecFileError, MemoryLimitError
        print(f"roofline-conv {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # a file that cannot be read or written
        where = f" {exc.filename}" if exc.filename else ""
        print(f"roofline-conv {args.command}: error: cannot access{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"roofline-conv {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(result if isinstance(result, str) else render_tables(result, args.format))
    return EXIT_OK


__all__ = ["main", "build_parser", "Table"]
