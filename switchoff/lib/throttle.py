"""Counting events per person or address in the cache, and the refusal a page or the API shows above a limit.

One mechanism for every limit (the login throttle, the number search, the public device check): a
sliding window counted in ``SLICES`` slices of the clock, one small counter per slice whose key names
the slice. What counts is decided by the keys' names, never by when the cache expires them: a backend
that gives an incremented key its default timeout (Django's file cache re-saves it for 300 s) keeps a
stale counter longer, but no one reads it. So a limit forgives an event ``window_s`` seconds after it
(a slice more at most), the same on the file cache and on Redis, however many tries came since.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

# The window is counted in this many slices: an event counts for one slice longer than the window at most,
# never shorter.
SLICES = 15


class Throttled(Exception):
    """A limit was reached; ``message`` is for the person (translated), ``details`` for the API's error."""

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


def now() -> float:
    """The clock the throttles read (tests and the login bench move it instead of sleeping)."""
    return time.time()


def slice_s(window_s: int) -> int:
    return max(1, window_s // SLICES)


def keys(key: str, *, window_s: int, clock: Callable[[], float] | None = None) -> list[str]:
    """The slices' keys that count now, oldest first (the last is the current slice)."""
    size = slice_s(window_s)
    current = int((clock or now)() // size)
    return [f"{key}:{size}:{n}" for n in range(current - window_s // size, current + 1)]


def count(key: str, *, window_s: int, clock: Callable[[], float] | None = None) -> int:
    """The events under ``key`` in the last ``window_s`` seconds (a slice more at most)."""
    return sum(int(v) for v in cache.get_many(keys(key, window_s=window_s, clock=clock)).values())


def add(key: str, *, window_s: int, clock: Callable[[], float] | None = None) -> None:
    """Count one event under ``key`` now."""
    current = keys(key, window_s=window_s, clock=clock)[-1]
    # Kept a little longer than it counts; were the timeout lost (the file cache's incr), it only lingers.
    timeout = window_s + 2 * slice_s(window_s)
    if not cache.add(current, 1, timeout=timeout):
        try:
            cache.incr(current)
        except ValueError:  # expired between the two calls
            cache.set(current, 1, timeout=timeout)


def forget(key: str, *, window_s: int, clock: Callable[[], float] | None = None) -> None:
    """Start ``key`` afresh (a successful login forgets the failures before it)."""
    cache.delete_many(keys(key, window_s=window_s, clock=clock))


def hit(key: str, *, window_s: int, limit: int) -> int:
    """One more try under ``key``: answers how many tries the last ``window_s`` seconds hold with this one; above
    ``limit`` it is refused.

    The window slides, so a burst is never split in two halves that each stay under the limit. A try
    refused (beyond ``limit + 1``) is not counted: the limit forgives ``window_s`` seconds after the tries it
    let through, however long the refused ones go on. The first refusal answers exactly ``limit + 1``.
    """
    counted = count(key, window_s=window_s)
    if counted <= limit:
        add(key, window_s=window_s)
    return counted + 1
