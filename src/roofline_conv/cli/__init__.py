"""The ``roofline-conv`` command line: one module per subcommand group.

Exit codes, the same for every subcommand (docs/cli.md):

* 0 success (also when whoever reads stdout stops early: ``roofline-conv network resnet50 | head -1``);
* 1 a bad value, one line on stderr: a bad dimension, an unknown device (with a suggestion), an
  invalid file, a file that cannot be read or written, flags that do not name a layer, a memory limit;
* 2 a bad flag, one line on stderr: an unknown flag, a value that does not parse (``--in abc``,
  ``--padding full``), a word outside a flag's vocabulary (``--precision fp13``, with a suggestion);
* 3 ``calibrate`` only: the fit is poor (held-out median |error| > 25 %) or the machine was too
  noisy; the tables and a warning are printed, the device file written only with ``--write-anyway``;
* 130 interrupted (Ctrl-C), one line on stderr; files are written atomically, so none is left
  half-written and no temporary file remains.

This module and the package's ``__init__`` import nothing at module level, so the console
script (``roofline_conv.cli:main``) and ``python -m roofline_conv`` are inside ``main``'s ``try``
a moment after Python starts: everything else (argparse, the subcommands, sympy, numpy,
matplotlib) is imported there, where a Ctrl-C is exit 130 and one line, not a traceback. Only
a Ctrl-C during Python's own start-up (and the import of these two small modules) comes before
it; it ends the process as Python does by default.
"""

# No module-level imports, not even ``from __future__`` (annotations are strings): see above.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from typing import Sequence

    from .process import Command

EXIT_CODES = ("EXIT_OK", "EXIT_INPUT", "EXIT_USAGE", "EXIT_POOR_FIT", "EXIT_INTERRUPTED")


def build_parser() -> "argparse.ArgumentParser":
    import argparse

    from . import calibrate, devices, layer, network, plot, study
    from .common import Parser

    parser = Parser(
        prog="roofline-conv",
        description="What a convolution costs, how fast it can run on a device, how fast it runs here, and why.",
        epilog="Run `roofline-conv COMMAND --help` for each command's flags and an example. "
        "Exit codes: 0 ok, 1 bad value, 2 bad flag, 3 poor calibration, 130 interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"roofline-conv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (study, layer, network, devices, plot, calibrate):
        module.register(sub)
    for action in sub.choices.values():
        action.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _work(argv: "Sequence[str] | None", command: "Command") -> str:
    """Parse the flags, run the subcommand, render its tables: the text for stdout."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command.name = args.command
    result = args.handler(args)
    command.code = getattr(args, "exit_code", command.code)
    if isinstance(result, str):
        return result
    from .output import render

    return render(result, args, parser)


def main(argv: "Sequence[str] | None" = None) -> int:
    """Entry point of ``roofline-conv``; returns the exit code (argparse's ``SystemExit`` for
    ``--help`` and bad flags passes through, as argparse does). With ``argv`` None it runs as
    the program: a Ctrl-C after the work is done (while Python shuts down) then exits at once
    with the same code; with ``argv`` given (from Python) it leaves the SIGINT handler as it was."""
    try:
        from .process import Command

        command = Command(as_program=argv is None)
        return command.run(lambda c: _work(argv, c))
    except KeyboardInterrupt:  # before Command took over
        from .process import EXIT_INTERRUPTED, Command, say

        say("roofline-conv: interrupted")
        if argv is None:
            Command._exit_now(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED


def __getattr__(name: str) -> int:
    """The exit codes (``EXIT_OK`` 0, ``EXIT_INPUT`` 1, ``EXIT_USAGE`` 2, ``EXIT_INTERRUPTED``
    130), defined in :mod:`.process` and read from there on first use."""
    if name in EXIT_CODES:
        from . import process

        return getattr(process, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["main", "build_parser", *EXIT_CODES]
