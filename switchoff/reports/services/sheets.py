"""Writing a unit's own activity sheet into the log, once checked (``spreadsheets.parse_activity_sheet``).

A sheet's rows are the sheet's: importing the unit's sheet again, corrected or not, replaces what
earlier imports logged in the months it covers, so figures never double. A row with the identity of
an activity logged another way (the grid, one by one, the API) is left out unless the person said it
is another activity. What the person taught the check (columns, their own words for forms and
media) is remembered for the unit's next file, and their words proposed to the coordinator.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign, CatalogueSynonym, CommunicationForm, Medium
from switchoff.campaigns.services import synonym_propose
from switchoff.reports.counts import count_activities_removed
from switchoff.reports.models import Activity, ActivityImport, ActivitySheetMapping
from switchoff.reports.notify import coordinators_of, notify
from switchoff.reports.services.activities import activity_create, month_is_closed
from switchoff.reports.sheet_rows import SheetRow, logged_matches, months_of, sheet_activities
from switchoff.units.models import Unit

PROPOSED_SUBJECT = gettext_lazy("switchoff: other names proposed by %(unit)s")
PROPOSED_TEXT = gettext_lazy(
    "%(unit)s taught its sheet import other names: %(names)s. Make them names of the whole campaign or dismiss them."
)


@dataclass(frozen=True)
class Taught:
    """A unit's own wording, mapped at the check to a form or a medium of the catalogue."""

    text: str
    words: str
    form: CommunicationForm | None = None
    medium: Medium | None = None


@dataclass
class SheetImported:
    sheet_import: ActivityImport
    created: int = 0
    replaced: int = 0
    # Rows left out: the same activity was already logged another way.
    skipped: list[int] = field(default_factory=list)


@transaction.atomic
def activities_import(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    rows: list[SheetRow],
    client_key: str,
    digest: str = "",
    headers: dict[str, str] | None = None,
    file_name: str = "",
    also: Collection[int] = (),
    taught: Collection[Taught] = (),
) -> SheetImported:
    """Log the checked rows of a unit's sheet in one transaction, replacing what earlier imports logged.

    ``client_key`` is the check's: a retried confirmation finds the import it made and writes nothing.
    Rows matching an activity logged another way are left out unless their number is in ``also``.
    The earlier imports' rows in the months the kept rows fall in are deleted first (one audit row
    says how many). A month whose report is submitted or locked refuses the whole import.
    """
    existing = ActivityImport.objects.filter(client_key=client_key).first()
    if existing is not None:
        return SheetImported(existing, created=0, replaced=existing.replaced)
    # One import of a unit at a time: two at once would each keep the other's rows.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    matches = logged_matches(campaign, unit, rows)
    kept = [row for row in rows if row.row not in matches or row.row in also]
    months = months_of(kept)
    for month in months:
        if month_is_closed(campaign, unit, month):
            raise ValidationError(
                _("The report for %(month)s is already submitted; ask to have it returned first.")
                % {"month": month.strftime("%m/%Y")}
            )
    earlier = Activity.objects.filter(sheet_activities(campaign, unit, months))
    replaced_imports = sorted({pk for pk in earlier.values_list("sheet_import_id", flat=True) if pk is not None})
    count_activities_removed(earlier)
    replaced, _by_model = earlier.delete()
    sheet_import = ActivityImport.objects.create(
        campaign=campaign,
        unit=unit,
        file_name=file_name[:255],
        digest=digest[:64],
        client_key=client_key[:64],
        months=[f"{month:%Y-%m}" for month in months],
        rows=len(kept),
        replaced=replaced,
        imported_by=actor,
    )
    for row in kept:
        activity_create(
            actor=actor,
            campaign=campaign,
            unit=unit,
            day=row.day,
            form=row.form,
            medium=row.medium,
            count=row.count,
            people_reached=row.people_reached,
            description=row.description,
            reference=row.reference,
            client_key=f"sheet:{sheet_import.pk}:{row.row}",
            source=Activity.Source.SHEET,
            sheet_import=sheet_import,
        )
    _remember(actor=actor, campaign=campaign, unit=unit, headers=headers or {}, taught=list(taught))
    log_action(
        "reports.activity_sheet.imported",
        actor=actor,
        obj=campaign,
        unit=unit,
        data={
            "rows": len(rows),
            "created": len(kept),
            "replaced": replaced,
            "replaced_imports": replaced_imports,
            "skipped": sorted(set(matches) - set(also)),
            "months": sheet_import.months,
            "file": file_name[:120],
        },
    )
    return SheetImported(sheet_import, created=len(kept), replaced=replaced, skipped=sorted(set(matches) - set(also)))


def _remember(*, actor: Any, campaign: Campaign, unit: Unit, headers: dict[str, str], taught: list[Taught]) -> None:
    """The columns and the unit's own words, for its next file; its words proposed to the coordinator."""
    if not headers and not taught:
        return
    mapping, _created = ActivitySheetMapping.objects.get_or_create(unit=unit)
    if headers:
        mapping.headers = headers
    for item in taught:
        if item.form is not None:
            mapping.forms[item.words] = item.form.pk
        elif item.medium is not None:
            mapping.media[item.words] = item.medium.pk
    mapping.save()
    known = set(CatalogueSynonym.objects.filter(campaign=campaign).values_list("words", flat=True))
    proposed = [
        synonym_propose(actor=actor, campaign=campaign, unit=unit, text=item.text, form=item.form, medium=item.medium)
        for item in taught
        if item.words not in known
    ]
    if proposed:
        notify(
            coordinators_of(campaign),
            PROPOSED_TEXT,
            {
                "unit": unit.name,
                "names": "; ".join(f"“{p.text}” → {p.form or p.medium}" for p in proposed),
            },
            url=reverse("campaigns:synonyms", args=[campaign.pk]),
            subject=PROPOSED_SUBJECT,
        )
