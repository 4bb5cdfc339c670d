"""Running as a command: exit codes, Ctrl-C and a closed stdout, the same for every subcommand.

* Ctrl-C ends the command with exit 130 and the one line ``roofline-conv CMD: interrupted``,
  wherever it lands: during a lazy import, inside library code that swallows it (a ``__del__``,
  an ``except`` that turns it into ``ImportError: initialization failed``), while a file is
  written (:class:`HeldInterrupts` keeps the steps that create, rename or remove a temporary file
  whole, so no partial or temporary file is left). :class:`Command` counts every SIGINT itself
  rather than trusting the ``KeyboardInterrupt`` to arrive.
* A closed stdout (``roofline-conv network resnet50 | head -1``) is not an error: exit 0,
  nothing on stderr (the Python docs' "Note on SIGPIPE").

Imports only ``os`` and ``sys`` at module level (already loaded when Python starts), and no
``__future__`` (annotations are strings): ``main`` imports it first thing inside its ``try``.
"""

import os
import sys

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_POOR_FIT = 3
"""``calibrate``: the fit is poor (held-out error) or the machine was too noisy; the tables are
printed, the device file written only with ``--write-anyway``."""

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable


def say(line: str) -> None:
    """One line on stderr; a stderr that is gone is not an error either."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # a closed pipe or file
        pass


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _deliver(handler: "Any") -> None:
    """Act on one SIGINT as ``handler`` (a previous ``signal.getsignal``) would."""
    import signal

    if callable(handler):
        handler(signal.SIGINT, None)
    elif handler != signal.SIG_IGN:
        raise KeyboardInterrupt


class HeldInterrupts:
    """``with HeldInterrupts() as held:`` holds SIGINT for the block and acts on a held one when
    the block ends; ``with held.released():`` lets Ctrl-C through for an inner block (acting
    first on one held before it). Outside the main thread (where Python runs no signal handlers)
    it does nothing."""

    def __init__(self) -> None:
        self.held = 0
        self._previous: "Any" = None
        self._active = False

    def _hold(self, signum: int, frame: "Any") -> None:
        self.held += 1

    def __enter__(self) -> "HeldInterrupts":
        if _in_main_thread():
            import signal

            self._previous = signal.signal(signal.SIGINT, self._hold)
            self._active = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._active:
            import signal

            signal.signal(signal.SIGINT, self._previous)
            self._active = False
            if self.held:
                self.held = 0
                _deliver(self._previous)

    def released(self) -> "_Released":
        return _Released(self)


class _Released:
    def __init__(self, held: "HeldInterrupts") -> None:
        self.held = held

    def __enter__(self) -> None:
        h = self.held
        if h._active:
            import signal

            signal.signal(signal.SIGINT, h._previous)
            if h.held:
                h.held = 0
                _deliver(h._previous)

    def __exit__(self, *exc: object) -> None:
        h = self.held
        if h._active:
            import signal

            signal.signal(signal.SIGINT, h._hold)


class Command:
    """One run of the command line: installs the SIGINT counter, runs the work, maps what
    happened to an exit code and one line on stderr, and puts back what it changed (or, when it
    is the program itself, makes a Ctrl-C during interpreter shutdown end it quietly)."""

    def __init__(self, as_program: bool) -> None:
        self.as_program = as_program
        self.name = ""
        self.code = EXIT_OK
        """The exit code of a command that completed (a subcommand may set another, e.g. 3)."""
        self.interrupts = 0
        self._previous: "Any" = None
        self._hook: "Any" = None
        self._installed = False

    # -- Ctrl-C -------------------------------------------------------------------------------
    def _on_sigint(self, signum: int, frame: "Any") -> None:
        self.interrupts += 1
        raise KeyboardInterrupt

    def _unraisable(self, unraisable: "Any") -> None:
        # a Ctrl-C landing in a __del__ or a callback: counted by _on_sigint, not reported
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            self._hook(unraisable)

    def _install(self) -> None:
        if not _in_main_thread():
            return
        import signal

        if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
            return  # told to ignore Ctrl-C (a background job of a script, nohup): as Python itself does
        self._hook = sys.unraisablehook
        self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        self._installed = True
        sys.unraisablehook = self._unraisable

    def _finish(self, code: int) -> None:
        if not self._installed:
            return
        import signal

        if self.as_program:
            # the work is done and reported: a Ctrl-C while Python shuts down (joining threads,
            # atexit) changes nothing, so it ends the process at once with the same code
            signal.signal(signal.SIGINT, lambda signum, frame: os._exit(code))
            return
        signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)
        sys.unraisablehook = self._hook

    # -- outcomes -----------------------------------------------------------------------------
    def error(self, message: str) -> int:
        """A bad value: one line (a message of several lines joined with '; ')."""
        message = "; ".join(line.strip() for line in message.splitlines() if line.strip())
        say(f"roofline-conv{' ' + self.name if self.name else ''}: error: {message}")
        return EXIT_INPUT

    def interrupted(self) -> int:
        if self._installed:  # the command is over: a second Ctrl-C must not cut the line in two
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
        say(f"roofline-conv{' ' + self.name if self.name else ''}: interrupted")
        return EXIT_INTERRUPTED

    def closed_pipe(self) -> int:
        """Whoever read stdout has gone: point stdout at /dev/null so that Python's final flush
        does not fail again, and end quietly."""
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
            pass
        return EXIT_OK

    def run(self, work: "Callable[[Command], str]") -> int:
        """``work(self)`` (parse the flags, run the subcommand, render its output), then print
        what it returns; the exit code."""
        code = EXIT_INTERRUPTED
        try:
            self._install()
            code = self._run(work)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else EXIT_USAGE
            raise
        finally:
            self._finish(code)
        if self.as_program and code == EXIT_INTERRUPTED:
            self._exit_now(code)
        return code

    @staticmethod
    def _exit_now(code: int) -> None:
        """After a Ctrl-C the program ends here, without the interpreter's shutdown: nothing is
        left to finalise (files are whole or absent), and a shutdown racing an interrupted
        import or a worker thread can otherwise end in SIGINT (-2) or a fatal error (-6)
        instead of 130."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)

    def _run(self, work: "Callable[[Command], str]") -> int:
        try:
            text = work(self)
            if self.interrupts:  # swallowed on the way, e.g. by a __del__: the work is not whole
                return self.interrupted()
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
            return self.code
        except KeyboardInterrupt:
            return self.interrupted()
        except BrokenPipeError:
            return self.interrupted() if self.interrupts else self.closed_pipe()
        except SystemExit:  # argparse: --help, or a usage error already reported
            if self.interrupts:
                return self.interrupted()
            raise
        except BaseException as exc:
            if self.interrupts:  # e.g. ImportError: initialization failed, after a Ctrl-C in an import
                return self.interrupted()
            if isinstance(exc, ValueError):  # LayerError, DeviceFileError, SpecFileError, MemoryLimitError ...
                return self.error(str(exc))
            if isinstance(exc, OSError):  # a file that cannot be read or written
                where = f" {exc.filename}" if exc.filename else ""
                return self.error(f"cannot access{where}: {exc.strerror or exc}")
            raise
