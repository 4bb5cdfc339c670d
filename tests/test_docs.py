"""Every Python code block in README.md and docs/*.md runs, so no example can rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_doc_code_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__doc_example__"}
    for i, code in enumerate(blocks(path)):
        try:
            exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"{path.name} block {i} failed: {exc!r}\n{code}") from exc


def test_readme_has_exactly_two_setup_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set-up", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in re.findall(r"^make \w+.*$", setup, re.M)]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def cli_commands(path: Path) -> list[list[str]]:
    """`roofline-conv ...` lines of the doc's ```sh blocks, in order (comments stripped), then the
    `roofline-conv ...` examples in its tables (the CLI reference's example column)."""
    import shlex

    text = path.read_text(encoding="utf-8")
    commands = []
    table_examples = [span for line in text.splitlines() if line.startswith("|")
                      for span in re.findall(r"`roofline-conv ([^`]*)`", line)]
    for block in SH_BLOCK.findall(text) + ["roofline-conv " + span for span in table_examples]:
        for line in block.splitlines():
            line = line.split(" #")[0].strip()
            for prefix in (".venv/bin/roofline-conv ", "roofline-conv "):
                if line.startswith(prefix):
                    commands.append(shlex.split(line[len(prefix):]))
    return commands


SH_DOCS = [p for p in DOCS if cli_commands(p)]


@pytest.mark.slow
@pytest.mark.parametrize("path", SH_DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_doc_shell_commands_run(path, tmp_path, monkeypatch, capsys):
    import warnings

    from roofline_conv.cli import main
    from roofline_conv.measure.calibrate import Calibration

    monkeypatch.chdir(tmp_path)
    # the docs' commands must run on a loaded test machine: `calibrate`'s gate (exit 3 on a noisy
    # machine or a poor fit) is tested in tests/cli/test_calibrate.py, not here
    monkeypatch.setattr(Calibration, "problems", lambda self, *args, **kwargs: [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for argv in cli_commands(path):
            code = main(argv)
            out, err = capsys.readouterr()
            assert code == 0, f"{path.name}: roofline-conv {' '.join(argv)} exited {code}: {err}"
            assert out.strip()


def test_every_doc_with_shell_examples_is_covered():
    assert {p.name for p in SH_DOCS} >= {"README.md", "cli.md", "quickstart.md", "measurement.md"}
