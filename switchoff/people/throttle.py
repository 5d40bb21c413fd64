"""Throttling failed logins, per account and per client address.

Counters live in the cache (a file cache by default, Redis in production), so
the web processes share them. After the limit, logins wait until the window
passes; a success clears the account's counter.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from switchoff.lib.text import fold


def _account_key(identifier: str) -> str:
    return "login-fail:acct:" + fold(identifier)[:100].replace(" ", "_")


def _ip_key(ip: str) -> str:
    return "login-fail:ip:" + ip


def is_blocked(identifier: str, ip: str) -> bool:
    return (cache.get(_account_key(identifier), 0) >= settings.LOGIN_FAILURE_LIMIT_ACCOUNT) or (
        cache.get(_ip_key(ip), 0) >= settings.LOGIN_FAILURE_LIMIT_IP
    )


def record_failure(identifier: str, ip: str) -> None:
    for key in (_account_key(identifier), _ip_key(ip)):
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_S):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_S)


def record_success(identifier: str) -> None:
    cache.delete(_account_key(identifier))
