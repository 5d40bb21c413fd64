"""Typed helpers that read settings from the environment.

They fail loudly at start-up: a malformed value stops the process with a
message that names the variable, instead of surfacing later as a strange bug.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(
                f"The environment variable {name} is required in production mode "
                f"(SWITCHOFF_ENV=production). Set it and start again."
            )
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number (use a dot: 0.3).") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name}={value!r} must be between {minimum} and {maximum}.")
    return number


def env_list(name: str, default: list[str], *, required: bool = False) -> list[str]:
    value = env_str(name, "", required=required)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
