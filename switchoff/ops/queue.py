"""The queue as the operations see it: which workers are alive, how many tasks wait, and since when.

Each worker process (``manage.py run_huey``) writes a heartbeat (host, pid, time) to the shared cache every
``HEARTBEAT_EVERY_S`` from a thread started by Huey's startup hook, and takes it back when it stops; the health
check (``ops.health``) and the metrics read "workers alive" from there. The time each task was queued is kept in
the cache under its id until a worker takes it, so that the age of the oldest waiting task can be told (Huey's
messages carry no time of their own).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from contextvars import Token
from typing import Any

from django.core.cache import cache

from switchoff.ops import context

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 15
ALIVE_WITHIN_S = 60  # a worker not heard of for this long is taken for dead
FORGET_AFTER_S = 3600  # and its entry dropped after this
WORKERS_KEY = "switchoff:ops:workers"
QUEUED_KEY = "switchoff:ops:queued:"
QUEUED_KEEP_S = 7 * 24 * 3600

_started_in: int | None = None  # the process whose heartbeat thread runs (a fork starts its own)
_stop = threading.Event()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _update_workers(change: Any) -> None:
    """Change the shared table of workers under a short lock (cache.add is atomic on Redis, memory and files),
    so that two workers beating at once do not drop each other's entry."""
    lock, token = WORKERS_KEY + ":lock", uuid.uuid4().hex
    for _ in range(40):
        if cache.add(lock, token, timeout=5):
            break
        time.sleep(0.05)
    else:
        logger.warning("The workers' table stayed locked; this heartbeat is skipped.")
        return
    try:
        workers = cache.get(WORKERS_KEY) or {}
        change(workers)
        cache.set(WORKERS_KEY, workers, timeout=FORGET_AFTER_S)
    finally:
        if cache.get(lock) == token:
            cache.delete(lock)


def beat(now: float | None = None) -> None:
    """This worker process is alive (and forget those silent for over an hour)."""
    moment = time.time() if now is None else now

    def change(workers: dict[str, dict[str, Any]]) -> None:
        for key in [k for k, v in workers.items() if moment - float(v["time"]) > FORGET_AFTER_S]:
            del workers[key]
        workers[worker_id()] = {"host": socket.gethostname(), "pid": os.getpid(), "time": moment}

    _update_workers(change)


def forget() -> None:
    """This worker process stops: it is no longer counted as alive."""
    _update_workers(lambda workers: workers.pop(worker_id(), None))


def workers_alive(now: float | None = None) -> list[dict[str, Any]]:
    """The workers heard from within ``ALIVE_WITHIN_S``: host, pid and the time of their last heartbeat."""
    moment = time.time() if now is None else now
    workers = cache.get(WORKERS_KEY) or {}
    return sorted(
        (w for w in workers.values() if moment - float(w["time"]) <= ALIVE_WITHIN_S), key=lambda w: -float(w["time"])
    )


def _beat_forever() -> None:
    while not _stop.is_set():
        try:
            beat()
        except Exception:
            logger.warning("The worker's heartbeat could not be written.", exc_info=True)
        _stop.wait(HEARTBEAT_EVERY_S)


def start_heartbeat() -> None:
    """Huey's startup hook runs in each of a consumer's workers: one heartbeat thread per process."""
    global _started_in
    if _started_in == os.getpid():
        return
    _started_in = os.getpid()
    _stop.clear()
    threading.Thread(target=_beat_forever, name="switchoff-heartbeat", daemon=True).start()


def stop_heartbeat() -> None:
    global _started_in
    if _started_in != os.getpid():
        return
    _stop.set()
    _started_in = None
    try:
        forget()
    except Exception:
        logger.warning("The worker could not take back its heartbeat.", exc_info=True)


def queue_depth() -> int:
    """How many tasks wait in the queue for a worker."""
    from huey.contrib.djhuey import HUEY

    return int(HUEY.pending_count())


def oldest_queued_age(now: float | None = None) -> float:
    """How long the oldest task still waiting has waited, in seconds (0 with none)."""
    from huey.contrib.djhuey import HUEY

    ids = [QUEUED_KEY + str(task.id) for task in HUEY.pending()]
    if not ids:
        return 0.0
    times = [float(t) for t in cache.get_many(ids).values()]
    moment = time.time() if now is None else now
    return max(0.0, moment - min(times)) if times else 0.0


def _queued(signal: str, task: Any) -> None:
    cache.set(QUEUED_KEY + str(task.id), time.time(), timeout=QUEUED_KEEP_S)


# The request id each running task replaced, given back when it ends: a task run at once (HUEY_IMMEDIATE, the
# tests) runs inside the request that queued it, whose later lines keep the request's id.
_replaced: dict[str, Token[str | None]] = {}


def _executing(signal: str, task: Any) -> None:
    cache.delete(QUEUED_KEY + str(task.id))
    # The task's log lines carry its id where a request's carry the request's.
    _replaced[str(task.id)] = context.request_id.set(f"task-{task.id}")


def _executed(task: Any, value: Any, exc: BaseException | None) -> None:
    token = _replaced.pop(str(task.id), None)
    if token is not None:
        context.request_id.reset(token)


def connect() -> None:
    """Hook the above into Huey: every process queues tasks (the time they were queued), workers beat."""
    from huey.contrib.djhuey import HUEY
    from huey.signals import SIGNAL_ENQUEUED, SIGNAL_EXECUTING

    HUEY.signal(SIGNAL_ENQUEUED)(_queued)
    HUEY.signal(SIGNAL_EXECUTING)(_executing)
    HUEY.post_execute("switchoff_context")(_executed)
    HUEY.on_startup("switchoff_heartbeat")(start_heartbeat)
    HUEY.on_shutdown("switchoff_heartbeat")(stop_heartbeat)
    # The scheduler's queue (periodic tasks): their lines carry the task's id too.
    from switchoff.jobs.periodic import PERIODIC

    PERIODIC.signal(SIGNAL_EXECUTING)(_executing)
    PERIODIC.post_execute("switchoff_context")(_executed)
