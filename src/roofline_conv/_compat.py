"""Standard-library backports, in one place: ``tomllib`` (Python 3.11+) or ``tomli`` on 3.10."""

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["tomllib"]
