"""Writes of the activity log: one activity (the form, the API), the days × forms grid.

An activity's identity (``models.activity_identity``: unit, campaign, day, form, medium and the
reporter's own reference) is what the sheet import compares with; ``source`` says which way each came.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.campaigns.catalogue import COUNTED_BY_SYSTEM
from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.links import validate_http_url
from switchoff.lib.months import first_of_month
from switchoff.library.models import MaterialVersion
from switchoff.reports.counts import count_activity
from switchoff.reports.models import Activity, ActivityImport, MonthlyReport
from switchoff.reports.selectors import activity_places
from switchoff.units.models import Unit

Status = MonthlyReport.Status


def _check_activity(
    *,
    campaign: Campaign,
    unit: Unit,
    day: datetime.date,
    form: CommunicationForm,
    medium: Medium | None,
    place: Unit | None,
    evidence_url: str = "",
) -> None:
    """Every value and reference of an activity, as the page and the API give them; errors name the field."""
    errors: dict[str, str] = {}
    if not campaign.start_date <= day <= campaign.end_date:
        errors["date"] = _("The date must be within the campaign (%(start)s – %(end)s).") % {
            "start": campaign.start_date.strftime("%d/%m/%Y"),
            "end": campaign.end_date.strftime("%d/%m/%Y"),
        }
    if day > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    if form.campaign_id != campaign.pk:
        errors["form"] = _("This form belongs to another campaign.")
    if medium is not None and medium.campaign_id != campaign.pk:
        errors["medium"] = _("This medium belongs to another campaign.")
    elif medium is not None and form.media.exists() and not form.media.filter(pk=medium.pk).exists():
        errors["medium"] = _("%(medium)s is not a medium of %(form)s.") % {"medium": medium, "form": form}
    if place is not None and not activity_places(unit).filter(pk=place.pk).exists():
        errors["place"] = _("The place must be a current commune or village inside the unit's area.")
    if evidence_url:
        try:
            validate_http_url(evidence_url)
        except ValidationError as exc:
            errors["evidence_url"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)


# What the system counts each form of ``COUNTED_BY_SYSTEM`` from, as the refusal says it.
COUNTED_FROM = {
    "delivery": gettext_lazy("the programmes' recorded deliveries"),
    "inspection": gettext_lazy("the recorded shop inspections"),
    "banner": gettext_lazy("the recorded banner placements"),
}


def counted_refusal(form_name: str, counted: str) -> str:
    """Why a form the system counts is not typed, in the reader's language: where its figure comes from.

    ``counted``: what the system counts it from, as ``COUNTED_BY_SYSTEM`` says (a sheet's problem keeps it).
    """
    return _(
        "%(form)s is counted by the system from %(source)s; it is not typed, so that nothing is counted twice."
    ) % {
        "form": form_name,
        "source": COUNTED_FROM[counted],
    }


def counted_form_refusal(form: CommunicationForm) -> str:
    return counted_refusal(form.shown_name, COUNTED_BY_SYSTEM[form.code])


def typed_forms(forms: list[CommunicationForm]) -> list[CommunicationForm]:
    """The forms a unit types figures for: all but those the system counts from its own records."""
    return [form for form in forms if not form.counted_by_system]


def refuse_counted_form(form: CommunicationForm) -> None:
    """Every manual entry path (the page, the grid, the API) calls this: a counted form is refused, naming the field."""
    if form.counted_by_system:
        raise ValidationError({"form": counted_form_refusal(form)})


def month_is_closed(campaign: Campaign, unit: Unit, day: datetime.date) -> bool:
    """Whether the report of ``day``'s month is already submitted or accepted."""
    return MonthlyReport.objects.filter(
        campaign=campaign, unit=unit, month=first_of_month(day), status__in=[Status.SUBMITTED, Status.ACCEPTED]
    ).exists()


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    day: datetime.date,
    form: CommunicationForm,
    count: int,
    client_key: str,
    medium: Medium | None = None,
    people_reached: int | None = None,
    place: Unit | None = None,
    description: str = "",
    evidence_url: str = "",
    evidence_file: UploadedFile[bytes] | None = None,
    source: str = Activity.Source.FORM,
    reference: str = "",
    sheet_import: ActivityImport | None = None,
    material: MaterialVersion | None = None,
) -> tuple[Activity, bool]:
    """Log an activity. A retried request (same ``client_key``) returns the first one, created False.

    ``material``: the version of the campaign's library material it used (another campaign's is refused).
    """
    existing = Activity.objects.filter(client_key=client_key).first()
    if existing is not None:
        return existing, False
    if medium is None:
        # A form with a single medium (broadcasts go through the loudspeakers)
        # needs no choice: its totals then land on the same report line.
        only = list(form.media.all()[:2])
        medium = only[0] if len(only) == 1 else None
    evidence_url = evidence_url.strip()
    _check_activity(
        campaign=campaign, unit=unit, day=day, form=form, medium=medium, place=place, evidence_url=evidence_url
    )
    if count < 1:
        raise ValidationError({"count": _("The count must be at least 1.")})
    if material is not None and material.material.campaign_id != campaign.pk:
        raise ValidationError({"material": _("This material belongs to another campaign.")})
    if month_is_closed(campaign, unit, day):
        raise ValidationError(
            {
                "date": _("The report for %(month)s is already submitted; ask to have it returned first.")
                % {"month": day.strftime("%m/%Y")}
            }
        )
    activity = Activity(
        campaign=campaign,
        unit=unit,
        date=day,
        form=form,
        medium=medium,
        count=count,
        people_reached=people_reached,
        place=place,
        description=description.strip(),
        evidence_url=evidence_url,
        client_key=client_key,
        source=source,
        reference=" ".join(reference.split())[:60],
        sheet_import=sheet_import,
        material=material,
        created_by=actor,
    )
    if evidence_file is not None:
        activity.evidence_file = evidence_file
    try:
        with transaction.atomic():
            activity.save()
            count_activity(activity, activity.count)
    except IntegrityError:
        # The same request arrived twice at once: the other one won.
        return Activity.objects.get(client_key=client_key), False
    log_action(
        "reports.activity.created",
        actor=actor,
        obj=activity,
        unit=unit,
        data={"form": form.code, "count": count, "date": day.isoformat()},
    )
    return activity, True


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    if month_is_closed(activity.campaign, activity.unit, activity.date):
        raise ValidationError(_("The report for this month is already submitted."))
    log_action(
        "reports.activity.deleted",
        actor=actor,
        obj=activity,
        unit=activity.unit,
        data={"form": activity.form.code, "count": activity.count, "date": activity.date.isoformat()},
    )
    count_activity(activity, -activity.count)
    activity.delete()


