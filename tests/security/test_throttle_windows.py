"""Rate limits forgive on time, on the file cache as on Redis (issue 21, finding 5).

The number search and the public device check counted in one cache key that the file cache re-saved with
its default 300 s timeout at every try: blocked for five minutes after the last try, not a minute after
the first. Every limit now counts in slices of the clock named in their keys (``lib/throttle``), so no
backend's expiry decides; the same test runs on both backends, with real time (a two-second window).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from switchoff.lib import throttle
from tests.conftest import World, logged_in

BACKENDS = {
    "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/14"},
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    # Redis is shared by every process on the machine (CI runs the SQLite and PostgreSQL suites side by side, each
    # with its workers): each test keeps to keys of its own prefix, and clears only those.
    config = {**BACKENDS[request.param], "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}"}
    if request.param == "file":
        config["LOCATION"] = str(tmp_path / "cache")
    with override_settings(CACHES={"default": config}):
        cache.close()
        if request.param == "redis":
            try:
                cache.get("ping")
            except Exception as exc:  # no Redis on this machine: say so, do not pass silently
                pytest.skip(f"no Redis at 127.0.0.1:6379 ({exc})")
        yield request.param
        if request.param == "redis":
            client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
            ours = list(client.scan_iter(f"{config['KEY_PREFIX']}:*"))
            if ours:
                client.delete(*ours)
        else:
            cache.clear()
        cache.close()


def test_a_limit_forgives_its_window_after_the_first_tries_however_long_the_refused_ones_go_on(backend: str) -> None:
    key = f"test:{uuid.uuid4()}"
    window, limit = 2, 3
    started = time.monotonic()
    assert [throttle.hit(key, window_s=window, limit=limit) for _ in range(limit)] == [1, 2, 3]
    assert throttle.hit(key, window_s=window, limit=limit) == limit + 1  # the first refusal
    # Refused tries go on to the window's end: they do not extend it (the old file cache re-saved the key for 300 s).
    while time.monotonic() - started < window - 0.3:
        assert throttle.hit(key, window_s=window, limit=limit) > limit
        time.sleep(0.25)
    # A try counts for the window and one slice (1 s here) at most.
    time.sleep(max(0.0, started + window + throttle.slice_s(window) + 0.2 - time.monotonic()))
    assert throttle.hit(key, window_s=window, limit=limit) == 1, f"still blocked on the {backend} cache"


def test_a_window_does_not_shrink_either(backend: str) -> None:
    key = f"test:{uuid.uuid4()}"
    for _ in range(3):
        throttle.hit(key, window_s=2, limit=3)
    time.sleep(1.5)
    assert throttle.hit(key, window_s=2, limit=3) == 4


@override_settings(DEVICE_CHECK_LIMIT_PER_MIN=2)
def test_the_device_page_forgives_a_shared_address_a_minute_after_its_first_checks(
    world: World, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    page = reverse("devices:check")
    answers = []
    for step in range(8):  # two checks, then refused ones every 10 s for over a minute
        answers.append(logged_in(world.reporter_a).post(page, {"imei": "35 209900 176148 1"}).status_code)
        clock[0] += 10 if step >= 2 else 1
    assert answers[:2] == [200, 200] and set(answers[2:]) == {429}
    # The last refused check was at 52 s; a minute (and a four-second slice) after the first, the address is free.
    clock[0] = 1_000_000 + 60 + throttle.slice_s(60)
    assert logged_in(world.reporter_a).post(page, {"imei": "35 209900 176148 1"}).status_code == 200
