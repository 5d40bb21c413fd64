"""The bulk path stores every value as it was, whatever characters the text holds."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchoff.lib.bulk import bulk_insert

# Text as a file may hold it: COPY's own signs (backslash, tab, newline, return), quotes, Vietnamese;
# not NUL, which PostgreSQL text cannot hold (the reader drops it).
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=30)
ROW = st.tuples(TEXT, st.one_of(st.none(), st.integers(-(2**62), 2**62)), TEXT)


@pytest.fixture
def table(db: None) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bulk_probe (n integer NOT NULL, a text NOT NULL, b bigint NULL, c text NOT NULL, "
            "k text NOT NULL, d date NOT NULL, z bigint NULL)"
        )
    return "bulk_probe"


def stored(table: str) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n, a, b, c, k, d, z FROM {table} ORDER BY n")
        return [(*row[:5], str(row[5]), row[6]) for row in cursor.fetchall()]


def test_special_characters_and_constants_are_stored_as_they_were(table: str) -> None:
    rows = [
        (1, "back\\slash", None, "tab\there"),
        (2, "line\nbreak\rreturn", 7, "it's \\N"),
        (3, "Nguyễn Văn An", -3, ""),
    ]
    day = connection.ops.adapt_datefield_value(datetime.date(2024, 8, 1))
    bulk_insert(table, ("n", "a", "b", "c"), iter(rows), {"k": "O'Brien\t\\", "d": day, "z": None})
    assert stored(table) == [(*row, "O'Brien\t\\", "2024-08-01", None) for row in rows]


@given(rows=st.lists(ROW, max_size=20))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the table is emptied each time
def test_any_text_round_trips(table: str, rows: list[tuple[str, int | None, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    numbered = [(n, *row) for n, row in enumerate(rows)]
    bulk_insert(table, ("n", "a", "b", "c"), numbered, {"k": "", "d": "2024-08-01", "z": 5})
    assert stored(table) == [(*row, "", "2024-08-01", 5) for row in numbered]
