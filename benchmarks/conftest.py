"""Collect ``bench_*.py`` files in this directory as test modules.

pytest's default ``python_files`` only matches ``test_*.py``; the benchmark modules are named
``bench_*.py`` so they are easy to tell apart, and this hook makes the default test command
(``benchmarks/`` is in ``testpaths``) run them once (with ``--benchmark-disable``). A file named
on the command line is collected by pytest itself, so it is left to it (else it would run twice).
"""

from __future__ import annotations

import pytest


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
