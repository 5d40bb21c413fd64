"""Writes of the monthly report and its workflow.

draft → submitted → accepted, or submitted → returned (with a reason) → submitted
again. Submitting after the deadline is allowed and marked late. After the lock
time (deadline + the campaign's lock days) only the coordinator can reopen a
report, with a logged reason. The coordinator alone submits on a unit's behalf,
with a reason; an empty report is submitted only with the unit's statement that it
did nothing that month. Returning, accepting and reopening tell the unit's people
(``notify``); a unit may ask the coordinator to return its submitted report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.months import first_of_month
from switchoff.people.access import can
from switchoff.people.models import Membership, User
from switchoff.people.roles import PERMISSIONS, Perm, Role
from switchoff.reports.counts import count_report_state, report_state
from switchoff.reports.deadlines import report_is_locked
from switchoff.reports.levels import (
    is_level_report,
    is_level_unit,
    level_coverage,
    level_deadline,
    level_totals,
)
from switchoff.reports.models import MonthlyReport, ReportLine
from switchoff.reports.notify import coordinators_of, notify, reporters_of
from switchoff.reports.selectors import (
    FigureWarning,
    LogTotal,
    log_totals,
    report_rows,
    report_warnings,
    warnings_fingerprint,
)
from switchoff.units.models import Unit

Status = MonthlyReport.Status

RETURNED_TEXT = gettext_lazy("The report of %(unit)s for %(month)s was returned by %(who)s: %(reason)s")
ACCEPTED_TEXT = gettext_lazy("The report of %(unit)s for %(month)s was accepted by %(who)s.")
REOPENED_TEXT = gettext_lazy("The report of %(unit)s for %(month)s was reopened by %(who)s: %(reason)s")
ON_BEHALF_TEXT = gettext_lazy("%(who)s submitted the report of %(unit)s for %(month)s on the unit's behalf: %(reason)s")
RETURN_ASKED_TEXT = gettext_lazy("%(who)s asks to have the report of %(unit)s for %(month)s returned: %(reason)s")
LEVEL_SUBMITTED_TEXT = gettext_lazy("%(who)s submitted the report of %(unit)s for %(month)s to the country.")


def _line(report: MonthlyReport, key: tuple[int, int | None], total: LogTotal, *, edited: bool = False) -> ReportLine:
    return ReportLine(
        report=report,
        form_id=key[0],
        medium_id=key[1],
        count=total.count,
        people_reached=total.people_reached,
        people_covers=total.covers,
        edited=edited,
    )


def _fill_lines(report: MonthlyReport) -> None:
    """Every line from the activity log, following it (nobody's edit kept)."""
    report.lines.all().delete()
    ReportLine.objects.bulk_create(
        [_line(report, key, total) for key, total in log_totals(report.campaign, report.unit, report.month).items()]
    )


def _follow_log(report: MonthlyReport) -> None:
    """Write the log's current totals into the lines nobody edited (the edited ones stay)."""
    edited = set(report.lines.filter(edited=True).values_list("form_id", "medium_id"))
    report.lines.filter(edited=False).delete()
    ReportLine.objects.bulk_create(
        [
            _line(report, key, total)
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


def _covers(line: LineInput) -> int:
    return line.count if line.people_reached is not None else 0


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
            # A figure of people typed for a line speaks for the whole line.
            _line(report, key, LogTotal(line.count, line.people_reached, _covers(line)), edited=True)
            for key, line in given.items()
            if line.changed or key in kept
        ]
        + [
            _line(report, key, LogTotal(line.count, line.people_reached, line.people_covers), edited=True)
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


def acts_for_unit(user: User, unit: Unit) -> bool:
    """Whether ``user`` reports as one of ``unit``'s own people (a role that logs activities, held on the unit)."""
    roles = Membership.objects.filter(user_id=user.pk, unit_id=unit.pk).values_list("role", flat=True)
    return any(Perm.REPORT in PERMISSIONS.get(role, frozenset()) for role in roles)  # type: ignore[call-overload]


def _report_values(report: MonthlyReport, actor: Any, reason: str = "") -> dict[str, object]:
    who = (getattr(actor, "full_name", "") or str(actor)) if actor is not None else ""
    return {"unit": report.unit.name, "month": report.month.strftime("%m/%Y"), "who": who, "reason": reason}


def _report_url(report: MonthlyReport) -> str:
    if is_level_report(report):  # A province's report is read and reviewed on the country's completeness page.
        return reverse("reports:completeness", args=[report.campaign_id]) + f"?month={report.month:%Y-%m}"
    return reverse("reports:report", args=[report.campaign_id, report.unit_id, f"{report.month:%Y-%m}"])


def _tell_unit(report: MonthlyReport, message: Any, actor: Any, reason: str = "") -> None:
    """Tell the unit's people what happened to their report (the actor is not told of their own act).

    A province's report to the country is its coordinators': they hear of it.
    """
    if is_level_report(report):
        people = [
            m.user
            for m in Membership.objects.filter(
                unit_id=report.unit_id, role=Role.COORDINATOR, user__is_active=True
            ).select_related("user")
        ]
    else:
        people = reporters_of([report.unit]).get(report.unit_id, [])
    notify(
        people,
        message,
        _report_values(report, actor, reason),
        url=_report_url(report),
        month=report.month,
        exclude=actor if isinstance(actor, User) else None,
    )


def _mark_submitted(
    report: MonthlyReport,
    actor: Any,
    now: datetime.datetime,
    *,
    late: bool,
    no_activity: bool,
    on_behalf_reason: str = "",
) -> None:
    """The report marked submitted by ``actor`` at ``now`` (a unit's or a province's), any return request cleared."""
    report.status = Status.SUBMITTED
    report.submitted_at, report.submitted_by = now, actor
    report.late, report.no_activity, report.on_behalf_reason = late, no_activity, on_behalf_reason
    report.return_requested_at, report.return_request_reason, report.return_requested_by = None, "", None
    report.save(
        update_fields=[
            "status", "submitted_at", "submitted_by", "late", "no_activity", "on_behalf_reason",
            "return_requested_at", "return_request_reason", "return_requested_by", "updated_at",
        ]
    )  # fmt: skip


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    report: MonthlyReport,
    now: datetime.datetime | None = None,
    confirmed: str = "",
    no_activity: bool = False,
    on_behalf_reason: str = "",
) -> MonthlyReport:
    """Submit the report; after the deadline it is accepted but marked late.

    The untouched lines take the log's totals as they are now (the submitted
    report is a snapshot). Figures that raise a warning need ``confirmed`` to
    be the fingerprint of exactly those warnings (selectors.warnings_fingerprint).
    A report without a figure needs ``no_activity``: the unit's statement that it
    did nothing that month. Someone who is not one of the unit's own reporters
    submits on its behalf: only a coordinator (``reports.review`` over the unit),
    with ``on_behalf_reason``; the unit's people are told.
    """
    now = now or timezone.now()
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    before = report_state(report)
    if report.status == Status.SUBMITTED:
        return report  # A double click or a retried request changes nothing.
    if is_level_report(report):
        raise ValidationError(_("A province's report to the country is its accepted units' sum: submit it as such."))
    _require_editable(report, now)
    report_submission_check(report, now)
    on_behalf = isinstance(actor, User) and not acts_for_unit(actor, report.unit)
    reason = on_behalf_reason.strip() if on_behalf else ""
    if on_behalf and not can(actor, Perm.REVIEW, report.unit):
        raise PermissionDenied(_("Only the coordinator may submit a report on a unit's behalf."))
    if on_behalf and not reason:
        raise ValidationError(
            {"on_behalf_reason": _("You are not one of this unit's reporters: say why you submit it on its behalf.")}
        )
    _follow_log(report)
    rows = report_rows(report, list(report.lines.all()))
    empty = not any(row.count for row in rows)
    if empty and not no_activity:
        raise ValidationError(
            {
                "no_activity": _(
                    "The report has no figure. If the unit carried out no activity in %(month)s, say so explicitly."
                )
                % {"month": report.month.strftime("%m/%Y")}
            }
        )
    if no_activity and not empty:
        raise ValidationError(
            {"no_activity": _("The report has figures: it cannot also say that there was no activity.")}
        )
    warnings = report_warnings(report, rows)
    if warnings and confirmed != warnings_fingerprint(warnings):
        raise ReportNeedsConfirmation(warnings)
    _mark_submitted(report, actor, now, late=now >= report.campaign.deadline(report.month), no_activity=no_activity,
                    on_behalf_reason=reason)  # fmt: skip
    count_report_state(report, before)
    log_action(
        "reports.report.submitted",
        actor=actor,
        obj=report,
        unit=report.unit,
        data={
            "late": report.late,
            "warnings_confirmed": [w.key for w in warnings],
            "no_activity": no_activity,
            "on_behalf": reason,
        },
    )
    if on_behalf:
        _tell_unit(report, ON_BEHALF_TEXT, actor, reason)
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
        (form.pk, medium.pk if medium else None), LogTotal(0, None, 0)
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
    line.count, line.people_reached, line.people_covers = total.count, total.people_reached, total.covers
    line.edited = False
    line.save(update_fields=["count", "people_reached", "people_covers", "edited"])


def _require_level_reviewer(actor: Any, report: MonthlyReport) -> None:
    """A province's report is reviewed by the level above (the country), never by the province itself."""
    if isinstance(actor, User) and is_level_report(report) and not can(actor, Perm.REVIEW, report.campaign.area):
        raise PermissionDenied(_("Only the country's coordinator reviews a province's report."))


@transaction.atomic
def report_return(
    *, actor: Any, report: MonthlyReport, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    """Send a submitted report back to its unit with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is returned.")})
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    before = report_state(report)
    _require_level_reviewer(actor, report)
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
    report.return_requested_at, report.return_request_reason, report.return_requested_by = None, "", None
    report.save(
        update_fields=[
            "status",
            "return_reason",
            "reviewed_at",
            "reviewed_by",
            "reopened_until",
            "return_requested_at",
            "return_request_reason",
            "return_requested_by",
            "updated_at",
        ]
    )
    count_report_state(report, before)
    log_action(
        "reports.report.returned", actor=actor, obj=report, unit=report.unit, data={"reason": report.return_reason}
    )
    _tell_unit(report, RETURNED_TEXT, actor, report.return_reason)
    return report


@transaction.atomic
def report_accept(*, actor: Any, report: MonthlyReport, now: datetime.datetime | None = None) -> MonthlyReport:
    """Accept a submitted report: it counts in the official aggregate; the unit's people are told."""
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    before = report_state(report)
    if report.status == Status.ACCEPTED:
        return report
    _require_level_reviewer(actor, report)
    if report.status != Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be accepted."))
    report.status = Status.ACCEPTED
    report.reviewed_at, report.reviewed_by = now or timezone.now(), actor
    report.return_requested_at, report.return_request_reason, report.return_requested_by = None, "", None
    report.save(
        update_fields=[
            "status",
            "reviewed_at",
            "reviewed_by",
            "return_requested_at",
            "return_request_reason",
            "return_requested_by",
            "updated_at",
        ]
    )
    count_report_state(report, before)
    log_action("reports.report.accepted", actor=actor, obj=report, unit=report.unit)
    _tell_unit(report, ACCEPTED_TEXT, actor)
    return report


@dataclass
class AcceptedMany:
    accepted: int = 0
    # Reports that were not (or no longer) waiting for review: returned meanwhile, already accepted.
    skipped: int = 0


@transaction.atomic
def reports_accept_many(
    *, actor: Any, reports: list[MonthlyReport], now: datetime.datetime | None = None
) -> AcceptedMany:
    """Accept several submitted reports at once (the completeness page's ticked ones), each as one accept."""
    result = AcceptedMany()
    for report in reports:
        if report.status != Status.SUBMITTED:
            result.skipped += 1
            continue
        locked = MonthlyReport.objects.select_for_update().filter(pk=report.pk, status=Status.SUBMITTED).first()
        if locked is None:
            result.skipped += 1
            continue
        report_accept(actor=actor, report=locked, now=now)
        result.accepted += 1
    return result


@transaction.atomic
def report_return_request(
    *, actor: Any, report: MonthlyReport, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    """The unit asks the coordinator to return its submitted (or accepted) report, saying why; coordinators are told.

    Asking again with the same reason changes nothing.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report should be returned.")})
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    if report.status not in {Status.SUBMITTED, Status.ACCEPTED}:
        raise ValidationError(_("Only a submitted or accepted report can be asked back."))
    if report.return_requested_at is not None and report.return_request_reason == reason:
        return report
    report.return_requested_at, report.return_request_reason = now or timezone.now(), reason
    report.return_requested_by = actor
    report.save(update_fields=["return_requested_at", "return_request_reason", "return_requested_by", "updated_at"])
    log_action("reports.report.return_requested", actor=actor, obj=report, unit=report.unit, data={"reason": reason})
    notify(
        coordinators_of(report.campaign),
        RETURN_ASKED_TEXT,
        _report_values(report, actor, reason),
        url=_report_url(report),
        month=report.month,
        exclude=actor if isinstance(actor, User) else None,
    )
    return report


@transaction.atomic
def report_reopen(
    *, actor: Any, report: MonthlyReport, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    """Reopen a locked draft (or an accepted report) for correction: the coordinator only, with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is reopened.")})
    now = now or timezone.now()
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    before = report_state(report)
    _require_level_reviewer(actor, report)
    if report.status == Status.SUBMITTED:
        raise PermissionDenied
    report.status = Status.RETURNED if report.status == Status.ACCEPTED else report.status
    report.return_reason = reason.strip()
    report.reopened_until = now + datetime.timedelta(days=max(report.campaign.lock_days, 1))
    report.return_requested_at, report.return_request_reason, report.return_requested_by = None, "", None
    report.save(
        update_fields=[
            "status",
            "return_reason",
            "reopened_until",
            "return_requested_at",
            "return_request_reason",
            "return_requested_by",
            "updated_at",
        ]
    )
    count_report_state(report, before)
    log_action(
        "reports.report.reopened", actor=actor, obj=report, unit=report.unit, data={"reason": report.return_reason}
    )
    _tell_unit(report, REOPENED_TEXT, actor, report.return_reason)
    return report


@transaction.atomic
def level_report_submit(
    *, actor: Any, campaign: Campaign, unit: Unit, month: datetime.date, now: datetime.datetime | None = None
) -> MonthlyReport:
    """Submit a province's report of ``month`` to the country: the sum of its units' reports it accepted.

    The province's coordinator (``reports.review`` over the province, not over the country) submits it, once
    the month can be submitted and at least one of its units' reports is accepted; its lines are written from
    the accepted lines as they are now (a snapshot), and it is late from ``levels.level_deadline``. A draft or a report
    the country returned can be submitted (again); a submitted or accepted one is left as it is, so that a
    retried request changes nothing. The country's coordinators are told.
    """
    now = now or timezone.now()
    month = _require_campaign_month(campaign, month)
    if not is_level_unit(campaign, unit):
        raise ValidationError(_("%(unit)s does not report to the country in this campaign.") % {"unit": unit.name})
    # The country's reviewers never submit what they then review.
    if isinstance(actor, User) and (not can(actor, Perm.REVIEW, unit) or can(actor, Perm.REVIEW, campaign.area)):
        raise PermissionDenied(_("Only the province's coordinator submits its report to the country."))
    report, _created = MonthlyReport.objects.get_or_create(campaign=campaign, unit=unit, month=month)
    report = MonthlyReport.objects.select_for_update().select_related("campaign", "unit").get(pk=report.pk)
    if report.status in {Status.SUBMITTED, Status.ACCEPTED}:
        return report
    report_submission_check(report, now)
    accepted, assigned = level_coverage(campaign, unit, month)
    if not accepted:
        raise ValidationError(
            _("No report of %(unit)s's units for %(month)s is accepted yet: review them first.")
            % {"unit": unit.name, "month": month.strftime("%m/%Y")}
        )
    before = report_state(report)
    report.lines.all().delete()
    totals = level_totals(campaign, unit, month)
    ReportLine.objects.bulk_create([_line(report, key, total) for key, total in totals.items()])
    _mark_submitted(report, actor, now, late=now >= level_deadline(campaign, month),
                    no_activity=not any(total.count for total in totals.values()))  # fmt: skip
    count_report_state(report, before)
    log_action(
        "reports.level_report.submitted",
        actor=actor,
        obj=report,
        unit=unit,
        data={"month": month.isoformat(), "accepted": accepted, "assigned": assigned, "late": report.late},
    )
    notify(
        coordinators_of(campaign),
        LEVEL_SUBMITTED_TEXT,
        _report_values(report, actor),
        url=_report_url(report),
        month=report.month,
        exclude=actor if isinstance(actor, User) else None,
    )
    return report


@transaction.atomic
def aggregate_export_record(
    *, actor: Any, campaign: Campaign, month: str, fmt: str, cumulative: bool, unreviewed: bool = False
) -> None:
    """Log a download of the aggregated report. A GET: the log of who looked is its one write."""
    log_action(
        "reports.aggregate.exported",
        actor=actor,
        obj=campaign,
        unit=campaign.area,
        data={"month": month, "format": fmt, "cumulative": cumulative, "unreviewed": unreviewed},
    )
