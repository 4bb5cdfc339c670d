"""One rule per kind of value a user hands in, shared by every public edge.

Each function takes the value, the name of the argument the user wrote (``"batch"``,
``"--in"``, ``"se(ratio=)"``, ``"net.toml: network.batch"``) and the error class of the room
that calls it (a ``ValueError`` subclass: ``LayerError``, ``NetworkError``, ``DeviceFileError``
...), and either returns the value in its canonical Python type or raises that error with a
message naming the argument, the value and the rule::

    >>> integer(3, "batch", minimum=1)
    3
    >>> integer(True, "batch", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: batch=True must be an integer, not a bool

The rules:

- integers: Python or numpy integers; never a bool, a float (even ``8.0``), a string or None;
  ``minimum``/``maximum`` inclusive.
- real numbers: Python or numpy ints and floats (and Fractions), never a bool or a string;
  always finite; ``minimum``/``maximum`` inclusive, ``above`` exclusive.
- flags: ``True``/``False`` (or numpy bools) only, never ``"no"``, ``0`` or ``None``.
- choices: a string from a fixed vocabulary; a near miss is suggested.
- names: a non-empty string.

Values are shown with :func:`shown`, which shortens huge reprs, so a 3,000-digit int never
floods a terminal. This module imports nothing heavier than the standard library.
"""

from __future__ import annotations

import difflib
import math
import numbers
from typing import Any, Iterable, Sequence

MAX_SHOWN = 60
"""Characters of a value's repr an error message shows before eliding the middle."""

MAX_DIMENSION = 2**31
"""The largest value a vectorised or swept dimension may take (a sweep's batch, channels, kernel,
size, stride, padding, dilation, groups and depth multiplier; a crossover's search range), so that
the int64 arithmetic on the inputs cannot overflow. Counts that could still pass 2**62 are
computed with exact Python ints."""


def shown(value: Any) -> str:
    """``repr(value)``, shortened in the middle past :data:`MAX_SHOWN` characters (numpy
    scalars shown as plain Python values)."""
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        try:
            value = value.item()
        except Exception:  # noqa: BLE001 - a repr is all we need
            pass
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - an object whose repr fails still gets named
        text = f"<{type(value).__name__}>"
    if len(text) > MAX_SHOWN:
        keep = (MAX_SHOWN - 5) // 2
        text = f"{text[:keep]} ... {text[-keep:]} ({len(text)} characters)"
    return text


def is_bool(value: Any) -> bool:
    """True for a Python bool or a numpy bool (``np.bool_``), without importing numpy."""
    kind = type(value)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))


def _range_rule(minimum: Any, maximum: Any, above: Any = None) -> str:
    low = f"> {above}" if above is not None else (f">= {minimum}" if minimum is not None else "")
    high = f"<= {maximum:g}" if isinstance(maximum, float) else (f"<= {maximum}" if maximum is not None else "")
    return " and ".join(p for p in (low, high) if p)


def integer(value: Any, argument: str, *, minimum: int | None = None, maximum: int | None = None,
            error: type[ValueError] = ValueError) -> int:
    """``value`` as a Python int: an int or numpy integer, never a bool, float or string, within
    ``[minimum, maximum]`` when given."""
    if type(value) is int:  # the common case, without the abstract-class checks below
        _check_range(value, argument, minimum, maximum, None, error)
        return value
    if is_bool(value):
        raise error(f"{argument}={shown(value)} must be an integer, not a bool")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
            try:
                whole = float(value).is_integer()
            except (OverflowError, ValueError):
                whole = False
            hint = f" (write {int(value)})" if whole else ""
            raise error(f"{argument}={shown(value)} must be an integer, not a {type(value).__name__}{hint}")
        raise error(f"{argument}={shown(value)} must be an integer, not {_kind_of(value)}")
    result = int(value)
    _check_range(result, argument, minimum, maximum, None, error)
    return result


