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
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.db import connection
from psycopg.copy import QueuedLibpqWriter


def bulk_insert(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    constants: Mapping[str, object] | None = None,
) -> None:
    constants = constants or {}
    quoted = ", ".join(connection.ops.quote_name(c) for c in (*columns, *constants))
    name = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A writer thread sends the data while this thread prepares the next rows.
            writer = QueuedLibpqWriter(cursor.cursor)
            with cursor.cursor.copy(f"COPY {name} ({quoted}) FROM STDIN", writer=writer) as copy:
                for block in _copy_text(rows, len(columns), constants):
                    copy.write(block)
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


COPY_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_BLOCK = 2000  # rows a block


def _copy_value(value: object) -> str:
    return "\\N" if value is None else str(value).translate(COPY_SPECIAL)


def _copy_text(rows: Iterable[Sequence[object]], width: int, constants: Mapping[str, object]) -> Iterator[str]:
    """Rows in COPY's text format, a block of lines at a time.

    Quicker than psycopg's ``write_row``, which adapts each value by its type: the
    values here are text, whole numbers, days or None, and most text needs no
    escaping, which one look at the joined line tells.
    """
    tail = "".join("\t" + _copy_value(value) for value in constants.values()) + "\n"
    tabs = width - 1
    block: list[str] = []
    for row in rows:
        line = "\t".join([v if v.__class__ is str else ("\\N" if v is None else str(v)) for v in row])
        if line.count("\t") != tabs or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join([_copy_value(v) for v in row])
        block.append(line + tail)
        if len(block) >= COPY_BLOCK:
            yield "".join(block)
            block = []
    if block:
        yield "".join(block)


def _literal(value: object) -> str:
    """A constant as an SQLite literal."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"
