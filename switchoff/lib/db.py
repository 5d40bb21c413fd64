"""Time limits on the database: short for web requests, long for background jobs.

Every PostgreSQL connection starts with the web's limits (``DB_STATEMENT_TIMEOUT_MS``,
``DB_LOCK_TIMEOUT_MS``, set in ``settings.DATABASES`` as connection options), so that a
request behind a long import's lock, or a query gone wrong, ends in a clear error
instead of waiting until gunicorn kills the worker. A job that legitimately runs for
long (an import of millions of rows, a check, a squash) takes the job limits inside
``long_running()``: a transaction whose ``SET LOCAL`` ends with it, so the connection
goes back to the web's limits afterwards whatever happens. SQLite has no such limits
(its own ``timeout`` waits for the one writer): there ``long_running()`` does nothing,
not even open a transaction, since SQLite's IMMEDIATE transactions would take the
write lock for the whole job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction

# SQLSTATE of a statement cancelled by statement_timeout (query_canceled) and of a lock not
# obtained within lock_timeout (lock_not_available).
QUERY_CANCELED = "57014"
LOCK_NOT_AVAILABLE = "55P03"


@contextmanager
def long_running(*, statement_timeout_ms: int | None = None, lock_timeout_ms: int | None = None) -> Iterator[None]:
    """A transaction with the job's time limits (``DB_JOB_STATEMENT_TIMEOUT_MS``, ``DB_JOB_LOCK_TIMEOUT_MS``;
    0 means none) on PostgreSQL; nothing at all on SQLite. Nested inside another transaction, the limits hold
    until that outer transaction ends."""
    if connection.vendor != "postgresql":
        yield
        return
    statement = settings.DB_JOB_STATEMENT_TIMEOUT_MS if statement_timeout_ms is None else statement_timeout_ms
    lock = settings.DB_JOB_LOCK_TIMEOUT_MS if lock_timeout_ms is None else lock_timeout_ms
    with transaction.atomic():
        with connection.cursor() as cursor:
            # SET takes no bound parameters; set_config(..., true) is SET LOCAL with them.
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
                [str(int(statement)), str(int(lock))],
            )
        yield


def timeout_kind(exc: BaseException) -> str | None:
    """Which limit the database gave up on: "statement_timeout" (a statement ran past it), "lock_timeout" (it
    waited past it for a lock), or None for any other error."""
    if not isinstance(exc, DatabaseError):
        return None
    return {QUERY_CANCELED: "statement_timeout", LOCK_NOT_AVAILABLE: "lock_timeout"}.get(
        str(getattr(exc.__cause__, "sqlstate", None))
    )


def is_timeout(exc: BaseException) -> bool:
    return timeout_kind(exc) is not None
