"""Leases on long jobs: a job survives the worker that ran it.

Huey takes a task off the queue when a worker starts it and never hears of it again if that worker dies, so
the job's own row carries the truth (``models.LeasedJob``):

- a task claims its job's row before any work (``hold``: one conditional UPDATE; a row another live worker
  holds is left alone, so a task queued twice runs once);
- while it works, a thread of the worker extends the lease every third of ``JOB_LEASE_S`` on the row (its own
  database connection, outside the job's transaction) and in the shared cache (which also covers SQLite,
  where a second connection cannot write while the import's transaction does);
- every worker runs the reaper every ``JOB_REAP_EVERY_S``: a row whose lease lapsed and whose cache beat is as
  old is queued again (the UPDATE that frees the row is conditional, so two reapers queue it once), or failed
  with ``worker_lost`` after ``JOB_MAX_ATTEMPTS`` runs;
- a worker stopped with SIGTERM (systemd's and Docker's stop) hands its jobs back at once: the lease freed and
  the task queued again, its transaction rolled back as the process exits.

A job's work must be idempotent for this: the import writes in one transaction and finds a list it already
wrote (``importer.same_list_imported``), the check writes its files again.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone

from switchoff.jobs.models import LeasedJob

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker took the job over (this one was taken for dead): stop, rolling back."""


class HandedBack(Exception):
    """The worker is stopping and handed the job back: stop, rolling back; another worker runs it."""


@dataclass(frozen=True)
class Kind:
    """A kind of long job: its model, how to queue its task again, and how to fail it for good."""

    name: str
    model: type[LeasedJob]
    enqueue: Callable[[int], Any]
    give_up: Callable[[int], Any]  # the job failed with the message "worker_lost"


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.name] = kind


def enqueue(kind: str, pk: int) -> None:
    """Queue the task of a job (services call this, never a task module: the calls run task → job → service)."""
    KINDS[kind].enqueue(pk)


def lease_s() -> float:
    return float(settings.JOB_LEASE_S)


def _beat_key(kind: str, pk: int) -> str:
    return f"switchoff:jobs:beat:{kind}:{pk}"


@dataclass
class Lease:
    kind: str
    pk: int
    holder: str
    lost: threading.Event
    done: threading.Event

    def check(self) -> None:
        """Called at each progress report: stop when the job is no longer this worker's."""
        if _stopping.is_set():
            raise HandedBack
        if self.lost.is_set():
            raise LeaseLost


_held: dict[str, Lease] = {}  # holder -> lease, in this process
_held_lock = threading.Lock()
_stopping = threading.Event()


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _extend(kind: Kind, lease: Lease) -> None:
    cache.set(_beat_key(kind.name, lease.pk), time.time(), timeout=int(lease_s() * 10) + 60)
    until = timezone.now() + datetime.timedelta(seconds=lease_s())
    if kind.model._default_manager.filter(pk=lease.pk, leased_by=lease.holder).update(lease_until=until) == 0:
        lease.lost.set()


def _beat(kind: Kind, lease: Lease) -> None:
    try:
        while not lease.done.wait(lease_s() / 3):
            try:
                _extend(kind, lease)
            except Exception:
                # SQLite while the job's transaction writes, or a database restarting: the cache beat above
                # keeps the job from being taken for dead; the next beat tries again.
                logger.warning("The lease of %s %s could not be extended.", kind.name, lease.pk, exc_info=True)
    finally:
        connection.close()


@contextmanager
def hold(kind_name: str, pk: int) -> Iterator[Lease | None]:
    """Claim the job's row for this worker while the block runs; ``None`` when another live worker holds it."""
    kind = KINDS[kind_name]
    holder = _holder()
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    claimed = kind.model._default_manager.filter(free, pk=pk).update(
        leased_by=holder, lease_until=now + datetime.timedelta(seconds=lease_s())
    )
    if not claimed:
        logger.info("%s %s is held by another worker; this task does nothing.", kind.name, pk)
        yield None
        return
    kind.model._default_manager.filter(pk=pk).update(attempts=F("attempts") + 1)
    lease = Lease(kind.name, pk, holder, threading.Event(), threading.Event())
    cache.set(_beat_key(kind.name, pk), time.time(), timeout=int(lease_s() * 10) + 60)
    with _held_lock:
        _held[holder] = lease
    beater = threading.Thread(target=_beat, args=(kind, lease), name=f"lease-{kind.name}-{pk}", daemon=True)
    beater.start()
    try:
        yield lease
    finally:
        lease.done.set()
        with _held_lock:
            _held.pop(holder, None)
        beater.join(timeout=5)
        kind.model._default_manager.filter(pk=pk, leased_by=holder).update(leased_by="", lease_until=None)
        cache.delete(_beat_key(kind.name, pk))


