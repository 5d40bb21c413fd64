"""Counting requests per person in the cache, and the refusal a page or the API shows above a limit."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache


class Throttled(Exception):
    """A limit was reached; ``message`` is for the person (translated), ``details`` for the API's error."""

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


def hit(key: str, *, window_s: int) -> int:
    """Count one more event under ``key``; the count starts again ``window_s`` seconds after the first one.

    The window opens at the first event (not at a clock minute), so a burst is
    never split in two halves that each stay under the limit.
    """
    if cache.add(key, 1, timeout=window_s):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=window_s)
        return 1
