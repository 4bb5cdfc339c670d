"""Shared by the CLI tests: run ``roofline-conv`` in-process and capture its output."""

from __future__ import annotations

from roofline_conv.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
