"""What /health/ checks, one part at a time, each failing on its own.

- database: a query on the default connection;
- cache: a value written, read back and removed (Redis in production: the login throttle, job progress);
- queue: a worker heard from within the last minute (``ops.queue``'s heartbeat), unless tasks run at once;
- storage: a small file written, read back and removed through Django's storage API on every storage named in
  ``settings.STORAGES`` except the static files (the file system, or an S3 bucket, alike).

A part answers "ok" or why it failed, in a few words for whoever watches (English, not shown to users). The
exception's details go to the log, not to the public answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection

from switchoff.ops.queue import ALIVE_WITHIN_S, workers_alive

logger = logging.getLogger(__name__)

OK = "ok"


class Failed(Exception):
    """A part of the site that does not work, with a short reason."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise Failed("SELECT 1 did not answer 1")


def check_cache() -> None:
    key, value = f"switchoff:health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            raise Failed("a value written was not read back")
    finally:
        cache.delete(key)


def check_queue() -> None:
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return  # tasks run within the request that queues them: no worker is needed
    if not workers_alive():
        raise Failed(f"no worker heard from in the last {ALIVE_WITHIN_S} s")


def check_storage() -> None:
    content = uuid.uuid4().bytes
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        name = storage.save(f"health-check/{uuid.uuid4().hex}.bin", ContentFile(content))
        try:
            with storage.open(name, "rb") as stored:
                if stored.read() != content:
                    raise Failed(f"{alias}: a file written was not read back")
        finally:
            storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
    "storage": check_storage,
}


def run_checks() -> dict[str, str]:
    """Each part's answer: "ok", or "failed: <reason>"."""
    answers = {}
    for part, check in CHECKS.items():
        try:
            check()
        except Failed as exc:
            answers[part] = f"failed: {exc}"
        except Exception as exc:
            logger.warning("Health check of the %s failed.", part, exc_info=True)
            answers[part] = f"failed: {exc.__class__.__name__}"
        else:
            answers[part] = OK
    return answers
