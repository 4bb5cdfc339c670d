"""The ``roofline-conv`` command line.

Exit codes: 0 success, 1 an error in the input (one clear line on stderr), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .conventions import TRAFFIC_MODELS
from .report import FORMATS, Table, render_tables


def _study(args: argparse.Namespace) -> list[Table]:
    from . import study

    return [
        study.analytic_table(batch=args.batch),
        study.prediction_table(args.traffic),
        study.prediction_table(args.traffic, plain=True),
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roofline-conv",
        description="What a convolution costs, how fast it can run on a device, and why.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "study",
        help="reproduce the seed study end to end",
        description="Reproduce the seed study: its analytic table exactly, with units, "
        "the convention it uses, and the corrected FLOP and unfused columns; then the roofline "
        "prediction beside every published measurement (V100, TPUv2, Xeon E5-2698 v4).",
        epilog="example: roofline-conv study --format csv",
    )
    p.add_argument("--batch", type=int, default=1, help="images per batch of the analytic table (default 1)")
    p.add_argument("--traffic", choices=TRAFFIC_MODELS, default="compulsory",
                   help="traffic model of the predictions (default compulsory)")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.set_defaults(handler=_study)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``roofline-conv``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], list[Table]] = args.handler
    try:
        tables = handler(args)
    except ValueError as exc:
        print(f"roofline-conv {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(render_tables(tables, args.format))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
