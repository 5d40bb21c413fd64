"""gunicorn's settings for switchoff (``gunicorn switchoff.wsgi -c deploy/gunicorn.conf.py``), the same on a host
(deploy/systemd/switchoff-web.service) and in a container (deploy/compose.yaml).

Its own log lines (the master's and the workers') go through switchoff's logging configuration, so they are
JSON lines in UTC like the app's and the worker's; the app writes one line per request itself, so gunicorn's
access log stays off. Several workers count their metrics in PROMETHEUS_MULTIPROC_DIR, emptied when the
master starts; a worker that exits is marked dead there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from switchoff.ops.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# A request longer than this is killed; the database gives up first (DB_STATEMENT_TIMEOUT_MS, 25 s by default).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# A worker is replaced after this many requests, so that memory a large upload took is given back.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
_format = os.environ.get("LOG_FORMAT") or ("json" if os.environ.get("SWITCHOFF_ENV") == "production" else "plain")
logconfig_dict = logging_config(json_lines=_format == "json", level=os.environ.get("LOG_LEVEL", "INFO"))


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        # Counts of a previous run would be added to this one's.
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
