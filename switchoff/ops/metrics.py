"""switchoff's own Prometheus metrics, beside django-prometheus's (requests, latency, database).

- ``switchoff_queue_depth``, ``switchoff_queue_oldest_age_seconds``, ``switchoff_workers_alive``: read from the
  shared queue and cache when /metrics is scraped, so every app server tells the same (take ``max`` across them).
- ``switchoff_import_rows_total`` and ``switchoff_import_rows_per_second`` (one observation per import): fed by
  the import job in the worker, which serves them on ``WORKER_METRICS_PORT``.
- ``switchoff_field_visits_received_total{result}``: visits the field API and pages received, by their answer
  (created, same, conflict, invalid), counted by the app server that received them.

Several processes (gunicorn's workers; a worker's processes) add up through prometheus_client's multiprocess
mode when ``PROMETHEUS_MULTIPROC_DIR`` names a folder, emptied before the processes start (deploy/).
"""

from __future__ import annotations

import logging
import os
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from switchoff.ops.queue import oldest_queued_age, queue_depth, workers_alive

logger = logging.getLogger(__name__)

IMPORT_ROWS = Counter("switchoff_import_rows", "Rows of operators' lists written by import jobs.")
IMPORT_ROWS_PER_SECOND = Histogram(
    "switchoff_import_rows_per_second",
    "Rows per second of each import job's write (one observation per import).",
    buckets=(100, 500, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000),
)
VISITS_RECEIVED = Counter(
    "switchoff_field_visits_received", "Visits received from the field, by their answer.", ["result"]
)


def record_import(*, rows: int, seconds: float) -> None:
    """An import job wrote ``rows`` rows in ``seconds``."""
    IMPORT_ROWS.inc(rows)
    if rows and seconds > 0:
        IMPORT_ROWS_PER_SECOND.observe(rows / seconds)


def record_visits(results: Iterable[str]) -> None:
    """The answers given to a batch of visits (``created``, ``same``, ``conflict``, ``invalid``)."""
    for result, n in Tally(results).items():
        VISITS_RECEIVED.labels(result=result).inc(n)


class QueueCollector(Collector):
    """The queue's depth, its oldest task's age and the workers alive, asked of Redis (or the files) at each
    scrape. A part that cannot be read is left out of the answer, not reported as 0."""

    def collect(self) -> Iterator[Metric]:
        readings: list[tuple[str, str, Callable[[], float]]] = [
            ("switchoff_queue_depth", "Tasks waiting in the queue for a worker.", queue_depth),
            ("switchoff_queue_oldest_age_seconds", "How long the oldest waiting task has waited.", oldest_queued_age),
            (
                "switchoff_workers_alive",
                "Worker processes heard from in the last minute.",
                lambda: len(workers_alive()),
            ),
        ]
        for name, documentation, read in readings:
            try:
                value = float(read())
            except Exception:
                logger.warning("The metric %s could not be read.", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


SHARED = CollectorRegistry(auto_describe=False)
SHARED.register(QueueCollector())


def this_process_group() -> CollectorRegistry:
    """The metrics of this process, or of every process sharing PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def exposition() -> bytes:
    """What /metrics answers: this server's processes, then the shared queue's readings."""
    return generate_latest(this_process_group()) + generate_latest(SHARED)


def start_worker_exporter() -> None:
    """Huey's startup hook: a worker serves its metrics on WORKER_METRICS_PORT (the first process of a host
    that binds it; with PROMETHEUS_MULTIPROC_DIR it answers for all of them)."""
    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    try:
        start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=this_process_group())
    except OSError:
        return  # served already, by this process's other worker threads or another process
    logger.info("Worker metrics served on %s:%s", settings.WORKER_METRICS_ADDR, port)


def connect() -> None:
    """Hook the worker's exporter into Huey's startup (the metrics read the queue, never the other way round)."""
    from huey.contrib.djhuey import HUEY

    HUEY.on_startup("switchoff_metrics")(start_worker_exporter)
