"""Bulk inserts for large imports, by the database's own fast path.

The ORM's ``bulk_create`` builds a model instance and compiles SQL per row;
for a million rows that dominates the import. Here rows are plain tuples:
PostgreSQL takes them through COPY, SQLite through ``executemany`` in the
caller's transaction. ``rows`` may be a generator: the database writes while
it yields (that is how an import overlaps reading and writing), but it must
not query the database itself, as PostgreSQL runs no other query on a
connection during a COPY.

``constants`` are columns with the same value on every row: they are not
carried by each row (on SQLite, not bound for each row either).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection
from psycopg.copy import QueuedLibpqWriter


def bulk_insert(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    constants: Mapping[str, int | str | None] | None = None,
) -> None:
    constants = constants or {}
    quoted = ", ".join(connection.ops.quote_name(c) for c in (*columns, *constants))
    name = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tail = tuple(constants.values())
            # A writer thread sends the data while this thread prepares the next rows.
            writer = QueuedLibpqWriter(cursor.cursor)
            with cursor.cursor.copy(f"COPY {name} ({quoted}) FROM STDIN", writer=writer) as copy:
                write_row = copy.write_row
                if tail:
                    for row in rows:
                        write_row((*row, *tail))
                else:
                    for row in rows:
                        write_row(row)
        else:
            # The driver's own executemany: Django's SQLite cursor tees the rows to peek at
            # the first one, which would keep every row of a generator in memory.
            values = ", ".join(["?"] * len(columns) + [_literal(v) for v in constants.values()])
            with connection.wrap_database_errors:
                sqlite3.Cursor.executemany(
                    cursor.cursor,
                    f"INSERT INTO {name} ({quoted}) VALUES ({values})",  # noqa: S608
                    rows,
                )


def _literal(value: int | str | None) -> str:
    """A constant as an SQLite literal."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + value.replace("'", "''") + "'"
