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
from contextlib import contextmanager

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
INDEX_BUILD_CACHE_KB = -65536  # SQLite's page cache while indexes are built (negative: in KiB)


@contextmanager
def indexes_built_after(table: str) -> Iterator[None]:
    """SQLite: the table's own indexes dropped for a bulk insert and built again after it.

    Building an index once from sorted rows is quicker than growing it row by row:
    for a first national list, 1.3 s of the 7.7 s a million rows take here. It is
    all inside the caller's transaction: a failure rolls the drop back too, and
    readers (WAL) keep seeing the table as it was until the commit. PostgreSQL is
    left alone: dropping an index there locks readers out until the commit.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
        )
        # Partial indexes stay: rows outside them cost nothing to insert.
        indexes = [(name, sql) for name, sql in cursor.fetchall() if " WHERE " not in sql.upper()]
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA threads")
        (threads,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size")
        (cache,) = cursor.fetchone()
        cursor.execute("PRAGMA threads = 2")  # the sorts that build an index may use a second core
        # A page cache of 64 MB rather than 2 MB while the indexes are built: a quarter less work (measured).
        cursor.execute(f"PRAGMA cache_size = {INDEX_BUILD_CACHE_KB}")
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.execute(f"PRAGMA threads = {int(threads)}")


def _copy_value(value: object) -> str:
    return "\\N" if value is None else str(value).translate(COPY_SPECIAL)


def _copy_text(rows: Iterable[Sequence[object]], width: int, constants: Mapping[str, object]) -> Iterator[str]:
    """Rows in COPY's text format, a block of lines at a time.

    Quicker than psycopg's ``write_row``, which adapts each value by its type: the
    values here are text, whole numbers, days or None, and most text needs no
    escaping, which one look at the joined line tells (its backslashes are those of
    its nulls' ``\\N`` alone, one each: a row with empty values is no slower).
    """
    tail = "".join("\t" + _copy_value(value) for value in constants.values()) + "\n"
    tabs = width - 1
    block: list[str] = []
    for row in rows:
        line = "\t".join([v if v.__class__ is str else ("\\N" if v is None else str(v)) for v in row])
        if line.count("\t") != tabs or line.count("\\") != row.count(None) or "\n" in line or "\r" in line:
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
