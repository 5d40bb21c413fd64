"""The start-up the benches share: a throw-away PostgreSQL database of the bench's own, Django set up on it, migrated.

A bench in ``bench/<name>/run.py`` calls, before importing anything of Django's::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from _common import start  # noqa: E402

    PG_URL = start("dashboard")  # drops and makes switchoff_bench_dashboard, sets the environment

and then ``setup()`` (django.setup() and the migrations). ``p95`` and ``median`` are the timings every bench prints.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def start(name: str, *, fresh: bool = True) -> str:
    """The bench's database URL (``BENCH_PG_URL`` or ``switchoff_bench_<name>``) and its environment set.

    ``fresh``: the database is dropped and made again (a bench builds its own rows). Settings the bench
    already set in the environment are kept; the statement and lock timeouts are off (a bench's loads are long).
    """
    url = os.environ.get("BENCH_PG_URL", f"postgres://postgres@127.0.0.1:5432/switchoff_bench_{name}")
    os.environ.setdefault("SWITCHOFF_VAR_DIR", tempfile.mkdtemp(prefix=f"switchoff-bench-{name}-"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if fresh:
        database = url.rsplit("/", 1)[1]
        host = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q"]
        subprocess.run([*host, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
        subprocess.run([*host, "-c", f"CREATE DATABASE {database}"], check=True)
    return url


def setup(*, migrate: bool = True) -> None:
    """Django set up on the bench's database, and migrated."""
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def p95(timings: list[float]) -> float:
    """The 95th percentile (what the targets name)."""
    return statistics.quantiles(timings, n=20)[-1]


def median(timings: list[float]) -> float:
    return statistics.median(timings)
