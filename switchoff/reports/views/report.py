"""A unit's monthly report: the page (it follows the log until a figure is edited), submitting it, the
coordinator's review (accept, return, reopen: each asks once), and the unit asking for it back."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.lib.months import parse_month
from switchoff.lib.text import is_id
from switchoff.people.access import access_campaign, access_reporting_unit, can
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.reports import services
from switchoff.reports.deadlines import due, report_is_locked
from switchoff.reports.forms import ReasonForm, SubmitForm
from switchoff.reports.models import MonthlyReport, ReportLine
from switchoff.reports.selectors import (
    ReportRow,
    report_follows_log,
    report_rows,
    report_warnings,
    totals_by_count_unit,
    warnings_fingerprint,
)
from switchoff.reports.views.common import access_reports_campaign, reviews_unit, user_of


def _report_context(report: MonthlyReport, user: User, report_lines: list[ReportLine]) -> dict[str, Any]:
    campaign = report.campaign
    now = timezone.now()
    rows = report_rows(report, report_lines)
    locked = report_is_locked(report, campaign, now)
    can_report = can(user, Perm.REPORT, report.unit)
    editable = report_follows_log(report) and not locked and can_report
    warnings = report_warnings(report, rows) if editable else []
    opens = campaign.submission_opens(report.month)
    return {
        "report": report,
        "campaign": campaign,
        "rows": rows,
        "totals": totals_by_count_unit([(r.form, r.count) for r in rows]),
        "differing": [r for r in rows if r.differs] if editable else [],
        "warnings": warnings,
        "fingerprint": warnings_fingerprint(warnings) if warnings else "",
        "editable": editable,
        "can_submit_yet": now >= opens,
        "submission_opens": opens,
        "can_review": reviews_unit(user, campaign, report.unit),
        "deadline_text": campaign.deadline_text(report.month),
        "due": due(campaign, report.month, now),
        "locked": locked,
        "reason_form": ReasonForm(),
        # The unit's people may ask the coordinator to return a report they can no longer change.
        "can_ask_return": can_report
        and report.status in {MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED}
        and services.acts_for_unit(user, report.unit),
    }


def _whole_or_none(raw: str | None, what: str) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not is_id(text):
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
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id)
    parsed = parse_month(month)
    if parsed is None:
        raise Http404
    report = (
        MonthlyReport.objects.filter(campaign=campaign, unit=unit, month=parsed)
        .select_related("campaign", "submitted_by", "reviewed_by", "return_requested_by")
        .first()
    )
    if report is None and not can(user, Perm.REPORT, unit):
        # Someone above the unit looks at a report that was never started.
        return render(request, "reports/report_missing.html", {"campaign": campaign, "unit": unit, "month": parsed})
    if request.method == "POST":
        if not can(user, Perm.REPORT, unit):
            return HttpResponse(status=403)
        action = request.POST.get("action", "save")
        if action == "submit" or action.startswith("confirm:"):
            # Too early to submit: refused before anything is written, so no draft is left behind.
            try:
                services.report_submission_check(
                    report or MonthlyReport(campaign=campaign, month=parsed), timezone.now()
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=f"{parsed:%Y-%m}")
        if report is None:
            # The report is created by the first save or submit, never by looking at it.
            try:
                report = services.report_open(actor=user, campaign=campaign, unit=unit, month=parsed)
            except ValidationError:
                raise Http404 from None
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


def _confirm_context(
    report: MonthlyReport,
    action: str,
    now: datetime.datetime,
    user: User | None = None,
    data: Any = None,
) -> dict[str, Any]:
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
            _("Its figures will count in the official aggregated report, and the unit can no longer change it."),
            _("Only a reopening, with a reason, lets the unit change it again."),
            _("The unit's reporters are told."),
        ],
        "return": [
            _("You are about to return the report of %(unit)s for %(month)s to the unit for correction.") % values,
            _("Its reporters are told, see your reason, correct the report and submit it again."),
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
    submit_form = None
    if action == "submit":
        submit_form = SubmitForm(data)
        # The statement of an empty month is asked only of an empty report; the reason, only of someone
        # who is not one of the unit's own reporters.
        if lines:
            del submit_form.fields["no_activity"]
        if user is not None and services.acts_for_unit(user, report.unit):
            del submit_form.fields["on_behalf_reason"]
        if data is not None:
            submit_form.is_valid()
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
        "submit_form": submit_form,
        "on_behalf": submit_form is not None and "on_behalf_reason" in submit_form.fields,
    }


@login_required
def report_submit_confirm(request: HttpRequest, campaign_id: int, unit_id: int, month: str) -> HttpResponse:
    """Submitting asks once: the page says what will happen, asks what an empty report or a coordinator
    acting for the unit must say, and its button submits."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    report = get_object_or_404(
        MonthlyReport.objects.select_related("campaign", "unit"), campaign=campaign, unit=unit, month=parse_month(month)
    )
    if request.method == "POST":
        data = SubmitForm(request.POST)
        data.is_valid()
        try:
            report = services.report_submit(
                actor=user,
                report=report,
                confirmed=request.POST.get("confirmed", ""),
                no_activity=bool(data.cleaned_data.get("no_activity")),
                on_behalf_reason=data.cleaned_data.get("on_behalf_reason") or "",
            )
        except services.ReportNeedsConfirmation as exc:
            # The figures changed since the page was shown: show the warnings again.
            messages.warning(request, " ".join(exc.messages))
            return redirect("reports:submit", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                # What the page asks for (the statement, the reason): shown again beside its field.
                context = _confirm_context(report, "submit", timezone.now(), user, request.POST)
                for field, errors in exc.message_dict.items():
                    form = context["submit_form"]
                    form.add_error(field if field in form.fields else None, errors)
                return render(request, "reports/confirm.html", context, status=422)
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The report was submitted late.") if report.late else _("The report was submitted on time."),
            )
        return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
    if report.status not in {MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED}:
        return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
    return render(request, "reports/confirm.html", _confirm_context(report, "submit", timezone.now(), user))


@login_required
def report_review(request: HttpRequest, campaign_id: int, unit_id: int, month: str, action: str) -> HttpResponse:
    """The coordinator accepts, returns (with a reason) or reopens (with a reason) a report.

    A GET says what the action will do and asks once; the POST does it.
    """
    user = user_of(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.REVIEW)
    unit = access_reporting_unit(user, campaign, unit_id)
    if action not in REVIEW_ACTIONS:
        raise Http404
    if not reviews_unit(user, campaign, unit):
        raise PermissionDenied
    report = get_object_or_404(
        MonthlyReport.objects.select_related("campaign", "unit"), campaign=campaign, unit=unit, month=parse_month(month)
    )
    if request.method != "POST":
        return render(request, "reports/confirm.html", _confirm_context(report, action, timezone.now(), user))
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
@require_POST
def report_ask_return(request: HttpRequest, campaign_id: int, unit_id: int, month: str) -> HttpResponse:
    """The unit asks the coordinator to return its submitted (or accepted) report, saying why."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    report = get_object_or_404(
        MonthlyReport.objects.select_related("campaign", "unit"), campaign=campaign, unit=unit, month=parse_month(month)
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the report should be returned."))
    else:
        try:
            services.report_return_request(actor=user, report=report, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The coordinator was asked to return the report."))
    return redirect("reports:report", campaign_id=campaign.pk, unit_id=unit.pk, month=month)
