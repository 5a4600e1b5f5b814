"""Read settings from the environment, failing loudly on a value we cannot parse.

A typo in a boolean must not silently become False, and a bad number must stop
the process at start-up rather than at 09:00 when the batch needs it.
"""

import os
from datetime import time

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off.")


def _env_number(name, default, minimum, parse, kind):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {kind}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    return _env_number(name, default, minimum, int, "a whole number")


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    return _env_number(name, default, minimum, float, "a number")


def env_time(name: str, default: str) -> time:
    raw = os.environ.get(name) or default
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a time of day; use HH:MM, e.g. 09:00.") from None


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]