def number(value: Any, argument: str, *, minimum: float | None = None, maximum: float | None = None,
           above: float | None = None, error: type[ValueError] = ValueError) -> float:
    """``value`` as a finite float: an int, float, Fraction or numpy number, never a bool or a
    string; ``minimum``/``maximum`` inclusive, ``above`` exclusive."""
    if is_bool(value):
        raise error(f"{argument}={shown(value)} must be a number, not a bool")
    if not isinstance(value, numbers.Real):
        raise error(f"{argument}={shown(value)} must be a number, not {_kind_of(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise error(f"{argument}={shown(value)} must be a finite number (it overflows a float)") from None
    if not math.isfinite(result):
        raise error(f"{argument}={shown(value)} must be a finite number")
    _check_range(result, argument, minimum, maximum, above, error, value)
    return result


def _check_range(value: Any, argument: str, minimum: Any, maximum: Any, above: Any,
                 error: type[ValueError], given: Any = None) -> None:
    """Raise unless ``value`` is in range; the message shows the value as given."""
    if ((minimum is not None and value < minimum) or (maximum is not None and value > maximum)
            or (above is not None and value <= above)):
        raise error(f"{argument}={shown(value if given is None else given)} must be "
                    f"{_range_rule(minimum, maximum, above)}")


def flag(value: Any, argument: str, *, error: type[ValueError] = ValueError) -> bool:
    """``value`` as a bool: only ``True``/``False`` (or numpy bools)."""
    if is_bool(value):
        return bool(value)
    raise error(f"{argument}={shown(value)} must be True or False")


def optional_flag(value: Any, argument: str, *, error: type[ValueError] = ValueError) -> bool | None:
    """As :func:`flag`, also accepting ``None`` (meaning "the default")."""
    return None if value is None else flag(value, argument, error=error)


def choice(value: Any, argument: str, choices: Iterable[str], *, error: type[ValueError] = ValueError) -> str:
    """``value`` when it is one of ``choices`` (strings); otherwise the error lists them and
    suggests the nearest."""
    options = [str(c) for c in choices]
    if isinstance(value, str) and value in options:
        return value
    near = difflib.get_close_matches(value, options, n=1) if isinstance(value, str) else []
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise error(f"{argument}={shown(value)} is not one of {', '.join(options)}{hint}")


def name(value: Any, argument: str, *, error: type[ValueError] = ValueError) -> str:
    """A non-empty string."""
    if isinstance(value, str) and value:
        return value
    raise error(f"{argument}={shown(value)} must be a non-empty string")


def sequence(value: Any, argument: str, *, length: int | Sequence[int] | None = None,
             error: type[ValueError] = ValueError) -> tuple[Any, ...]:
    """A list, tuple or 1-d numpy array as a tuple (of ``length`` items, or one of the lengths
    given). Strings, sets, dicts and scalars are refused."""
    if isinstance(value, (str, bytes, dict, set, frozenset)) or not hasattr(value, "__len__") \
            or not hasattr(value, "__getitem__") or getattr(value, "ndim", 1) != 1:
        raise error(f"{argument}={shown(value)} must be a list or tuple, not {_kind_of(value)}")
    items = tuple(value)
    lengths = (length,) if isinstance(length, int) else length
    if lengths is not None and len(items) not in lengths:
        want = " or ".join(str(n) for n in lengths)
        raise error(f"{argument}={shown(value)} must have {want} items, not {len(items)}")
    return items


def integers(value: Any, argument: str, *, length: int | Sequence[int] | None = None,
             minimum: int | None = None, error: type[ValueError] = ValueError) -> tuple[int, ...]:
    """A sequence of integers (each checked by :func:`integer`, named ``argument[i]``)."""
    items = sequence(value, argument, length=length, error=error)
    return tuple(integer(v, f"{argument}[{i}]", minimum=minimum, error=error) for i, v in enumerate(items))


def _kind_of(value: Any) -> str:
    if value is None:
        return "None"
    kind = type(value).__name__
    return f"an {kind}" if kind[:1].lower() in "aeiou" else f"a {kind}"


__all__ = ["is_bool", "integer", "number", "flag", "optional_flag", "choice", "name", "sequence", "integers", "shown",
           "MAX_SHOWN", "MAX_DIMENSION"]
