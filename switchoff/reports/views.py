"""Report pages: the activity log, the bulk grid, the monthly report, completeness, downloads."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from openpyxl.utils import get_column_letter

from switchoff.campaigns.models import Campaign, CommunicationForm, Medium
from switchoff.lib.months import add_months, first_of_month, last_of_month, parse_month
from switchoff.lib.uploads import find_upload, store_upload
from switchoff.people.access import access_campaign, access_reporting_unit, can, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.reports import reminders, services
from switchoff.reports.aggregate import build_aggregate
from switchoff.reports.exports import aggregate_json, dhis2_adx, dhis2_data_value_set
from switchoff.reports.forms import ActivityForm, ReasonForm, SheetForm
from switchoff.reports.models import Activity, MonthlyReport, Reminder, ReportLine
from switchoff.reports.selectors import (
    ReportRow,
    UnitStatus,
    activity_places,
    completeness,
    due_text,
    report_follows_log,
    report_rows,
    report_warnings,
    totals_by_count_unit,
    warnings_fingerprint,
)
from switchoff.reports.spreadsheets import (
    FIELD_LABELS,
    FIELDS,
    ActivityMapping,
    ParsedSheet,
    mapping_headers,
    parse_activity_sheet,
)
from switchoff.reports.spreadsheets import activity_template as activity_template_xlsx
from switchoff.units.models import Unit, UnitKind

# Lazy: the labels are read in the language of each request, not of the first import.
STATUS_LABELS: dict[str, Promise] = {
    UnitStatus.NOT_STARTED: gettext_lazy("not started"),
    UnitStatus.DRAFT: gettext_lazy("draft"),
    UnitStatus.SUBMITTED: gettext_lazy("submitted on time"),
    UnitStatus.LATE: gettext_lazy("submitted late"),
    UnitStatus.RETURNED: gettext_lazy("returned"),
    UnitStatus.ACCEPTED: gettext_lazy("accepted"),
    UnitStatus.MISSING: gettext_lazy("missing"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _month(campaign: Campaign, text: str | None) -> datetime.date:
    month = parse_month(text or "") if text else None
    if month is None:
        month = first_of_month(timezone.localdate())
        # The report being prepared is usually last month's.
        month = add_months(month, -1)
    first, last = first_of_month(campaign.start_date), first_of_month(campaign.end_date)
    return min(max(month, first), last)


def _places(unit: Unit) -> list[Unit]:
    return list(activity_places(unit).order_by("depth", "search_name")[:500])


@login_required
def activities(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """The unit's activity log for a month, and the form to log one more."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id)
    month = _month(campaign, request.GET.get("month"))
    can_report = can(user, Perm.REPORT, unit)
    forms = list(campaign.forms.prefetch_related("media"))
    media = list(campaign.media.all())
    places = _places(unit)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        initial={"client_key": uuid.uuid4().hex, "date": min(timezone.localdate(), campaign.end_date)},
    )
    form.fields["form"].choices = [(f.pk, f"{f.shown_name} ({f.shown_count_unit})") for f in forms]  # type: ignore[attr-defined]
    form.fields["medium"].choices = [("", "—")] + [(m.pk, m.shown_name) for m in media]  # type: ignore[attr-defined]
    form.fields["place"].choices = [("", "—")] + [(p.pk, p.name) for p in places]  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_report:
            return HttpResponse(status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity, _created = services.activity_create(
                    actor=user,
                    campaign=campaign,
                    unit=unit,
                    day=data["date"],
                    form=next(f for f in forms if f.pk == data["form"]),
                    medium=next((m for m in media if m.pk == data["medium"]), None),
                    count=data["count"],
                    people_reached=data["people_reached"],
                    place=next((p for p in places if p.pk == data["place"]), None),
                    description=data["description"],
                    evidence_url=data["evidence_url"],
                    evidence_file=data["evidence_file"],
                    client_key=data["client_key"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The activity was logged."))
                url = reverse("reports:activities", args=[campaign.pk, unit.pk]) + f"?month={activity.date:%Y-%m}"
                return redirect(url)
    log = (
        Activity.objects.filter(campaign=campaign, unit=unit, date__gte=month, date__lte=last_of_month(month))
        .select_related("form", "medium", "place")
        .order_by("-date", "-pk")
    )
    context = {
        "campaign": campaign,
        "unit": unit,
        "month": month,
        "months": campaign.months(),
        "log": log,
        "form": form,
        "can_report": can_report,
        # Activities of a submitted month are part of that report: no deleting them.
        "month_open": not MonthlyReport.objects.filter(
            campaign=campaign,
            unit=unit,
            month=month,
            status__in=[MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED],
        ).exists(),
        # Never one sum over different units of count (broadcasts, articles, banners).
        "totals": totals_by_count_unit(
            [(a.form.shown_count_unit, a.count) for a in sorted(log, key=lambda a: (a.form.order, a.form_id))]
        ),
    }
    return render(request, "reports/activities.html", context)


@login_required
@require_POST
def activity_delete(request: HttpRequest, campaign_id: int, unit_id: int, activity_id: int) -> HttpResponse:
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    activity = get_object_or_404(Activity, pk=activity_id, campaign=campaign, unit=unit)
    try:
        services.activity_delete(actor=user, activity=activity)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("reports:activities", args=[campaign.pk, unit.pk]) + f"?month={activity.date:%Y-%m}")


@login_required
def activity_grid(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """The days × forms grid: each cell shows the day's total for the form, and changing it changes the log."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    month = _month(campaign, request.GET.get("month") or request.POST.get("month"))
    forms = list(campaign.forms.prefetch_related("media"))
    # By default the first forms of the catalogue and every form logged this month: the grid shows the log.
    logged_forms = set(
        Activity.objects.filter(campaign=campaign, unit=unit, date__gte=month, date__lte=last_of_month(month))
        .values_list("form_id", flat=True)
        .distinct()
    )
    chosen = [f for f in forms if str(f.pk) in request.GET.getlist("f")] or [
        f for index, f in enumerate(forms) if index < 4 or f.pk in logged_forms
    ]
    today = timezone.localdate()
    days = [
        month + datetime.timedelta(days=i)
        for i in range((last_of_month(month) - month).days + 1)
        if campaign.start_date <= month + datetime.timedelta(days=i) <= min(campaign.end_date, today)
    ]
    errors: list[str] = []
    if request.method == "POST":
        chosen = [f for f in forms if str(f.pk) in request.POST.getlist("f")]
        cells: dict[tuple[datetime.date, CommunicationForm], int | None] = {}
        for day in days:
            for form in chosen:
                name = f"c-{day:%Y%m%d}-{form.pk}"
                if name not in request.POST:
                    continue
                raw = request.POST.get(name, "").strip()
                # Only the cells the person changed: a cell left as shown leaves the log alone,
                # even if someone logged an activity of that day meanwhile.
                if raw == request.POST.get(f"o-{day:%Y%m%d}-{form.pk}", "").strip():
                    continue
                if raw and not raw.isdigit():
                    errors.append(
                        _("%(day)s, %(form)s: “%(value)s” is not a whole number.")
                        % {"day": day.strftime("%d/%m/%Y"), "form": form.shown_name, "value": raw}
                    )
                    continue
                cells[(day, form)] = int(raw) if raw and int(raw) > 0 else None
        medium_by_form: dict[int, Medium | None] = {f.pk: next(iter(f.media.all()), None) for f in chosen}
        if not errors:
            try:
                saved = services.activities_grid_save(
                    actor=user, campaign=campaign, unit=unit, medium_by_form=medium_by_form, cells=cells
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("The grid was saved: %(added)s activities added, %(changed)s changed, %(removed)s removed.")
                    % {"added": saved.added, "changed": saved.changed, "removed": saved.removed},
                )
                return redirect(reverse("reports:activities", args=[campaign.pk, unit.pk]) + f"?month={month:%Y-%m}")
    shown = services.grid_cells(campaign=campaign, unit=unit, days=days, forms=chosen)
    posted = request.POST if request.method == "POST" else None
    rows = []
    for day in days:
        row = []
        for form in chosen:
            cell = shown.get((day, form.pk), services.GridCell(0, 0))
            name = f"c-{day:%Y%m%d}-{form.pk}"
            logged = str(cell.total) if cell.total else ""
            row.append(
                {
                    "name": name,
                    "original": f"o-{day:%Y%m%d}-{form.pk}",
                    "logged": logged,
                    "value": posted.get(name, logged) if posted is not None else logged,
                    "single": cell.single,
                    "form": form,
                }
            )
        rows.append({"day": day, "cells": row})
    context = {
        "campaign": campaign,
        "unit": unit,
        "month": month,
        "forms": forms,
        "chosen": chosen,
        "rows": rows,
        "errors": errors,
    }
    return render(request, "reports/grid.html", context)


def _report_context(report: MonthlyReport, user: User, report_lines: list[ReportLine]) -> dict[str, Any]:
    campaign = report.campaign
    now = timezone.now()
    rows = report_rows(report, report_lines)
    locked = services.report_is_locked(report, campaign, now)
    editable = report_follows_log(report) and not locked and can(user, Perm.REPORT, report.unit)
    warnings = report_warnings(report, rows) if editable else []
    opens = campaign.submission_opens(report.month)
    return {
        "report": report,
        "campaign": campaign,
        "rows": rows,
        "totals": totals_by_count_unit([(r.form.shown_count_unit, r.count) for r in rows]),
        "differing": [r for r in rows if r.differs] if editable else [],
        "warnings": warnings,
        "fingerprint": warnings_fingerprint(warnings) if warnings else "",
        "editable": editable,
        "can_submit_yet": now >= opens,
        "submission_opens": opens,
        "can_review": can(user, Perm.REVIEW, campaign.area),
        "deadline_text": campaign.deadline_text(report.month),
        "due_text": due_text(campaign, report.month, now),
        "locked": locked,
        "reason_form": ReasonForm(),
    }


def _whole_or_none(raw: str | None, what: str) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(_("%(what)s: “%(value)s” is not a whole number.") % {"what": what, "value": text})
    return int(text)


def _posted_lines(request: HttpRequest, rows: list[ReportRow]) -> list[services.LineInput]:
    """The figures as sent; a line counts as changed when they differ from the figures the page showed."""
    lines = []
    for row in rows:
        if f"count-{row.key}" not in request.POST:
            continue
        what = f"{row.form.shown_name} / {row.medium or '—'}"
        count = _whole_or_none(request.POST.get(f"count-{row.key}"), what) or 0
        people = _whole_or_none(request.POST.get(f"people-{row.key}"), what)
        shown = (
            _whole_or_none(request.POST.get(f"shown-count-{row.key}"), what) or 0,
            _whole_or_none(request.POST.get(f"shown-people-{row.key}"), what),
        )
        changed = f"shown-count-{row.key}" not in request.POST or (count, people) != shown
        lines.append(
            services.LineInput(form=row.form, medium=row.medium, count=count, people_reached=people, changed=changed)
        )
    return lines


@login_required
def report_page(request: HttpRequest, campaign_id: int, unit_id: int, month: str) -> HttpResponse:
    """The unit's report for a month: it follows the log until a figure is edited; saved, submitted."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id)
    parsed = parse_month(month)
    if parsed is None:
        raise Http404
    report = MonthlyReport.objects.filter(campaign=campaign, unit=unit, month=parsed).select_related("campaign").first()
    if report is None and not can(user, Perm.REPORT, unit):
        # Someone above the unit looks at a report that was never started.
        return render(request, "reports/report_missing.html", {"campaign": campaign, "unit": unit, "month": parsed})
    if request.method == "POST":
        if not can(user, Perm.REPORT, unit):
            return HttpResponse(status=403)
        if report is None:
            # The report is created by the first save or submit, never by looking at it.
            try:
                report = services.report_open(actor=user, campaign=campaign, unit=unit, month=parsed)
            except ValidationError:
                raise Http404 from None
        action = request.POST.get("action", "save")
        try:
            if action == "refill":
                services.report_refill(actor=user, report=report)
            else:
                lines = _posted_lines(request, report_rows(report, list(report.lines.all())))
                services.report_save(
                    actor=user,
                    report=report,
                    lines=lines,
                    comment=request.POST.get("comment", ""),
                    other_results=request.POST.get("other_results", ""),
                )
                if action.startswith("follow:"):
                    line = next(
                        (x for x in lines if f"{x.form.pk}-{x.medium.pk if x.medium else 0}" == action[7:]), None
                    )
                    if line is not None:
                        services.report_line_follow_log(actor=user, report=report, form=line.form, medium=line.medium)
                    messages.success(request, _("The line now shows the activity log's figures."))
                elif action == "submit":
                    # The figures are saved; submitting asks once, on its own page (with any warnings to confirm),
                    # unless it is too early in the month to submit at all.
                    services.report_submission_check(report, timezone.now())
                    return redirect("reports:submit", campaign_id=campaign.pk, unit_id=unit.pk, month=f"{parsed:%Y-%m}")
                elif action.startswith("confirm:"):
                    report = services.report_submit(
                        actor=user, report=report, confirmed=action.removeprefix("confirm:")
                    )
                    messages.success(
                        request,
                        _("The report was submitted late.") if report.late else _("The report was submitted on time."),
                    )
                else:
                    messages.success(request, _("The report was saved."))
        except services.ReportNeedsConfirmation as exc:
            # The page lists the warnings with the button that confirms them.
            messages.warning(request, " ".join(exc.messages))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=f"{parsed:%Y-%m}")
    if report is None:
        try:
            report, shown = services.report_preview(campaign=campaign, unit=unit, month=parsed)
        except ValidationError:
            raise Http404 from None
    else:
        shown = list(report.lines.all())
    return render(request, "reports/report.html", _report_context(report, user, shown))


REVIEW_ACTIONS = {"accept", "return", "reopen"}


def _confirm_context(report: MonthlyReport, action: str, now: datetime.datetime) -> dict[str, Any]:
    """What the confirmation page of ``action`` shows: the report's figures and what will happen."""
    campaign = report.campaign
    values = {"unit": report.unit.name, "month": report.month.strftime("%m/%Y")}
    consequences: dict[str, list[str]] = {
        "submit": [
            _("You are about to submit the report of %(unit)s for %(month)s.") % values,
            _("Once submitted, its figures can no longer be changed, unless the coordinator returns it."),
            _("The coordinator of the campaign will review it and accept it or return it with a reason."),
            _("The deadline has passed: the report will be marked late.")
            if now >= campaign.deadline(report.month)
            else _("It is before the deadline: the report will count as on time."),
        ],
        "accept": [
            _("You are about to accept the report of %(unit)s for %(month)s.") % values,
            _("It will count in the aggregated report, and the unit can no longer change it."),
            _("Only a reopening, with a reason, lets the unit change it again."),
        ],
        "return": [
            _("You are about to return the report of %(unit)s for %(month)s to the unit for correction.") % values,
            _("Its reporters will see your reason, correct the report and submit it again."),
            _("Until then it no longer counts as received."),
        ],
        "reopen": [
            _("You are about to reopen the report of %(unit)s for %(month)s.") % values,
            _("The unit will be able to change it again for %(days)s days; it must then be submitted again.")
            % {"days": max(campaign.lock_days, 1)},
        ],
    }
    buttons = {
        "submit": _("Yes, submit the report"),
        "accept": _("Yes, accept the report"),
        "return": _("Yes, return the report"),
        "reopen": _("Yes, reopen the report"),
    }
    titles = {
        "submit": _("Submit the report?"),
        "accept": _("Accept the report?"),
        "return": _("Return the report?"),
        "reopen": _("Reopen the report?"),
    }
    warnings = []
    if action == "submit":
        # A draft shows the log's figures where nobody edited them, as submitting will store them.
        rows: list[Any] = report_rows(report, list(report.lines.select_related("form", "medium")))
        warnings = report_warnings(report, rows)
    else:
        rows = list(report.lines.select_related("form", "medium"))
    lines = [line for line in rows if line.count or line.people_reached]
    return {
        "warnings": warnings,
        "fingerprint": warnings_fingerprint(warnings) if warnings else "",
        "report": report,
        "campaign": campaign,
        "action": action,
        "title": titles[action],
        "consequences": consequences[action],
        "button": buttons[action],
        "lines": lines,
        "deadline_text": campaign.deadline_text(report.month),
        "reason_form": ReasonForm() if action in {"return", "reopen"} else None,
    }


@login_required
def report_submit_confirm(request: HttpRequest, campaign_id: int, unit_id: int, month: str) -> HttpResponse:
    """Submitting asks once: the page says what will happen, its button submits."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    report = get_object_or_404(
        MonthlyReport.objects.select_related("campaign", "unit"), campaign=campaign, unit=unit, month=parse_month(month)
    )
    if request.method == "POST":
        try:
            report = services.report_submit(actor=user, report=report, confirmed=request.POST.get("confirmed", ""))
        except services.ReportNeedsConfirmation as exc:
            # The figures changed since the page was shown: show the warnings again.
            messages.warning(request, " ".join(exc.messages))
            return redirect("reports:submit", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The report was submitted late.") if report.late else _("The report was submitted on time."),
            )
        return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
    if report.status not in {MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED}:
        return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
    return render(request, "reports/confirm.html", _confirm_context(report, "submit", timezone.now()))


@login_required
def report_review(request: HttpRequest, campaign_id: int, unit_id: int, month: str, action: str) -> HttpResponse:
    """The coordinator accepts, returns (with a reason) or reopens (with a reason) a report.

    A GET says what the action will do and asks once; the POST does it.
    """
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.REVIEW)
    unit = access_reporting_unit(user, campaign, unit_id)
    if action not in REVIEW_ACTIONS:
        raise Http404
    report = get_object_or_404(
        MonthlyReport.objects.select_related("campaign", "unit"), campaign=campaign, unit=unit, month=parse_month(month)
    )
    if request.method != "POST":
        return render(request, "reports/confirm.html", _confirm_context(report, action, timezone.now()))
    reason = request.POST.get("reason", "")
    try:
        if action == "accept":
            services.report_accept(actor=user, report=report)
            messages.success(request, _("The report was accepted."))
        elif action == "return":
            services.report_return(actor=user, report=report, reason=reason)
            messages.success(request, _("The report was returned to the unit."))
        else:
            services.report_reopen(actor=user, report=report, reason=reason)
            messages.success(request, _("The report was reopened."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=month)


@login_required
def completeness_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Each reporting unit's state for a month, the rates, and who to chase."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.REVIEW)
    month = _month(campaign, request.GET.get("month"))
    units = visible_units(user, Perm.REVIEW)
    kind = request.GET.get("kind", "")
    area = request.GET.get("area", "")
    if kind:
        units = units.filter(kind__code=kind)
    if area.isdigit():
        within = visible_units(user, Perm.REVIEW).filter(pk=int(area)).first()
        if within is not None:
            units = units.filter(rollup_path__startswith=within.rollup_path)
    now = timezone.now()
    result = completeness(campaign=campaign, month=month, now=now, units=units)
    # Rates count only months whose deadline has passed: a running month's
    # missing reports are not late yet.
    overall = [
        completeness(campaign=campaign, month=m, now=now, units=units)
        for m in campaign.months()
        if m <= month and now >= campaign.deadline(m)
    ]
    expected = sum(c.expected for c in overall)
    context = {
        "campaign": campaign,
        "month": month,
        "months": campaign.months(),
        "result": result,
        "labels": STATUS_LABELS,
        "overall_completeness": min(100.0, round(100.0 * sum(c.actual for c in overall) / expected, 1))
        if expected
        else 0.0,
        "overall_timeliness": min(100.0, round(100.0 * sum(c.on_time for c in overall) / expected, 1))
        if expected
        else 0.0,
        "kinds": UnitKind.objects.filter(pk__in=campaign.assignments.values("unit__kind")),
        "areas": visible_units(user, Perm.REVIEW)
        .current()
        .filter(rollup_path__startswith=campaign.area.rollup_path, kind__category__in=["province", "commune"])
        .order_by("depth", "search_name"),
        "kind": kind,
        "area": area,
        "deadline_text": campaign.deadline_text(month),
        "reminded_today": set(
            Reminder.objects.filter(
                campaign=campaign, month=month, kind=Reminder.Kind.BY_HAND, day=timezone.localdate(now)
            ).values_list("unit_id", flat=True)
        ),
        "due_text": due_text(campaign, month, now),
        "overall_months": len(overall),
    }
    return render(request, "reports/completeness.html", context)


@login_required
@require_POST
def completeness_remind(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Remind one unit (``unit``) or every unit whose report of the month is not in."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.REVIEW)
    month = _month(campaign, request.POST.get("month"))
    units = visible_units(user, Perm.REVIEW)
    chosen = request.POST.get("unit", "")
    if chosen:
        units = units.filter(pk=int(chosen)) if chosen.isdigit() else units.none()
    run = reminders.units_remind(actor=user, campaign=campaign, month=month, units=units)
    if run.reminded:
        messages.success(
            request,
            ngettext("%(n)s unit was reminded.", "%(n)s units were reminded.", run.reminded) % {"n": run.reminded},
        )
    else:
        messages.info(request, _("Nobody was reminded: the units were reminded today already, or their report is in."))
    return redirect(reverse("reports:completeness", args=[campaign.pk]) + f"?month={month:%Y-%m}")


@login_required
def aggregate_download(request: HttpRequest, campaign_id: int, month: str, fmt: str) -> HttpResponse:
    """The aggregated report as Word, Excel, JSON, DHIS2 dataValueSets JSON or ADX; every download is logged."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.REVIEW)
    parsed = parse_month(month)
    if parsed is None or fmt not in {"docx", "xlsx", "json", "dhis2.json", "adx.xml"}:
        raise Http404
    cumulative = request.GET.get("cumulative") == "1"
    units = visible_units(user, Perm.REVIEW)
    report = build_aggregate(campaign=campaign, month=parsed, cumulative=cumulative, units=units)
    services.aggregate_export_record(actor=user, campaign=campaign, month=month, fmt=fmt, cumulative=cumulative)
    name = f"bao-cao-{campaign.technology.lower()}-{parsed:%Y-%m}{'-luy-ke' if cumulative else ''}"
    # python-docx and openpyxl load only when a document is asked for.
    from switchoff.reports.documents import report_docx, report_xlsx

    content: bytes
    if fmt == "docx":
        content, mime = report_docx(report), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "xlsx":
        content, mime = report_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "json":
        content, mime = json.dumps(aggregate_json(report), ensure_ascii=False, indent=1).encode(), "application/json"
    elif fmt == "dhis2.json":
        values = dhis2_data_value_set(campaign=campaign, month=parsed, units=units)
        content, mime = json.dumps(values, ensure_ascii=False, indent=1).encode(), "application/json"
    else:
        content, mime = dhis2_adx(campaign=campaign, month=parsed, units=units), "application/adx+xml"
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _posted_mapping(request: HttpRequest) -> ActivityMapping | None:
    """The sheet, header row and columns the person chose on the preview page."""
    sheet, header = request.POST.get("sheet", ""), request.POST.get("header_row", "")
    if not sheet.isdigit() or not header.isdigit():
        return None
    columns = {
        name: int(request.POST[f"map-{name}"]) for name in FIELDS if request.POST.get(f"map-{name}", "").isdigit()
    }
    return ActivityMapping(sheet=int(sheet), header_row=int(header), columns=columns)


def _import_context(parsed: ParsedSheet) -> dict[str, Any]:
    mapping = parsed.mapping
    head = parsed.sheets[mapping.sheet].head if mapping and mapping.sheet < len(parsed.sheets) else []
    if not head and parsed.sheets:
        head = parsed.sheets[0].head
    width = max((len(row) for row in head), default=0)
    headers = mapping.headers if mapping else []
    return {
        "field_choices": [
            (name, FIELD_LABELS[name], (mapping.columns if mapping else {}).get(name)) for name in FIELDS
        ],
        "column_choices": [
            (index, f"{get_column_letter(index + 1)} — {headers[index] if index < len(headers) else ''}".rstrip(" —"))
            for index in range(width)
        ],
        "header_choices": [
            (index, f"{index + 1}: " + " | ".join(str(c) for c in row if c not in (None, ""))[:80])
            for index, row in enumerate(head[:25])
        ],
        "sheet_choices": [(index, sheet.name or "—") for index, sheet in enumerate(parsed.sheets)],
    }


@login_required
def activity_import(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """Import the unit's own sheet: columns found or chosen, every row checked and shown, logged on confirmation."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    form = SheetForm(request.POST or None, request.FILES or None)
    owner = campaign.pk * 1_000_000_000 + unit.pk
    upload_id = request.POST.get("upload_id", "")
    file_name = request.POST.get("file_name", "")[:255]
    parsed = None
    if request.method == "POST" and upload_id:
        stored = find_upload("activities", owner, upload_id)
        if stored is None:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect("reports:activity_import", campaign_id=campaign.pk, unit_id=unit.pk)
        parsed = parse_activity_sheet(
            stored.read_bytes(), file_name, campaign=campaign, unit=unit, mapping=_posted_mapping(request)
        )
        if "confirm" in request.POST and parsed.rows and parsed.mapping is not None and not parsed.mapping.missing():
            if str(len(parsed.rows)) != request.POST.get("expected", ""):
                # Between the check and the confirmation a month was submitted or locked, or the columns changed.
                messages.error(request, _("The rows to log have changed since the check. Check them again below."))
            else:
                created = services.activities_import(
                    actor=user,
                    campaign=campaign,
                    unit=unit,
                    rows=parsed.rows,
                    digest=parsed.digest,
                    headers=mapping_headers(parsed.mapping),
                    file_name=file_name,
                )
                stored.unlink(missing_ok=True)
                messages.success(request, _("%(n)s activities were logged.") % {"n": created})
                return redirect("reports:activities", campaign_id=campaign.pk, unit_id=unit.pk)
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        file_name = (upload.name or "")[:255]
        upload_id, stored = store_upload("activities", owner, upload)
        parsed = parse_activity_sheet(stored.read_bytes(), file_name, campaign=campaign, unit=unit)
    context = {
        "form": form,
        "campaign": campaign,
        "unit": unit,
        "parsed": parsed,
        "upload_id": upload_id,
        "file_name": file_name,
        "can_manage": can(user, Perm.MANAGE_CAMPAIGNS, campaign.area),
        **(_import_context(parsed) if parsed is not None else {}),
    }
    return render(request, "reports/import.html", context)


@login_required
def activity_template(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """An activity sheet to fill in, with the campaign's forms and media as drop-down lists."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    response = HttpResponse(
        activity_template_xlsx(campaign, unit),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-hoat-dong-{campaign.pk}.xlsx"'
    return response
