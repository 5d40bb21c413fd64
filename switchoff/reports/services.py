"""Writes: activities, the monthly report and its workflow, reminders.

draft → submitted → accepted, or submitted → returned (with a reason) → submitted
again. Submitting after the deadline is allowed and marked late. After the lock
time (deadline + the campaign's lock days) only the coordinator can reopen a
report, with a logged reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.links import validate_http_url
from switchoff.lib.months import first_of_month
from switchoff.reports.models import Activity, ActivitySheetMapping, MonthlyReport, ReportLine
from switchoff.reports.selectors import (
    FigureWarning,
    LogTotal,
    activity_places,
    log_totals,
    report_rows,
    report_warnings,
    warnings_fingerprint,
)
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


def report_is_locked(report: MonthlyReport, campaign: Campaign, now: datetime.datetime) -> bool:
    if report.reopened_until is not None and now < report.reopened_until:
        return False
    return now >= campaign.lock_time(report.month)


def _month_is_closed(campaign: Campaign, unit: Unit, day: datetime.date) -> bool:
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
) -> tuple[Activity, bool]:
    """Log an activity. A retried request (same ``client_key``) returns the first one, created False."""
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
    if _month_is_closed(campaign, unit, day):
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
        created_by=actor,
    )
    if evidence_file is not None:
        activity.evidence_file = evidence_file
    try:
        with transaction.atomic():
            activity.save()
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
    if _month_is_closed(activity.campaign, activity.unit, activity.date):
        raise ValidationError(_("The report for this month is already submitted."))
    log_action(
        "reports.activity.deleted",
        actor=actor,
        obj=activity,
        unit=activity.unit,
        data={"form": activity.form.code, "count": activity.count, "date": activity.date.isoformat()},
    )
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
            )
            saved.added += 1
        elif activity is not None and count == 0:
            activity_delete(actor=actor, activity=activity)
            saved.removed += 1
        elif activity is not None and activity.count != count:
            if _month_is_closed(campaign, unit, day):
                raise ValidationError(
                    _("The report for %(month)s is already submitted; ask to have it returned first.")
                    % {"month": day.strftime("%m/%Y")}
                )
            data = {"form": form.code, "count": count, "before": activity.count, "date": day.isoformat()}
            activity.count = count
            activity.save(update_fields=["count"])
            log_action("reports.activity.changed", actor=actor, obj=activity, unit=unit, data=data)
            saved.changed += 1
    return saved


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


@transaction.atomic
def activities_import(
    *,
    actor: Any,
    campaign: Campaign,
    unit: Unit,
    rows: list[SheetRow],
    digest: str,
    headers: dict[str, str],
    file_name: str = "",
) -> int:
    """Log the checked rows of a unit's sheet in one transaction; returns how many were new.

    Each row's key comes from the file's content and its row number, so confirming twice
    (or importing the same file again) logs nothing twice. The columns chosen are
    remembered for the unit's next file.
    """
    created = 0
    for row in rows:
        _activity, new = activity_create(
            actor=actor,
            campaign=campaign,
            unit=unit,
            day=row.day,
            form=row.form,
            medium=row.medium,
            count=row.count,
            people_reached=row.people_reached,
            description=row.description,
            client_key=f"sheet:{campaign.pk}:{unit.pk}:{digest}:{row.row}",
        )
        created += int(new)
    if headers:
        ActivitySheetMapping.objects.update_or_create(unit=unit, defaults={"headers": headers})
    log_action(
        "reports.activity_sheet.imported",
        actor=actor,
        obj=campaign,
        unit=unit,
        data={"rows": len(rows), "created": created, "file": file_name[:120]},
    )
    return created


def _fill_lines(report: MonthlyReport) -> None:
    """Every line from the activity log, following it (nobody's edit kept)."""
    report.lines.all().delete()
    ReportLine.objects.bulk_create(
        [
            ReportLine(
                report=report,
                form_id=form_id,
                medium_id=medium_id,
                count=total.count,
                people_reached=total.people_reached,
                edited=False,
            )
            for (form_id, medium_id), total in log_totals(report.campaign, report.unit, report.month).items()
        ]
    )


def _follow_log(report: MonthlyReport) -> None:
    """Write the log's current totals into the lines nobody edited (the edited ones stay)."""
    edited = set(report.lines.filter(edited=True).values_list("form_id", "medium_id"))
    report.lines.filter(edited=False).delete()
    ReportLine.objects.bulk_create(
        [
            ReportLine(
                report=report,
                form_id=key[0],
                medium_id=key[1],
                count=total.count,
                people_reached=total.people_reached,
            )
            for key, total in log_totals(report.campaign, report.unit, report.month).items()
            if key not in edited
        ]
    )


def _require_campaign_month(campaign: Campaign, month: datetime.date) -> datetime.date:
    month = first_of_month(month)
    if not first_of_month(campaign.start_date) <= month <= first_of_month(campaign.end_date):
        raise ValidationError(_("The campaign does not run in %(month)s.") % {"month": month.strftime("%m/%Y")})
    return month


def report_preview(*, campaign: Campaign, unit: Unit, month: datetime.date) -> tuple[MonthlyReport, list[ReportLine]]:
    """What the unit's report for ``month`` would hold if it were opened now: nothing is written.

    A page that shows a report nobody has started yet uses this, so that looking at it
    (a coordinator browsing units, a reporter checking early) leaves no draft behind.
    """
    month = _require_campaign_month(campaign, month)
    report = MonthlyReport(campaign=campaign, unit=unit, month=month)
    # A draft's lines that nobody edited are the log's totals, computed on read
    # (selectors.report_rows): no stored line is a report nobody started.
    return report, []


@transaction.atomic
def report_open(*, actor: Any, campaign: Campaign, unit: Unit, month: datetime.date) -> MonthlyReport:
    """The unit's report for ``month``, created and prefilled from the activity log the first time (a write)."""
    month = _require_campaign_month(campaign, month)
    report, created = MonthlyReport.objects.get_or_create(campaign=campaign, unit=unit, month=month)
    if created:
        _fill_lines(report)
        log_action("reports.report.created", actor=actor, obj=report, unit=unit, data={"month": month.isoformat()})
    return report


def _require_editable(report: MonthlyReport, now: datetime.datetime) -> None:
    if report.status not in {Status.DRAFT, Status.RETURNED}:
        raise ValidationError(_("Only a draft or a returned report can be changed."))
    if report_is_locked(report, report.campaign, now):
        raise ValidationError(_("This report is locked. Ask the coordinator to reopen it."))


@transaction.atomic
def report_refill(*, actor: Any, report: MonthlyReport, now: datetime.datetime | None = None) -> None:
    """Replace the report's totals with the activity log's again: every line follows the log from now on."""
    _require_editable(report, now or timezone.now())
    _fill_lines(report)
    log_action("reports.report.refilled", actor=actor, obj=report, unit=report.unit)


@dataclass(frozen=True)
class LineInput:
    """A line as a person sent it. ``changed``: they altered the figures shown (a page sends False when not)."""

    form: CommunicationForm
    medium: Medium | None
    count: int
    people_reached: int | None = None
    changed: bool = True


@transaction.atomic
def report_save(
    *,
    actor: Any,
    report: MonthlyReport,
    lines: list[LineInput],
    comment: str,
    other_results: str,
    now: datetime.datetime | None = None,
) -> MonthlyReport:
    """Correct the totals, the comment and the other results of a draft or returned report."""
    _require_editable(report, now or timezone.now())
    for line in lines:
        if line.form.campaign_id != report.campaign_id or (
            line.medium and line.medium.campaign_id != report.campaign_id
        ):
            raise ValidationError(_("A form or medium of another campaign was given."))
        if line.count < 0 or (line.people_reached is not None and line.people_reached < 0):
            raise ValidationError(_("Counts cannot be negative."))
    # A line stays edited once a person changed it, until they take the log's
    # figures again; a line nobody changed keeps following the log.
    kept = {(line.form_id, line.medium_id): line for line in report.lines.filter(edited=True)}
    given = {(line.form.pk, line.medium.pk if line.medium else None): line for line in lines}
    report.lines.all().delete()
    ReportLine.objects.bulk_create(
        [
            ReportLine(
                report=report,
                form=line.form,
                medium=line.medium,
                count=line.count,
                people_reached=line.people_reached,
                edited=True,
            )
            for key, line in given.items()
            if line.changed or key in kept
        ]
        + [
            ReportLine(
                report=report,
                form_id=key[0],
                medium_id=key[1],
                count=line.count,
                people_reached=line.people_reached,
                edited=True,
            )
            for key, line in kept.items()
            if key not in given
        ]
    )
    _follow_log(report)
    report.comment, report.other_results = comment.strip(), other_results.strip()
    report.save(update_fields=["comment", "other_results", "updated_at"])
    log_action(
        "reports.report.saved",
        actor=actor,
        obj=report,
        unit=report.unit,
        data={"lines": sum(1 for line in lines if line.count)},
    )
    return report


class ReportNeedsConfirmation(ValidationError):
    """The figures raise warnings the reporter has not confirmed (or confirmed for other figures)."""

    def __init__(self, warnings: list[FigureWarning]) -> None:
        super().__init__(_("Some figures look unusual. Correct them, or confirm that they are right and submit again."))
        self.warnings = warnings


def report_submission_check(report: MonthlyReport, now: datetime.datetime) -> None:
    """Refuse a month's report before the campaign's submission day: it must tell the whole month."""
    opens = report.campaign.submission_opens(report.month)
    if now < opens:
        raise ValidationError(
            _("The report for %(month)s can be submitted from %(day)s, when the month's work is all in.")
            % {"month": report.month.strftime("%m/%Y"), "day": opens.strftime("%d/%m/%Y")}
        )


@transaction.atomic
def report_submit(
    *, actor: Any, report: MonthlyReport, now: datetime.datetime | None = None, confirmed: str = ""
) -> MonthlyReport:
    """Submit the report; after the deadline it is accepted but marked late.

    The untouched lines take the log's totals as they are now (the submitted
    report is a snapshot). Figures that raise a warning need ``confirmed`` to
    be the fingerprint of exactly those warnings (selectors.warnings_fingerprint).
    """
    now = now or timezone.now()
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    if report.status == Status.SUBMITTED:
        return report  # A double click or a retried request changes nothing.
    _require_editable(report, now)
    report_submission_check(report, now)
    _follow_log(report)
    warnings = report_warnings(report, report_rows(report, list(report.lines.all())))
    if warnings and confirmed != warnings_fingerprint(warnings):
        raise ReportNeedsConfirmation(warnings)
    report.status = Status.SUBMITTED
    report.submitted_at = now
    report.submitted_by = actor
    report.late = now >= report.campaign.deadline(report.month)
    report.save(update_fields=["status", "submitted_at", "submitted_by", "late", "updated_at"])
    log_action(
        "reports.report.submitted",
        actor=actor,
        obj=report,
        unit=report.unit,
        data={"late": report.late, "warnings_confirmed": [w.key for w in warnings]},
    )
    return report


@transaction.atomic
def report_line_follow_log(
    *,
    actor: Any,
    report: MonthlyReport,
    form: CommunicationForm,
    medium: Medium | None,
    now: datetime.datetime | None = None,
) -> None:
    """Take the log's figures for one line the reporter had edited; the line follows the log again."""
    _require_editable(report, now or timezone.now())
    line = report.lines.filter(form=form, medium=medium, edited=True).first()
    if line is None:
        return  # Already following: nothing to take.
    total = log_totals(report.campaign, report.unit, report.month).get(
        (form.pk, medium.pk if medium else None), LogTotal(0, None)
    )
    log_action(
        "reports.report.line_followed",
        actor=actor,
        obj=report,
        unit=report.unit,
        data={
            "form": form.code,
            "medium": medium.pk if medium else None,
            "was": [line.count, line.people_reached],
            "now": [total.count, total.people_reached],
        },
    )
    line.count, line.people_reached, line.edited = total.count, total.people_reached, False
    line.save(update_fields=["count", "people_reached", "edited"])


@transaction.atomic
def report_return(
    *, actor: Any, report: MonthlyReport, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    """Send a submitted report back to its unit with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is returned.")})
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be returned."))
    now = now or timezone.now()
    report.status = Status.RETURNED
    report.return_reason = reason.strip()
    report.reviewed_at, report.reviewed_by = now, actor
    # The unit must be able to correct it even if the lock time has passed.
    report.reopened_until = max(now, report.campaign.lock_time(report.month)) + datetime.timedelta(
        days=max(report.campaign.lock_days, 1)
    )
    report.save(update_fields=["status", "return_reason", "reviewed_at", "reviewed_by", "reopened_until", "updated_at"])
    log_action(
        "reports.report.returned", actor=actor, obj=report, unit=report.unit, data={"reason": report.return_reason}
    )
    return report


@transaction.atomic
def report_accept(*, actor: Any, report: MonthlyReport, now: datetime.datetime | None = None) -> MonthlyReport:
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status == Status.ACCEPTED:
        return report
    if report.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be accepted."))
    report.status = Status.ACCEPTED
    report.reviewed_at, report.reviewed_by = now or timezone.now(), actor
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    log_action("reports.report.accepted", actor=actor, obj=report, unit=report.unit)
    return report


@transaction.atomic
def report_reopen(
    *, actor: Any, report: MonthlyReport, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    """Reopen a locked draft (or an accepted report) for correction: the coordinator only, with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is reopened.")})
    now = now or timezone.now()
    report = MonthlyReport.objects.select_for_update().select_related("campaign").get(pk=report.pk)
    if report.status == Status.SUBMITTED:
        raise PermissionDenied
    report.status = Status.RETURNED if report.status == Status.ACCEPTED else report.status
    report.return_reason = reason.strip()
    report.reopened_until = now + datetime.timedelta(days=max(report.campaign.lock_days, 1))
    report.save(update_fields=["status", "return_reason", "reopened_until", "updated_at"])
    log_action(
        "reports.report.reopened", actor=actor, obj=report, unit=report.unit, data={"reason": report.return_reason}
    )
    return report


@transaction.atomic
def aggregate_export_record(*, actor: Any, campaign: Campaign, month: str, fmt: str, cumulative: bool) -> None:
    """Log a download of the aggregated report. A GET: the log of who looked is its one write."""
    log_action(
        "reports.aggregate.exported",
        actor=actor,
        obj=campaign,
        unit=campaign.area,
        data={"month": month, "format": fmt, "cumulative": cumulative},
    )
