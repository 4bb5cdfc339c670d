"""Running as a command (cli/process.py): Ctrl-C is exit 130 and one line wherever it lands, with
no partial or temporary file; a closed stdout is exit 0 and silence. Real signals and real pipes,
to child processes (and, for what library code may do with an interrupt, to this process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from roofline_conv.cli import EXIT_INTERRUPTED, main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# The console script's own lines (`from roofline_conv.cli import main; sys.exit(main())`), with
# a "." on stderr once main is imported so the test knows when to start counting. Until main has
# put in its handler SIGINT does nothing: Python's own start-up is not the command's to handle (how
# little of the package runs before main is checked by test_the_entry_point_imports_nothing_heavy),
# and a signal that lands then only makes that try run to the end (exit 0), never fail.
ENTRY = ("import signal, sys; signal.signal(signal.SIGINT, lambda signum, frame: None); "
         "from roofline_conv.cli import main; sys.stderr.write('.'); sys.stderr.flush(); sys.exit(main())")
PNG_END = b"IEND\xaeB`\x82"


class Child:
    """``roofline-conv ARGV`` in a child process, its stdout and stderr read as they come."""

    def __init__(self, *argv: str, cwd: Path) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parents[2] / "src"),
                                                                        os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen([sys.executable, "-c", ENTRY, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=cwd, env=env)
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.started, self.writing = threading.Event(), threading.Event()
        self.readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for r in self.readers:
            r.start()

    def _read(self, stream, into) -> None:
        for line in iter(stream.readline, b""):
            into.append(line)

    def _read_err(self) -> None:
        assert self.proc.stderr.read(1) == b"."
        self.started.set()
        for line in iter(self.proc.stderr.readline, b""):
            self.err.append(line)
            if line.startswith(b"... writing"):
                self.writing.set()

    def interrupt(self, delay: float, when_writing: bool = False) -> tuple[int, str, str]:
        assert self.started.wait(60)
        if when_writing:
            self.writing.wait(60)
        time.sleep(delay)
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(60)
        for r in self.readers:
            r.join(10)
        return code, b"".join(self.out).decode(), b"".join(self.err).decode()


def check_interrupted(code: int, out: str, err: str, folder: Path, done: str) -> None:
    """Exit 130 and the one line (progress lines aside), or (when the signal came after the
    work) exit 0 with the output; never a traceback; never a temporary or partial file."""
    assert "Traceback" not in err and "Exception ignored" not in err, err
    said = [line for line in err.splitlines() if not line.startswith("... ")]
    if code == EXIT_INTERRUPTED:
        assert len(said) == 1 and said[0].startswith("roofline-conv") and said[0].endswith(": interrupted"), err
    else:
        assert code == 0 and done in out and said == [], (code, err)
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert [p.name for p in files if p.name.startswith(".roofline-conv-")] == []
    for p in files:
        assert p.read_bytes().endswith(PNG_END), f"{p.name} is not a whole PNG"


@pytest.mark.slow
def test_ctrl_c_during_plot(tmp_path):
    """Nine tries, from the first imports inside main to the rename of the chart: eight at delays
    spread over the imports (argparse, sympy, numpy, matplotlib) and the drawing, one while the
    chart is being written (the study's test is another)."""
    tries = [(d, False) for d in (0.03, 0.06, 0.1, 0.2, 0.35, 0.55, 0.8, 1.2)] + [(0.02, True)]
    for i, (delay, when_writing) in enumerate(tries):
        folder = tmp_path / f"try{i}"
        folder.mkdir()
        child = Child("plot", "roofline", "--device", "v100-sxm2", "-o", str(folder / "charts" / "r.png"), cwd=folder)
        code, out, err = child.interrupt(delay, when_writing)
        check_interrupted(code, out, err, folder, "chart written")


@pytest.mark.slow
def test_ctrl_c_while_study_writes_its_charts(tmp_path):
    child = Child("study", "--no-measure", "--charts", str(tmp_path / "charts"), cwd=tmp_path)
    code, out, err = child.interrupt(0.05, when_writing=True)
    check_interrupted(code, out, err, tmp_path, "charts written")


def test_the_entry_point_imports_nothing_heavy():
    """What runs before main's ``try`` (the console script imports ``roofline_conv.cli``): the
    package and the CLI's ``__init__``, nothing else of ours and nothing of the standard library
    that Python had not loaded already."""
    code = ("import sys; before = set(sys.modules); from roofline_conv.cli import main; "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"))).stdout
    assert eval(out) == ["roofline_conv", "roofline_conv.cli"]


# -- a closed stdout ------------------------------------------------------------------------------
def test_a_closed_pipe_is_not_an_error(tmp_path):
    """`roofline-conv network resnet50 ... | head -1`: the reader leaves after one line (of 83 kB,
    more than a pipe holds, so the command is still writing)."""
    argv = [sys.executable, "-m", "roofline_conv", "network", "resnet50", "--device", "v100-sxm2", "--format", "json"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0 and err == ""


# -- what library code may do with an interrupt (a real SIGINT to this process) ------------------
def _sigint_self() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(1000):  # let the handler run
        pass


def _swallowing(monkeypatch, then):
    from roofline_conv.cli import layer as layer_cli

    def handler(args):
        try:
            _sigint_self()
        except KeyboardInterrupt:
            pass  # as an `except BaseException` somewhere in a library would
        return then()

    monkeypatch.setattr(layer_cli, "run_layer", handler)


def test_an_interrupt_that_library_code_swallowed_still_ends_the_command(monkeypatch, capsys):
    from roofline_conv.report import Table

    _swallowing(monkeypatch, lambda: [Table(title="t", columns=["a"], rows=[[1]])])
    assert main(["layer", "--study", "conv"]) == EXIT_INTERRUPTED
    out, err = capsys.readouterr()
    assert out == "" and err == "roofline-conv layer: interrupted\n"


def test_an_import_that_failed_after_an_interrupt_is_the_interrupt(monkeypatch, capsys):
    def half_initialised():
        raise ImportError("initialization failed")

    _swallowing(monkeypatch, half_initialised)
    assert main(["layer", "--study", "conv"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "roofline-conv layer: interrupted\n"


def test_an_interrupt_inside_a_finaliser_is_not_reported_but_counted(monkeypatch, capsys):
    from roofline_conv.cli import layer as layer_cli

    class Finalised:
        def __del__(self):
            _sigint_self()

    def handler(args):
        Finalised()  # freed at once: the KeyboardInterrupt is "unraisable"
        return "done"

    monkeypatch.setattr(layer_cli, "run_layer", handler)
    assert main(["layer", "--study", "conv"]) == EXIT_INTERRUPTED
    out, err = capsys.readouterr()
    assert out == "" and err == "roofline-conv layer: interrupted\n"


def test_main_from_python_puts_the_handlers_back(capsys):
    before = signal.getsignal(signal.SIGINT), sys.unraisablehook
    assert main(["layer", "--study", "conv"]) == 0
    with pytest.raises(SystemExit):
        main(["layer", "--bogus"])
    assert (signal.getsignal(signal.SIGINT), sys.unraisablehook) == before


def test_an_error_of_several_lines_is_one_line(monkeypatch, capsys):
    from roofline_conv.cli import layer as layer_cli

    def handler(args):
        raise ValueError("net.toml: two problems\n  layers[0]: bad\n  layers[1]: worse\n")

    monkeypatch.setattr(layer_cli, "run_layer", handler)
    assert main(["layer", "--study", "conv"]) == 1
    assert capsys.readouterr().err == "roofline-conv layer: error: net.toml: two problems; layers[0]: bad; layers[1]: worse\n"


def test_an_ignored_ctrl_c_stays_ignored(tmp_path):
    """A background job of a script (or nohup) starts with SIGINT ignored; the command keeps it so."""
    code = ("import signal, sys, os; signal.signal(signal.SIGINT, signal.SIG_IGN); from roofline_conv.cli import main; "
            "from roofline_conv.cli import layer; layer.run_layer = lambda args: os.kill(os.getpid(), signal.SIGINT) or 'done'; "
            "sys.exit(main())")
    proc = subprocess.run([sys.executable, "-c", code, "layer", "--study", "conv"], capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src")))
    assert proc.returncode == 0 and proc.stdout == "done\n" and proc.stderr == ""


def test_once_the_command_says_interrupted_the_exit_code_is_130(tmp_path):
    """``python -m roofline_conv`` interrupted at spread moments of its start: whenever the
    command has printed its "interrupted" line, the process ends with exit 130 (before, a
    shutdown racing an interrupted import could turn it into death by SIGINT, -2). A signal that
    lands during Python's own start-up, before any of the package runs, may end the process as
    Python does by default; it then prints no "interrupted" line."""
    argv = [sys.executable, "-m", "roofline_conv", "plot", "roofline", "--device", "v100-sxm2", "--study",
            "-o", str(tmp_path / "chart.png")]
    seen = []
    for delay in (0.05, 0.08, 0.11, 0.15, 0.2, 0.3):
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        said = "interrupted" in err.decode()
        seen.append((delay, proc.returncode, said))
        assert not said or proc.returncode == 130, seen
        # not said: the signal came before the package ran (Python's start-up, runpy's module
        # look-up, which may turn it into exit 1 on a loaded machine) or after the chart was done
    assert any(said for _, _, said in seen) or all(code == 0 for _, code, _ in seen[-2:]), seen
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
