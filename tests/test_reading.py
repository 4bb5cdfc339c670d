"""Reading files safely: the size cap, the depth cap, decode errors, non-regular files and the
values a file cannot hold -- each refused with an error naming the file (and the field)."""

from __future__ import annotations

import datetime
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import reading


class Problem(ValueError):
    def __init__(self, file: str, field: str, rule: str) -> None:
        self.file, self.field, self.rule = file, field, rule
        super().__init__(f"{file}: {field}: {rule}" if field else f"{file}: {rule}")


def _nested(depth: int, table: bool) -> str:
    """JSON text nesting ``depth`` levels (arrays, or tables under a key 'a')."""
    if table:
        return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1, 2, reading.MAX_DEPTH])
@pytest.mark.parametrize("table", [False, True])
def test_nesting_up_to_the_cap_is_read(depth, table):
    data = reading.parse(_nested(depth, table), "ok.json", Problem, json_text=True)
    clean, problems = reading.plain(data)
    assert problems == [] and clean == json.loads(_nested(depth, table))


@settings(max_examples=40, deadline=None)
@given(st.integers(reading.MAX_DEPTH + 1, 5000), st.booleans(), st.booleans())
def test_deeper_nesting_is_refused_before_parsing(depth, table, as_toml):
    if as_toml:
        text = "x = " + ("{a = " * depth + "1" + "}" * depth if table else "[" * depth + "]" * depth)
    else:
        text = _nested(depth, table)
    with pytest.raises(Problem, match=rf"deep\.(toml|json): nested more than {reading.MAX_DEPTH} levels deep \(line 1\)"):
        reading.parse(text, "deep.toml" if as_toml else "deep.json", Problem, json_text=not as_toml)


def test_brackets_inside_strings_and_comments_do_not_count():
    many = "[{" * 200
    toml = (f'a = "{many}\\" {many}"\nb = \'{many}\'\nc = """\n{many}\\\n{many}"""\nd = \'\'\'{many}\'\'\'\n'
            f"# {many}\ne = [[1], {{x = 2}}]\n")
    data = reading.parse(toml, "ok.toml", Problem)
    assert data["e"] == [[1], {"x": 2}] and data["a"].startswith("[{")
    assert reading.parse(json.dumps({"s": many + '"' + many}), "ok.json", Problem, json_text=True)["s"].count("[") == 400


def test_dotted_keys_nesting_deeper_than_the_cap():
    text = "[" + ".".join(["a"] * 300) + "]\nx = 1\n"
    _, problems = reading.plain(reading.parse(text, "dotted.toml", Problem))
    (path, rule), = problems
    assert rule == f"nested more than {reading.MAX_DEPTH} levels deep" and path.startswith("a.a.a") and " ... " in path


def test_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 64)
    path = tmp_path / "big.toml"
    path.write_text("x = 1\n" + "#" * 58)  # 64 bytes: read
    assert reading.read(path, Problem) == {"x": 1}
    path.write_text("x = 1\n" + "#" * 59)  # 65 bytes: refused
    with pytest.raises(Problem, match=r"big\.toml: is larger than 64 bytes, the most a file may hold"):
        reading.read(path, Problem)
    assert reading.MAX_FILE_BYTES == 64


def test_the_cap_is_16_mib():
    assert reading.MAX_FILE_BYTES == 16 * 2**20 and reading.MAX_DEPTH == 64


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_dev_zero_is_not_read():
    with pytest.raises(Problem, match=r"/dev/zero: is not a regular file"):
        reading.read("/dev/zero", Problem)


def test_directories_missing_files_and_odd_paths(tmp_path):
    with pytest.raises(Problem, match=r": is a directory, not a file"):
        reading.read(tmp_path, Problem)
    with pytest.raises(Problem, match=r"missing\.toml: cannot be read \(No such file or directory\)"):
        reading.read(tmp_path / "missing.toml", Problem)
    with pytest.raises(Problem, match=r"is not a valid path"):
        reading.read("bad\0name.toml", Problem)
    with pytest.raises(Problem, match=r"a file path must be a string or a path \(got int 3\)"):
        reading.read(3, Problem)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=64).filter(lambda b: not _is_utf8(b)))
def test_binary_files_are_refused_naming_the_file_and_the_byte(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bin") / "blob.toml"
    path.write_bytes(raw)
    with pytest.raises(Problem, match=r"blob\.toml: is not UTF-8 text \(byte 0x[0-9a-f]{2} at offset \d+\); is it a binary file\?"):
        reading.read(path, Problem)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_empty_files_and_a_byte_order_mark(tmp_path):
    for name in ("empty.toml", "empty.json"):
        (tmp_path / name).write_text(" \n\t\n")
        with pytest.raises(Problem, match=rf"{name.replace('.', '[.]')}: is empty"):
            reading.read(tmp_path / name, Problem)
    (tmp_path / "bom.toml").write_bytes("\ufeffx = 1\n".encode())
    assert reading.read(tmp_path / "bom.toml", Problem) == {"x": 1}


def test_syntax_errors_name_the_file():
    with pytest.raises(Problem, match=r"s\.toml: TOML syntax error"):
        reading.parse("x = [1,", "s.toml", Problem)
    with pytest.raises(Problem, match=r"s\.json: line 2: invalid JSON"):
        reading.parse('{\n"x": }', "s.json", Problem, json_text=True)


@pytest.mark.parametrize("value, rule", [
    (math.inf, "must be a finite number (got inf)"),
    (-math.inf, "must be a finite number (got -inf)"),
    (math.nan, "must be a finite number (got nan)"),
    (np.float64("nan"), "must be a finite number (got nan)"),
    (10**400, "an integer of about 401 digits is too large for any field"),
    (datetime.date(1979, 5, 27), "a date or time cannot stand here"),
    (datetime.time(7, 32), "a date or time cannot stand here"),
    (object(), "an object cannot stand here"),
])
def test_values_a_file_cannot_hold(value, rule):
    _, problems = reading.plain({"a": {"b": [1, value]}}, "f")
    assert problems == [("f.a.b[1]", problems[0][1])] and problems[0][1].startswith(rule)


def test_plain_values():
    clean, problems = reading.plain({"a": (np.int64(3), np.float32(0.5), np.bool_(True), None, "s")})
    assert problems == [] and clean == {"a": [3, 0.5, True, None, "s"]}
    assert [type(v) for v in clean["a"]] == [int, float, bool, type(None), str]
    _, problems = reading.plain({1: 2})
    assert problems == [("", "key 1 must be a string, not an integer")]


def test_kind_of():
    assert [reading.kind_of(v) for v in (None, True, 1, 1.0, "x", {}, [])] == [
        "null", "a bool", "an integer", "a float", "a string", "a table", "an array"]


def test_json_duplicate_keys_and_overlong_numbers_are_refused_naming_the_file(tmp_path):
    """JSON would keep the last of two equal keys, and Python refuses a 5,000-digit literal with
    a message naming no file: both are the file's error (TOML refuses duplicates itself)."""
    twice = tmp_path / "twice.json"
    twice.write_text('{"layer": {"kind": "conv", "kind": "depsep"}}')
    with pytest.raises(Problem, match=r"twice\.json.*'kind' appears twice"):
        reading.read(twice, Problem)
    for name, text in (("long.json", '{"a": 1' + "0" * 5000 + "}"), ("long.toml", "a = 1" + "0" * 5000)):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(Problem, match=rf"{name}.*too long to read"):
            reading.read(path, Problem)
