"""Throttling failed logins: per account and client address, per address, and per account from new browsers.

Behind the reverse proxy every user shares the proxy's address, and an account
can be guessed at from many addresses, so no single counter both stops an
attacker and lets the real owner in. Three counters over a sliding window
(``LOGIN_FAILURE_WINDOW_S``) do:

* **account × address**: an address that failed ``LOGIN_FAILURE_LIMIT_ACCOUNT``
  times on an account is refused for that account; the owner elsewhere is not.
* **address**: an address that failed ``LOGIN_FAILURE_LIMIT_IP`` times on any
  accounts is refused, so one address spraying many accounts slows down.
* **account, from new browsers**: an account takes
  ``LOGIN_FAILURE_LIMIT_NEW_DEVICES`` failures from browsers that never logged
  into it; after that only the browsers that did are checked. An attacker who
  rotates addresses gets that many guesses per window and no more.

A browser that logged into an account carries a signed cookie naming it (the
"device" marker, set after the last step of a successful login). Its attempts
on that account are counted apart, by account and address only: nobody
else's failures can lock the owner out of their own browser.

The account is the resolved user (whatever form of the name or number was
typed), or the typed identifier folded when no account has it, so that a
missing account is throttled exactly like an existing one. Counters live in
the cache (a file cache by default, Redis in production) as one small
counter per slice of the window, so the web processes share them
(``lib/throttle``: the one mechanism of every limit).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from switchoff.lib import throttle
from switchoff.lib.phones import normalize_phone
from switchoff.lib.text import fold, is_id
from switchoff.people.models import User

DEVICE_COOKIE = "switchoff_device"
_DEVICE_SALT = "switchoff.people.throttle.device"
# A browser remembers this many accounts at most (a shared office PC).
_DEVICE_ACCOUNTS = 10


def now() -> float:
    """The clock the throttle reads (the login bench moves it instead of sleeping)."""
    return time.time()


@dataclass(frozen=True)
class Attempt:
    """Who is trying to log in to what, as the throttle counts it."""

    account: str
    ip: str
    known_device: bool


def account_key(user: User | None, identifier: str) -> str:
    if user is not None:
        return f"u{user.pk}"
    typed = normalize_phone(identifier) or fold(identifier.strip())
    return "n" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def known_accounts(request: HttpRequest) -> list[int]:
    """The accounts this browser has logged into, oldest first (from its signed device cookie)."""
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default="", salt=_DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 86400
    )
    return [int(part) for part in str(value).split(".") if is_id(part)]


def remember_device(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """Mark the browser as one ``user`` logged in from, for the new-browser limit."""
    others = [pk for pk in known_accounts(request) if pk != user.pk]
    accounts = [*others[-(_DEVICE_ACCOUNTS - 1) :], user.pk]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        ".".join(str(pk) for pk in accounts),
        salt=_DEVICE_SALT,
        max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def attempt_for(request: HttpRequest, *, user: User | None, identifier: str, ip: str) -> Attempt:
    known = user is not None and user.pk in known_accounts(request)
    return Attempt(account=account_key(user, identifier), ip=ip, known_device=known)


def _clock() -> float:
    return now()  # read through this module, so that moving ``throttle.now`` moves the login throttle


def _count(name: str) -> int:
    return throttle.count(f"login-fail:{name}", window_s=settings.LOGIN_FAILURE_WINDOW_S, clock=_clock)


def _add(name: str) -> None:
    throttle.add(f"login-fail:{name}", window_s=settings.LOGIN_FAILURE_WINDOW_S, clock=_clock)


def _names(attempt: Attempt) -> tuple[str, str, str]:
    pair = f"pair:{attempt.account}:{attempt.ip}:{'known' if attempt.known_device else 'new'}"
    return pair, f"ip:{attempt.ip}", f"new:{attempt.account}"


def refusal(attempt: Attempt) -> str | None:
    """Why this attempt is refused without checking the password, or None to check it."""
    pair, ip, new = _names(attempt)
    minutes = settings.LOGIN_FAILURE_WINDOW_S // 60
    if _count(pair) >= settings.LOGIN_FAILURE_LIMIT_ACCOUNT:
        return _("Too many failed logins. Wait %(minutes)d minutes and try again.") % {"minutes": minutes}
    if attempt.known_device:
        return None
    if _count(ip) >= settings.LOGIN_FAILURE_LIMIT_IP:
        return _("Too many failed logins from your network address. Wait %(minutes)d minutes and try again.") % {
            "minutes": minutes
        }
    if _count(new) >= settings.LOGIN_FAILURE_LIMIT_NEW_DEVICES:
        return _(
            "Too many failed logins to this account from devices it was never used on. Log in from a device "
            "you used before, or wait %(minutes)d minutes and try again."
        ) % {"minutes": minutes}
    return None


def record_failure(attempt: Attempt) -> None:
    pair, ip, new = _names(attempt)
    _add(pair)
    _add(ip)
    if not attempt.known_device:
        _add(new)


def record_success(attempt: Attempt) -> None:
    """The account and address start afresh; the address's and new browsers' failures still count."""
    pair, _ip, _new = _names(attempt)
    throttle.forget(f"login-fail:{pair}", window_s=settings.LOGIN_FAILURE_WINDOW_S, clock=_clock)
