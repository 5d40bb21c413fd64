"""The periodic tasks' own queue, and once per period however many schedulers run.

Periodic tasks (``switchoff/schedule.py``) go to a Huey queue of their own (``PERIODIC``, named after the main
one with ``-periodic``, on the same Redis or in its own SQLite file), consumed by ``manage.py run_scheduler``:
no import ever waits in front of the counter squash, and the workers (``run_huey``) run only long jobs.
Each run first claims its period in the database (``claim_period``: one row per task and period, under a
unique constraint), so two schedulers (two hosts by mistake, or on purpose so that one can fail) still run each
task once per period.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import socket
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from huey import Huey

from switchoff.jobs.models import PeriodicRun

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

KEEP_RUNS = datetime.timedelta(days=7)


def _periodic_huey() -> Huey:
    config: dict[str, Any] = dict(settings.HUEY)
    cls = import_string(config.pop("huey_class"))
    name = config.pop("name") + "-periodic"
    config.pop("consumer", None)
    if "filename" in config:  # SQLite: a file of its own beside the main queue's
        config["filename"] = config["filename"].replace(".sqlite3", "-periodic.sqlite3")
    huey: Huey = cls(name, **config)
    return huey


PERIODIC = _periodic_huey()


def period_start(now: datetime.datetime, minutes: int) -> datetime.datetime:
    """The start of the period of ``minutes`` (counted from midnight UTC) that holds ``now``."""
    day = now.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = int((now - day).total_seconds() // 60)
    return day + datetime.timedelta(minutes=elapsed - elapsed % minutes)


def claim_period(task: str, minutes: int, now: datetime.datetime | None = None) -> bool:
    """True for the first run of ``task`` in its period; False for any other (another scheduler's)."""
    now = now or timezone.now()
    period = period_start(now, minutes)
    who = f"{socket.gethostname()}:{os.getpid()}"
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=task, period=period, ran_by=who)
    except IntegrityError:
        logger.info("Periodic task %s already ran for the period of %s; skipped.", task, period.isoformat())
        return False
    PeriodicRun.objects.filter(period__lt=now - KEEP_RUNS).delete()
    logger.info("Periodic task %s runs for the period of %s.", task, period.isoformat())
    return True


def periodic(validate: Callable[[datetime.datetime], bool], *, every_minutes: int) -> Callable[[F], Any]:
    """A periodic task on the scheduler's queue, run once per period of ``every_minutes`` (its crontab's)."""

    def decorate(fn: F) -> Any:
        @functools.wraps(fn)
        def once(*args: Any, **kwargs: Any) -> Any:
            if not PERIODIC.immediate:
                close_old_connections()
            try:
                if claim_period(fn.__name__, every_minutes):
                    return fn(*args, **kwargs)
                return None
            finally:
                if not PERIODIC.immediate:
                    close_old_connections()

        task = PERIODIC.periodic_task(validate, name=fn.__name__)(once)
        task.call_local = fn
        return task

    return decorate