def reap(now: datetime.datetime | None = None) -> list[tuple[str, int, str]]:
    """Queue again every job whose worker died (its lease and its cache beat both older than the lease), or fail
    it after ``JOB_MAX_ATTEMPTS`` runs. Answers what it did: (kind, id, "requeued" or "failed")."""
    now = now or timezone.now()
    done: list[tuple[str, int, str]] = []
    for kind in KINDS.values():
        lapsed = kind.model._default_manager.filter(lease_until__lt=now).values_list("pk", "leased_by", "attempts")
        for pk, holder, attempts in lapsed:
            beat = cache.get(_beat_key(kind.name, pk))
            if beat is not None and now.timestamp() - float(beat) < lease_s():
                continue  # alive, its row could not be written (SQLite during the import)
            freed = kind.model._default_manager.filter(pk=pk, leased_by=holder, lease_until__lt=now).update(
                leased_by="", lease_until=None
            )
            if not freed:
                continue  # another reaper, or the worker itself, was first
            if attempts >= settings.JOB_MAX_ATTEMPTS:
                logger.warning("%s %s lost its worker %s times; it is failed.", kind.name, pk, attempts)
                kind.give_up(pk)
                done.append((kind.name, pk, "failed"))
            else:
                logger.warning("%s %s lost its worker (%s); it is queued again.", kind.name, pk, holder)
                kind.enqueue(pk)
                done.append((kind.name, pk, "requeued"))
    return done


def hand_back() -> list[tuple[str, int]]:
    """The worker stops: free the leases it holds and queue their jobs again at once (their transactions roll
    back as the process exits; the work is idempotent)."""
    _stopping.set()
    with _held_lock:
        leases = list(_held.values())
    handed: list[tuple[str, int]] = []
    for lease in leases:
        kind = KINDS[lease.kind]
        lease.done.set()
        try:
            freed = kind.model._default_manager.filter(pk=lease.pk, leased_by=lease.holder).update(
                leased_by="", lease_until=None, attempts=0
            )
            if freed:
                kind.enqueue(lease.pk)
                handed.append((lease.kind, lease.pk))
                logger.info("%s %s handed back: the worker is stopping.", lease.kind, lease.pk)
        except Exception:
            logger.warning("%s %s could not be handed back; the reaper will.", lease.kind, lease.pk, exc_info=True)
    return handed


# The reaper runs in every worker process: no single one is needed for a dead worker's job to go on.
_reaper_in: int | None = None
_reaper_stop = threading.Event()


def _reap_forever() -> None:
    while not _reaper_stop.wait(settings.JOB_REAP_EVERY_S):
        try:
            close_old_connections()
            reap()
        except Exception:
            logger.warning("The jobs' reaper failed this round.", exc_info=True)


def start_reaper() -> None:
    global _reaper_in
    if _reaper_in == os.getpid():
        return
    _reaper_in = os.getpid()
    _reaper_stop.clear()
    _stopping.clear()
    threading.Thread(target=_reap_forever, name="switchoff-jobs-reaper", daemon=True).start()


def stop_reaper() -> None:
    global _reaper_in
    _reaper_stop.set()
    _reaper_in = None


def _interrupted(signal: str, task: Any, *args: Any) -> None:
    # Huey's consumer, stopped by SIGTERM, signals each task it leaves running before the process exits.
    hand_back()


def connect() -> None:
    from huey.contrib.djhuey import HUEY
    from huey.signals import SIGNAL_INTERRUPTED

    HUEY.on_startup("switchoff_jobs_reaper")(start_reaper)
    HUEY.on_shutdown("switchoff_jobs_reaper")(stop_reaper)
    HUEY.signal(SIGNAL_INTERRUPTED)(_interrupted)
