"""/health/ checks the database, the cache, the queue (a worker's heartbeat) and the storage, each on its own;
/health/live only says that the app server answers.

Each failure is real: a database on a port where nothing listens, Redis on such a port, a storage whose folder
is a file, a worker that stopped beating or never started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from huey.contrib.djhuey import HUEY

from switchoff.ops import queue

ROOT = Path(__file__).resolve().parent.parent
NOWHERE = "127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture
def with_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue as in production: tasks go to workers (the tests otherwise run them at once)."""
    monkeypatch.setattr(HUEY, "immediate", False)


def health() -> tuple[int, dict[str, Any]]:
    response = Client().get("/health/")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_health_is_ok_when_every_part_works(with_workers: None) -> None:
    queue.beat()
    status, body = health()
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "queue": "ok", "storage": "ok"}}


def test_liveness_asks_nothing_of_the_shared_services() -> None:
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                               "LOCATION": f"redis://{NOWHERE}/8"}}):  # fmt: skip
        response = Client().get("/health/live")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_database_down_is_named() -> None:
    """Another process whose database is on a port where nothing listens."""
    script = (
        "import json, django; django.setup(); from django.test import Client; "
        "r = Client().get('/health/'); print(json.dumps([r.status_code, r.json()]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "switchoff.test_settings",
        "DATABASE_URL": f"postgres://postgres@{NOWHERE}/nowhere",
    }
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    status, body = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["status"] == "failed"
    assert body["checks"]["database"] == "failed: OperationalError"
    assert body["checks"]["cache"] == body["checks"]["storage"] == "ok"


@pytest.mark.django_db
def test_redis_down_is_named(with_workers: None) -> None:
    queue.beat()
    redis_nowhere = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{NOWHERE}/8",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    with override_settings(CACHES=redis_nowhere):
        status, body = health()
    assert status == 503
    assert body["checks"]["cache"] == "failed: ConnectionError"
    # The heartbeats live in the same Redis: no worker can be heard of either.
    assert body["checks"]["queue"].startswith("failed")
    assert body["checks"]["database"] == body["checks"]["storage"] == "ok"


@pytest.mark.django_db
def test_storage_failing_is_named(tmp_path: Path, with_workers: None) -> None:
    queue.beat()
    not_a_folder = tmp_path / "uploads"
    not_a_folder.write_text("a file where the storage's folder should be")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": not_a_folder}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        status, body = health()
    assert status == 503
    assert body["checks"]["storage"].startswith("failed")
    assert body["checks"]["database"] == body["checks"]["cache"] == body["checks"]["queue"] == "ok"


@pytest.mark.django_db
def test_every_worker_silent_is_named(with_workers: None) -> None:
    status, body = health()
    assert status == 503
    assert body["checks"]["queue"] == "failed: no worker heard from in the last 60 s"
    assert {k: v for k, v in body["checks"].items() if k != "queue"} == dict.fromkeys(
        ["database", "cache", "storage"], "ok"
    )
    # A worker heard from 61 seconds ago is silent too; one heard from now is alive.
    queue.beat(now=time.time() - 61)
    assert health()[0] == 503
    queue.beat()
    assert health()[0] == 200


@pytest.mark.django_db
def test_a_stopped_worker_takes_its_heartbeat_back(with_workers: None) -> None:
    queue.beat()
    assert health()[0] == 200
    queue.forget()
    assert health()[1]["checks"]["queue"].startswith("failed")


@pytest.fixture
def consumer(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A real worker (``manage.py run_huey``) whose cache is a folder this test reads too."""
    env = {**os.environ, "SWITCHOFF_VAR_DIR": str(tmp_path), "LOG_FORMAT": "json", "SWITCHOFF_ENV": "development"}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "HUEY_IMMEDIATE"):
        env.pop(name, None)
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--workers", "2"], cwd=ROOT, env=env, stdout=out, stderr=out,
            text=True,
        )  # fmt: skip
    try:
        yield process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.django_db
def test_a_running_worker_beats_from_its_startup_hook(
    consumer: tuple[subprocess.Popen[str], Path], tmp_path: Path, with_workers: None
) -> None:
    process, log = consumer
    files = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                         "LOCATION": str(tmp_path / "cache")}}  # fmt: skip
    with override_settings(CACHES=files):
        assert health()[1]["checks"]["queue"].startswith("failed")  # not started yet
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not queue.workers_alive():
            time.sleep(0.2)
        alive = queue.workers_alive()
        # One heartbeat per process, though the consumer runs two worker threads.
        assert [(w["pid"]) for w in alive] == [process.pid]
        assert health() == (
            200,
            {"status": "ok", "checks": dict.fromkeys(["database", "cache", "queue", "storage"], "ok")},
        )
        process.send_signal(signal.SIGINT)  # Huey's graceful stop: the shutdown hook takes the heartbeat back
        process.wait(timeout=60)
        assert queue.workers_alive() == []
        assert health()[0] == 503
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    started = [line for line in lines if "consumer started" in line["message"].lower()]
    assert len(started) == 1, log.read_text()  # Huey's lines are printed once, not twice
    assert all(line["time"].endswith("+00:00") for line in lines)