MAX_COUNT = 100_000  # the most one activity can count, as on the form that logs one


def grid_key(campaign: Campaign, unit: Unit, day: datetime.date, form: CommunicationForm) -> str:
    """The client key of the grid's own activity for one cell: one per unit, day and form."""
    return f"grid:{campaign.pk}:{unit.pk}:{day:%Y%m%d}:{form.pk}"


@dataclass(frozen=True)
class GridCell:
    """What the grid shows in one cell: the day's total for the form, and the part logged one by one."""

    total: int
    single: int


def grid_cells(
    *, campaign: Campaign, unit: Unit, days: list[datetime.date], forms: list[CommunicationForm]
) -> dict[tuple[datetime.date, int], GridCell]:
    """The log by day and form (one query): the grid's own activity and the activities logged singly."""
    if not days or not forms:
        return {}
    own = {grid_key(campaign, unit, day, form) for day in days for form in forms}
    totals: dict[tuple[datetime.date, int], list[int]] = {}
    rows = Activity.objects.filter(
        campaign=campaign, unit=unit, date__gte=min(days), date__lte=max(days), form__in=forms
    ).values_list("date", "form_id", "count", "client_key")
    for day, form_id, count, key in rows:
        cell = totals.setdefault((day, form_id), [0, 0])
        cell[0] += count
        if key not in own:
            cell[1] += count
    return {key: GridCell(total=total, single=single) for key, (total, single) in totals.items()}


@dataclass
class GridSaved:
    added: int = 0
    changed: int = 0
    removed: int = 0


@transaction.atomic
def activities_grid_save(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    medium_by_form: dict[int, Medium | None],
    cells: dict[tuple[datetime.date, CommunicationForm], int | None],
) -> GridSaved:
    """Make each cell's value the day's total for its form, through one activity of the grid's own per cell.

    Activities logged one by one are kept: the grid's activity holds what the cell adds to
    them (3 broadcasts logged singly and a cell of 5: the grid's activity counts 2). A cell
    cleared (None) removes the grid's activity. A value below what is logged singly is
    refused, naming the day and form, and nothing is written. Setting a cell is idempotent:
    the same grid sent twice changes nothing the second time.
    """
    days = sorted({day for day, _form in cells})
    forms = list({form.pk: form for _day, form in cells}.values())
    keys = {(day, form.pk): grid_key(campaign, unit, day, form) for day, form in cells}
    own = {a.client_key: a for a in Activity.objects.select_for_update().filter(client_key__in=keys.values())}
    shown = grid_cells(campaign=campaign, unit=unit, days=days, forms=forms)
    errors: list[str] = []
    plan: list[tuple[datetime.date, CommunicationForm, int, Activity | None]] = []
    for (day, form), value in sorted(cells.items(), key=lambda item: (item[0][0], item[0][1].pk)):
        if form.counted_by_system:
            errors.append(counted_form_refusal(form))
            continue
        single = shown.get((day, form.pk), GridCell(0, 0)).single
        if value is not None and value > MAX_COUNT:
            errors.append(
                _("%(day)s, %(form)s: %(value)s is more than %(most)s.")
                % {"day": day.strftime("%d/%m/%Y"), "form": form.shown_name, "value": value, "most": MAX_COUNT}
            )
            continue
        if value is not None and value < single:
            errors.append(
                _(
                    "%(day)s, %(form)s: %(single)s are already logged one by one, "
                    "so the day's total cannot be %(value)s. Delete them in the activity log first."
                )
                % {"day": day.strftime("%d/%m/%Y"), "form": form.shown_name, "single": single, "value": value}
            )
            continue
        plan.append((day, form, 0 if value is None else value - single, own.get(keys[(day, form.pk)])))
    if errors:
        raise ValidationError(errors)
    saved = GridSaved()
    for day, form, count, activity in plan:
        if activity is None and count > 0:
            activity_create(
                actor=actor,
                campaign=campaign,
                unit=unit,
                day=day,
                form=form,
                count=count,
                medium=medium_by_form.get(form.pk),
                client_key=keys[(day, form.pk)],
                source=Activity.Source.GRID,
            )
            saved.added += 1
        elif activity is not None and count == 0:
            activity_delete(actor=actor, activity=activity)
            saved.removed += 1
        elif activity is not None and activity.count != count:
            if month_is_closed(campaign, unit, day):
                raise ValidationError(
                    _("The report for %(month)s is already submitted; ask to have it returned first.")
                    % {"month": day.strftime("%m/%Y")}
                )
            data = {"form": form.code, "count": count, "before": activity.count, "date": day.isoformat()}
            count_activity(activity, count - activity.count)
            activity.count = count
            activity.save(update_fields=["count"])
            log_action("reports.activity.changed", actor=actor, obj=activity, unit=unit, data=data)
            saved.changed += 1
    return saved
