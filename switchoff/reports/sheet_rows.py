"""A checked row of a unit's own activity sheet, and how the rows meet what the log already holds.

Read by the check (``spreadsheets.parse_activity_sheet``, which shows it) and by the write
(``services.activities_import``, which acts on it inside its transaction):

- a sheet imported again (corrected or not) replaces what earlier imports of the unit logged in the
  months it covers (``replaced_imports``: "replaces 12 rows of the import of 05/12 by Nguyễn…");
- a row with the identity of an activity logged another way (the grid, one by one, the API) is the
  same activity arriving twice (``logged_matches``): flagged, and logged only if the person says it
  is another one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.months import first_of_month, last_of_month
from switchoff.reports.models import Activity, activity_identity
from switchoff.units.models import Unit


@dataclass(frozen=True)
class SheetRow:
    """One checked row of a unit's own sheet, as it will be logged."""

    row: int
    day: datetime.date
    form: CommunicationForm
    medium: Medium | None
    count: int
    people_reached: int | None
    description: str
    reference: str = ""

    def identity(self, campaign: Campaign, unit: Unit) -> tuple[object, ...]:
        return activity_identity(
            campaign_id=campaign.pk,
            unit_id=unit.pk,
            day=self.day,
            form_id=self.form.pk,
            medium_id=self.medium.pk if self.medium else None,
            reference=self.reference,
        )


@dataclass(frozen=True)
class ReplacedImport:
    """An earlier import whose rows in the new sheet's months the new one replaces."""

    import_id: int | None
    imported_at: datetime.datetime | None
    imported_by: str
    file_name: str
    rows: int


def months_of(rows: Iterable[SheetRow]) -> list[datetime.date]:
    return sorted({first_of_month(row.day) for row in rows})


def _in_months(months: list[datetime.date]) -> Q:
    condition = Q(pk__in=[])
    for month in months:
        condition |= Q(date__gte=month, date__lte=last_of_month(month))
    return condition


def sheet_activities(campaign: Campaign, unit: Unit, months: list[datetime.date]) -> Q:
    """The activities earlier sheet imports of ``unit`` logged in ``months``: what a new import replaces."""
    return Q(campaign=campaign, unit=unit, source=Activity.Source.SHEET) & _in_months(months)


def replaced_imports(campaign: Campaign, unit: Unit, months: list[datetime.date]) -> list[ReplacedImport]:
    """Each earlier import with rows in ``months``, the oldest first: what a sheet of those months replaces."""
    if not months:
        return []
    rows = (
        Activity.objects.filter(sheet_activities(campaign, unit, months))
        .values(
            "sheet_import",
            "sheet_import__imported_at",
            "sheet_import__imported_by__full_name",
            "sheet_import__imported_by__username",
            "sheet_import__file_name",
        )
        .annotate(rows=Count("pk"), last=Max("pk"))
        .order_by("sheet_import__imported_at", "last")
    )
    return [
        ReplacedImport(
            import_id=row["sheet_import"],
            imported_at=row["sheet_import__imported_at"],
            imported_by=row["sheet_import__imported_by__full_name"] or row["sheet_import__imported_by__username"] or "",
            file_name=row["sheet_import__file_name"] or "",
            rows=row["rows"],
        )
        for row in rows
    ]


def _same(row: SheetRow, activity: Activity) -> bool:
    """The same identity; a medium or a reference that one of the two does not give matches any."""
    if activity.date != row.day or activity.form_id != row.form.pk:
        return False
    if row.medium is not None and activity.medium_id is not None and activity.medium_id != row.medium.pk:
        return False
    ours, theirs = row.reference.casefold().split(), activity.reference.casefold().split()
    return not (ours and theirs and ours != theirs)


def logged_matches(campaign: Campaign, unit: Unit, rows: list[SheetRow]) -> dict[int, list[Activity]]:
    """The rows (by row number) matching an activity logged another way than a sheet (one query)."""
    if not rows:
        return {}
    logged = list(
        Activity.objects.filter(
            campaign=campaign, unit=unit, date__in={r.day for r in rows}, form_id__in={r.form.pk for r in rows}
        )
        .exclude(source=Activity.Source.SHEET)
        .order_by("date", "pk")
    )
    matches: dict[int, list[Activity]] = {}
    for row in rows:
        same = [a for a in logged if _same(row, a)]
        if same:
            matches[row.row] = same
    return matches
