"""bench/login: an attacker guessing one account's password through the reverse proxy, and the owner.

Runs in-process with Django's test Client against a throw-away SQLite
database (or the one DATABASE_URL names) and the configured cache (a file
cache in the bench's temporary directory, or Redis if REDIS_URL is set),
with the production password hasher (Argon2). ``TRUSTED_PROXIES`` is
127.0.0.1, the test Client's address, so each request's client address comes
from its X-Forwarded-For header, as behind nginx.

The owner logs in once from their own browser and address. Then 1,000 failed
logins for that account, rotating the identifier (username, 0912…, +84912…,
84912…) and the client address, are spread over a simulated 15 minutes: the
throttle's clock (``throttle.now``) is moved forward instead of sleeping.
Then the owner logs in again from their own browser and address.

The last line prints key=value pairs: ``attacker_logins_allowed`` is how many
of the attacker's attempts were checked against the password (Django's
``user_login_failed`` signal) rather than refused by the throttle, within the
15 minutes; ``owner_locked_out`` is 1 if the owner's last login failed;
``p95_login_ms`` is over every login request of the run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="switchoff-bench-login-")
os.environ.setdefault("SWITCHOFF_VAR_DIR", workdir)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
os.environ["TRUSTED_PROXIES"] = "127.0.0.1"

import django  # noqa: E402

django.setup()

from django.contrib.auth.signals import user_login_failed  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

ATTEMPTS = 1000
WINDOW_S = 15 * 60
PASSWORD = "mat-khau-cua-chu-tai-khoan-2024"  # noqa: S105 (a throw-away account)
IDENTIFIERS = ("chu.taikhoan", "0912345678", "+84912345678", "84912345678")
OWNER_ADDRESS = "203.0.113.20"


def main() -> None:
    from switchoff.people import throttle
    from switchoff.people.models import User

    call_command("migrate", verbosity=0)
    cache.clear()
    owner = User.objects.create(username="chu.taikhoan", full_name="Chủ Tài Khoản", phone="+84912345678")
    owner.set_password(PASSWORD)
    owner.save()

    clock = [time.time()]
    throttle.now = lambda: clock[0]  # type: ignore[assignment]
    checked = [0]

    def on_failed(**kwargs: Any) -> None:
        checked[0] += 1

    user_login_failed.connect(on_failed)
    timings: list[float] = []

    def login(client: Client, address: str, identifier: str, password: str) -> bool:
        start = time.perf_counter()
        response = client.post(
            reverse("people:login"),
            {"username": identifier, "password": password},
            HTTP_X_FORWARDED_FOR=address,
        )
        timings.append((time.perf_counter() - start) * 1000)
        return response.status_code == 302 and response["Location"] == reverse("web:home")

    browser = Client()
    assert login(browser, OWNER_ADDRESS, "chu.taikhoan", PASSWORD), "the owner's first login failed"
    browser.post(reverse("people:logout"))

    started = time.perf_counter()
    attacker = Client()
    for n in range(ATTEMPTS):
        address = f"198.18.{n // 250}.{n % 250 + 1}"
        login(attacker, address, IDENTIFIERS[n % len(IDENTIFIERS)], f"doan-sai-{n}")
        clock[0] += WINDOW_S / ATTEMPTS
    attack_s = time.perf_counter() - started
    allowed = checked[0]
    owner_in = login(browser, OWNER_ADDRESS, "0912 345 678", PASSWORD)

    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"{ATTEMPTS} attempts over a simulated {WINDOW_S // 60} minutes in {attack_s:.1f}s real")
    print(f"attacker_logins_allowed={allowed} owner_locked_out={0 if owner_in else 1} p95_login_ms={p95:.1f}")


if __name__ == "__main__":
    main()
