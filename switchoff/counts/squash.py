"""Squashing counts: the rows of one (unit, key, dimension, day) become one row of their sum.

Safe beside concurrent writers, and beside another squash: each row is deleted
by exactly one statement, whose RETURNING rows are the ones it deleted and
whose sum it inserts. A row written meanwhile by another transaction is not in
that statement's snapshot, so it is neither deleted nor summed: it waits for
the next squash. Sums of zero leave no row.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction

from switchoff.counts.models import Count, CountTotal
from switchoff.lib.db import long_running

BATCH = 5_000  # groups (unit, key, dimension, day) per transaction

_GROUPS = "SELECT DISTINCT unit_id, key, dimension, day FROM {table} WHERE NOT is_squashed LIMIT %s"

# PostgreSQL: one statement deletes the rows of a batch of groups and inserts their sums.
_SQUASH_POSTGRESQL = f"""
WITH groups AS ({_GROUPS}),
removed AS (
    DELETE FROM {{table}} c USING groups g
    WHERE c.unit_id = g.unit_id AND c.key = g.key AND c.dimension = g.dimension AND c.day = g.day
    RETURNING c.unit_id, c.key, c.dimension, c.day, c.delta
),
summed AS (
    INSERT INTO {{table}} (unit_id, key, dimension, day, delta, is_squashed)
    SELECT unit_id, key, dimension, day, SUM(delta), TRUE FROM removed
    GROUP BY unit_id, key, dimension, day HAVING SUM(delta) <> 0
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM groups), (SELECT COUNT(*) FROM summed)
"""  # noqa: S608  # constants only

# SQLite has one writer at a time (transactions begin IMMEDIATE): the delete comes first
# and returns what it deleted, which is summed here and written back in the same transaction.
_DELETE_SQLITE = f"""
DELETE FROM {{table}} WHERE (unit_id, key, dimension, day) IN ({_GROUPS})
RETURNING unit_id, key, dimension, day, delta
"""  # noqa: S608  # constants only


def squash_counts(*, batch: int = BATCH) -> int:
    """Squash every count row not yet squashed (the units' own and their roll-ups), a batch of groups per
    transaction; the number of groups squashed."""
    return _squash(Count, batch) + _squash(CountTotal, batch)


def _squash(model: type[Count] | type[CountTotal], batch: int) -> int:
    table = model._meta.db_table
    squashed = 0
    while True:
        # A job's time limits (lib.db), not the web's: a backlog of counts after a large import is long to squash.
        with transaction.atomic(), long_running(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_SQUASH_POSTGRESQL.format(table=table), [batch])
                groups = cursor.fetchone()[0]
            else:
                cursor.execute(_DELETE_SQLITE.format(table=table), [batch])
                sums: defaultdict[tuple[int, str, int, str], int] = defaultdict(int)
                for unit_id, key, dimension, day, delta in cursor.fetchall():
                    sums[(unit_id, key, dimension, day)] += delta
                groups = len(sums)
                made = [
                    model(unit_id=u, key=k, dimension=d, day=day, delta=n, is_squashed=True)
                    for (u, k, d, day), n in sums.items()
                    if n
                ]
                model.objects.bulk_create(made, batch_size=1000)  # type: ignore[arg-type]
        squashed += groups
        if groups < batch:
            return squashed
