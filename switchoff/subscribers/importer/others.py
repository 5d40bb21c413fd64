"""Numbers also listed by another operator: flagged, never silently merged."""

from __future__ import annotations

import json
from array import array
from collections import defaultdict
from typing import Any

from django.db import connection

from switchoff.lib.sheets import Problem, ReadResult
from switchoff.subscribers.importer.checked import CheckedList
from switchoff.subscribers.importer.rows import (
    CHUNK,
)
from switchoff.subscribers.models import Subscriber
from switchoff.units.models import Unit


def _flag_other_operators(result: CheckedList, read: ReadResult, operator: Unit) -> None:
    """The same number from two operators is flagged, never silently merged.

    Two ways to find them, the cheaper first: when the other operators have fewer
    listed numbers than the file (a first operator in a new registry, a province
    list against a national one), those numbers are read and looked up here;
    otherwise the file's numbers are probed in the (msisdn, operator) index.
    """
    numbers = result.seen_numbers
    if not numbers:
        return
    table = Subscriber._meta.db_table
    # "Another operator" as two ranges, so that the indexes answer it without reading this operator's rows.
    other = "(s.operator_id < %s OR s.operator_id > %s)"
    found: list[tuple[str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.msisdn, s.operator_id FROM {table} s WHERE {other} AND s.status = 'listed' LIMIT %s",  # noqa: S608
            [operator.pk, operator.pk, len(numbers) + 1],
        )
        others = cursor.fetchall()
        if len(others) <= len(numbers):
            theirs: dict[int, list[int]] = defaultdict(list)
            for msisdn, owner in others:
                theirs[int(msisdn[3:])].append(owner)
            del others
            for number in numbers:
                if number in theirs:
                    found += [(f"+84{number}", owner) for owner in theirs[number]]
        else:
            del others
            found = _probe_other_operators(cursor, numbers, operator, other)
    if not found:
        return
    names = dict(Unit.objects.filter(kind__code="operator_branch").values_list("pk", "name"))
    wanted = {int(msisdn[3:]) for msisdn, _owner in found}
    where = {n: w for n, w in zip(numbers, result.seen_where, strict=True) if n in wanted}
    for msisdn, owner in found:
        where_seen = where[int(msisdn[3:])]
        result.add(
            Problem(read.sheets[where_seen >> 32].name, where_seen & 0xFFFFFFFF, "", msisdn, "number_other_operator",
                    {"operator": names.get(owner, "")})
        )  # fmt: skip


def _probe_other_operators(cursor: Any, numbers: array[int], operator: Unit, other: str) -> list[tuple[str, int]]:
    """The file's numbers listed by another operator, looked up a chunk at a time in the number index."""
    found: list[tuple[str, int]] = []
    table = Subscriber._meta.db_table
    step = CHUNK * 20
    params: list[Any]
    for start in range(0, len(numbers), step):
        chunk = numbers[start : start + step].tolist()
        # The numbers go as one parameter (an array, or JSON for SQLite): thousands of
        # placeholders cost more to send than to look up.
        if connection.vendor == "postgresql":
            source, params = "(SELECT '+84' || u AS msisdn FROM unnest(%s::bigint[]) AS u) AS n", [chunk]
        else:
            source, params = "(SELECT '+84' || value AS msisdn FROM json_each(%s)) AS n", [json.dumps(chunk)]
        cursor.execute(
            f"SELECT s.msisdn, s.operator_id FROM {source} CROSS JOIN {table} s "  # noqa: S608
            f"WHERE s.msisdn = n.msisdn AND {other} AND s.status = 'listed'",
            [*params, operator.pk, operator.pk],
        )
        found += cursor.fetchall()
    return found
