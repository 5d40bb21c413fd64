"""Pre-aggregated counts: small rows of deltas, summed on read, squashed by a periodic job.

The mechanism follows RapidPro's squashable counts. A service that changes what
is counted writes a row (unit, key, dimension, day, delta) in the same
transaction as the change, so the count can never drift from the rows it counts
while the database is consistent. Reads sum the deltas over a unit's rollup
(the unit, everything below it and the legacy units merged into any of them);
the squash job replaces the many rows of one (unit, key, dimension, day) by one
row of their sum, so that reads stay small.

``CountTotal`` keeps the same deltas rolled up: each delta of a unit is
written once more for the unit and for every unit above it on its roll-up path
(its commune, its province, the country; a legacy unit's successor and the
successor's ancestors), in the same transaction. A figure then reads the rows
of one unit only, so the country's costs what a ward's does; the squash job
keeps those rows few. ``verify_counts`` rebuilds them from ``Count``.
"""

from __future__ import annotations

from django.db import models


class CountRow(models.Model):
    """A delta of one key for one unit on one day: what ``Count`` and ``CountTotal`` rows both are."""

    # No database constraint to the unit: the importer writes ids it has just read,
    # units are never deleted, and a trigger per row would cost every write.
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # What is counted, namespaced by its app: "subscribers.status.listed".
    key = models.CharField(max_length=64)
    # What the count is broken down by, when anything: an id (the operator, for the
    # registry), 0 when the key has no breakdown.
    dimension = models.BigIntegerField(default=0)
    # The day of the change (the list's date for an import), so that a count can be read as of a day.
    day = models.DateField()
    delta = models.BigIntegerField()
    is_squashed = models.BooleanField(default=False)

    class Meta:
        abstract = True


def _indexes(prefix: str) -> list[models.Index]:
    """Reads: a unit's rows of some keys; the squash job finds the rows still to squash without reading the others."""
    fields = ["unit", "key", "dimension", "day"]
    return [
        models.Index(fields=fields, name=f"{prefix}_unit_key"),
        models.Index(fields=fields, condition=models.Q(is_squashed=False), name=f"{prefix}_unsquashed"),
    ]


class Count(CountRow):
    """A delta of a unit's own figure (the unit's rollup is summed on read, or through ``CountTotal``)."""

    class Meta:
        indexes = _indexes("count")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.key}[{self.dimension}] {self.day}: {self.delta:+}"


class CountTotal(CountRow):
    """A delta of a unit's roll-up: what ``Count`` holds below (and at) ``unit``, summed on read for that unit only."""

    class Meta:
        # The reading index carries the delta: a sum over many days of many units (the dashboard's child units,
        # 170 communes × a year of daily visits) is read from the index alone, without a heap page per row.
        indexes = [
            models.Index(
                fields=["unit", "key", "dimension", "day"], include=["delta"], name="counttotal_unit_key_delta"
            ),
            _indexes("counttotal")[1],
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} total {self.key}[{self.dimension}] {self.day}: {self.delta:+}"
