"""Bulk inserts for large imports, by the database's own fast path.

The ORM's ``bulk_create`` builds a model instance and compiles SQL per row;
for a million rows that dominates the import. Here rows are plain tuples:
PostgreSQL takes them through COPY, SQLite through ``executemany`` in the
caller's transaction. ``rows`` may be a generator: the database writes while
it yields (that is how an import overlaps reading and writing), but it must
not query the database itself, as PostgreSQL runs no other query on a
connection during a COPY.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from django.db import connection
from psycopg.copy import QueuedLibpqWriter


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A writer thread sends the data while this thread prepares the next rows.
            writer = QueuedLibpqWriter(cursor.cursor)
            with cursor.cursor.copy(f"COPY {name} ({quoted}) FROM STDIN", writer=writer) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # The driver's own executemany: Django's SQLite cursor tees the rows to peek at
            # the first one, which would keep every row of a generator in memory.
            placeholders = ", ".join(["?"] * len(columns))
            with connection.wrap_database_errors:
                sqlite3.Cursor.executemany(
                    cursor.cursor,
                    f"INSERT INTO {name} ({quoted}) VALUES ({placeholders})",  # noqa: S608
                    rows,
                )
