"""Typed reads of the process environment for settings.py.

Kept separate from settings so the parsing rules are unit-tested on their own
and a typo in a boolean ("ture") fails at start-up instead of silently
turning a security setting off.
"""

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    """An environment variable is present but cannot be parsed."""


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name} must be true or false (got {raw!r})")


def env_int(name, default=0):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise EnvError(f"{name} must be an integer (got {raw!r})") from None


def env_list(name, default=()):
    """Comma-separated list; blanks dropped so a trailing comma is harmless."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]
