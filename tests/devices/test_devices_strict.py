"""Device data is read strictly: a bool, a string, null, a non-finite number, a table or an array
is never a number, a float never an integer, anything but true/false never a flag -- in a device
file, a dict or a Device method's argument, each refused naming the file (or the argument) and
the field."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import devices
from roofline_conv.devices import Device, DeviceFileError, load_file, loads

V100 = devices.get("v100-sxm2")
EFFICIENCY = {"compute": 0.5, "memory": 0.8, "overhead": 1e-6, "overlap": True, "layers": 3, "median_error": 0.1,
              "source": "test"}


def _base() -> dict[str, Any]:
    data = V100.model_dump(exclude_none=True, exclude={"source_file"})
    data.update(sockets=1, cores=80, efficiency={"conv": dict(EFFICIENCY)})
    data["units"]["tensor"]["tile"] = list(data["units"]["tensor"]["tile"])
    return data


# field path -> (kind, may it be null?)
FIELDS = {
    "memory.hbm.bandwidth.value": ("number", False),
    "memory.hbm.capacity.value": ("number", False),
    "memory.l2.bandwidth.value": ("number", False),
    "units.tensor.peaks.fp16.value": ("number", False),
    "units.cuda.peaks.fp32.value": ("number", False),
    "clock.value": ("number", False),
    "efficiency.conv.compute": ("number", False),
    "efficiency.conv.memory": ("number", False),
    "efficiency.conv.overhead": ("number", False),
    "efficiency.conv.median_error": ("number", True),
    "units.tensor.tile[0]": ("integer", False),
    "units.tensor.tile[1]": ("integer", False),
    "sockets": ("integer", True),
    "cores": ("integer", True),
    "efficiency.conv.layers": ("integer", True),
    "units.tensor.sparse": ("flag", False),
    "depthwise_lowering.assumption": ("flag", False),
    "efficiency.conv.overlap": ("flag", False),
}

NOT_NUMBERS = st.one_of(
    st.booleans(), st.text(max_size=8), st.sampled_from(["900e9", "1", "0.5", "inf", " 3 "]),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False), st.integers(max_value=-1),
    st.dictionaries(st.sampled_from(["a", "value"]), st.integers(), min_size=1, max_size=2),
    st.lists(st.integers(0, 9), max_size=3),
)
NOT_INTEGERS = st.one_of(NOT_NUMBERS, st.floats(min_value=1, max_value=1e6).map(float), st.just(2.0))
NOT_FLAGS = st.one_of(st.integers(), st.floats(allow_nan=False), st.sampled_from(["true", "false", "yes", "no", "1", ""]),
                      st.lists(st.booleans(), max_size=2), st.dictionaries(st.just("a"), st.booleans(), min_size=1))
BAD = {"number": NOT_NUMBERS, "integer": NOT_INTEGERS, "flag": NOT_FLAGS}


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.replace("[", ".").replace("]", "").split(".")
    node: Any = data
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if isinstance(node, tuple):
        raise AssertionError("tuples are dumped as lists")
    node[int(last) if last.isdigit() else last] = value


@st.composite
def bad_fields(draw: st.DrawFn) -> tuple[str, Any]:
    path = draw(st.sampled_from(sorted(FIELDS)))
    kind, nullable = FIELDS[path]
    values = BAD[kind] if nullable else st.one_of(BAD[kind], st.none())
    return path, draw(values)


def _accepted(kind: str, path: str, value: Any) -> bool:
    """Whether ``value`` is in fact valid at ``path`` (hypothesis may draw a valid one)."""
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value >= 1
    return False


@settings(max_examples=300, deadline=None)
@given(bad_fields())
def test_invalid_values_in_a_dict_name_the_source_and_the_field(field):
    path, value = field
    data = _base()
    _set(data, path, copy.deepcopy(value))
    if _accepted(FIELDS[path][0], path, value):
        return
    with pytest.raises(DeviceFileError) as info:
        Device.from_dict(data, "dev.toml")
    message = str(info.value)
    assert message.startswith("dev.toml: ") and f"dev.toml: {path}" in message, message
    assert "Input should" not in message and "pydantic" not in message.lower()
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)


TOML_BAD = {
    "number": ["true", "false", '"900e9"', '"1"', "inf", "-inf", "nan", "-1", "-0.5", "[1]", "[]", "{a = 1}",
               "1979-05-27", "07:32:00"],
    "integer": ["true", '"2"', "2.0", "2.5", "1e3", "inf", "nan", "-1", "0", "[2]", "{a = 2}", "1979-05-27"],
    "flag": ["1", "0", '"true"', '"no"', "1.0", "[true]", "{a = true}"],
}
LINES = {  # the TOML table each field sits in, its key and its kind
    "memory.hbm.bandwidth.value": ("[device.memory.hbm.bandwidth]", "value", "number"),
    "units.tensor.peaks.fp16.value": ("[device.units.tensor.peaks.fp16]", "value", "number"),
    "clock.value": ("[device.clock]", "value", "number"),
    "units.tensor.tile": ("[device.units.tensor]", "tile", "integer"),
    "sockets": ("[[device]]", "sockets", "integer"),
    "units.tensor.sparse": ("[device.units.tensor]", "sparse", "flag"),
    "depthwise_lowering.assumption": ("[device.depthwise_lowering]", "assumption", "flag"),
}


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(sorted(LINES)), st.data())
def test_invalid_values_in_a_toml_file_name_the_file_and_the_field(tmp_path_factory, path, data):
    header, key, kind = LINES[path]
    literal = data.draw(st.sampled_from(TOML_BAD[kind]))
    lines = V100.to_toml().splitlines()
    at = lines.index(header)
    end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    lines = [line for i, line in enumerate(lines) if not (at < i < end and line.startswith(f"{key} = "))]
    value = f"[{literal}, 16]" if key == "tile" else literal
    lines.insert(at + 1, f"{key} = {value}")
    file = tmp_path_factory.mktemp("dev") / "my_gpu.toml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DeviceFileError) as info:
        load_file(file)
    message = str(info.value)
    where = f"device[0].{path}" + ("[0]" if key == "tile" else "")
    assert message.startswith(f"{file}: ") and f"{file}: {where}" in message, message
    assert "Input should" not in message


@pytest.mark.parametrize("text, field, rule", [
    ("value = true", "memory.hbm.bandwidth.value", "must be a number, not a bool (got True)"),
    ('value = "900e9"', "memory.hbm.bandwidth.value", "must be a number, not a string (got '900e9')"),
    ("value = inf", "memory.hbm.bandwidth.value", "must be a finite number (got inf)"),
])
def test_the_reported_bug_bandwidth_true_is_not_one_byte_per_second(text, field, rule):
    bad = V100.to_toml().replace("value = 900e9", text, 1)
    with pytest.raises(DeviceFileError) as info:
        loads(bad, "v100.toml")
    assert str(info.value) == f"v100.toml: device[0].{field}: {rule}"
    with pytest.raises(DeviceFileError, match=r"v100\.toml: device\[0\]\.sockets: must be an integer, not a bool \(got True\)"):
        loads(V100.to_toml().replace("[[device]]\n", "[[device]]\nsockets = true\n"), "v100.toml")


def test_valid_values_still_read_exactly():
    data = _base()
    data["units"]["tensor"]["tile"] = (np.int64(8), 8)  # numpy ints, tuples: Python edges
    data["memory"]["hbm"]["bandwidth"]["value"] = np.float64(900e9)
    data["memory"]["hbm"]["capacity"]["value"] = 16 * 2**30  # an int for a float field
    d = Device.from_dict(data)
    assert d.units["tensor"].tile == (8, 8) and d.bandwidth() == 900e9 and d.capacity() == float(16 * 2**30)
    assert type(d.bandwidth()) is float and type(d.units["tensor"].tile[0]) is int
    assert Device.from_dict(V100.model_dump()) == V100


# -- the Device methods' arguments ---------------------------------------------------------------
NOT_CLOCKS = st.one_of(
    st.booleans(), st.none(), st.text(max_size=6), st.sampled_from(["1e9", "1.8GHz"]),
    st.sampled_from([math.nan, math.inf, -math.inf, 0, 0.0, -1, 1.8, 999.0, 1.0000001e12, 1e300]),
    st.floats(max_value=999.999, allow_nan=False), st.floats(min_value=1.000001e12),
    st.lists(st.floats(1e9, 2e9), max_size=2), st.dictionaries(st.just("hz"), st.integers(), max_size=1),
)


@settings(max_examples=150, deadline=None)
@given(NOT_CLOCKS)
def test_with_clock_refuses_what_is_not_a_clock_in_hz(hz):
    with pytest.raises(ValueError) as info:
        V100.with_clock(hz)
    assert str(info.value).startswith("hz="), str(info.value)


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.floats(1e3, 1e12), st.integers(1000, 10**12), st.floats(1e8, 5e9).map(np.float64)))
def test_with_clock_takes_any_real_clock(hz):
    assert V100.with_clock(hz).clock.value == float(hz)


NOT_NAMES = st.one_of(st.just(""), st.integers(), st.booleans(), st.lists(st.just("tensor"), max_size=2),
                      st.dictionaries(st.just("tensor"), st.integers(), max_size=1), st.binary(max_size=3),
                      st.floats(allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["unit", "level", "op_kind", "id", "with_clock unit", "text"]), NOT_NAMES)
def test_methods_refuse_bad_names_naming_the_argument(argument, value):
    calls = {
        "unit": [lambda: V100.peak(value, "fp16"), lambda: V100.supports(value, "fp16"),
                 lambda: V100.ridge_point(value, "fp16")],
        "level": [lambda: V100.bandwidth(value), lambda: V100.capacity(value)],
        "op_kind": [lambda: V100.unit_order(value), lambda: V100.choose_unit(value, "fp16")],
        "id": [lambda: Device.from_toml("never-read.toml", id=value)],
        "with_clock unit": [lambda: V100.with_clock(1e9, unit=value)],
        "text": [lambda: loads(value)],
    }
    name = argument.split()[-1]
    if name == "text" and isinstance(value, str):
        return  # loads("") reads an empty text: tested with the files
    for call in calls[argument]:
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value).startswith(f"{name}="), str(info.value)
        assert not isinstance(info.value, (TypeError, KeyError))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["compute", "memory", "overhead", "layers", "median_error", "overlap"]), st.data())
def test_with_efficiency_refuses_bad_values_naming_the_field(field, data):
    kind = {"layers": "integer", "overlap": "flag"}.get(field, "number")
    value = data.draw(st.one_of(BAD[kind], st.none()) if field in ("compute", "memory", "overhead", "overlap")
                      else BAD[kind])
    if _accepted(kind, field, value):
        return
    with pytest.raises(DeviceFileError) as info:
        V100.with_efficiency({"conv": dict(EFFICIENCY, **{field: value})})
    assert str(info.value).startswith(f"v100-sxm2.with_efficiency: efficiency.conv.{field}: "), str(info.value)


@pytest.mark.parametrize("efficiency, needle", [
    (3, "efficiency=3 must be a dict"),
    ([("conv", EFFICIENCY)], "efficiency=[('conv'"),
    ({"conv": 0.5}, "efficiency['conv']=0.5 must be an Efficiency or a dict of its fields"),
    ({"dense": EFFICIENCY}, "efficiency.dense: bad key: must be 'conv', 'pointwise' or 'depthwise' (got 'dense')"),
])
def test_with_efficiency_refuses_what_is_not_a_table_of_ceilings(efficiency, needle):
    with pytest.raises(ValueError) as info:
        V100.with_efficiency(efficiency)
    assert needle in str(info.value)


def test_load_file_refuses_what_is_not_a_path():
    with pytest.raises(DeviceFileError, match=r"a file path must be a string or a path"):
        load_file(3)
