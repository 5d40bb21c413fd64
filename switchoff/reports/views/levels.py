"""A province's report to the country: its coordinator submits it, the country's accepts or returns it.

Both are POSTs from the completeness page, where the provinces' reports are listed; the services check who may.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import parse_month
from switchoff.people.access import access_campaign, access_unit
from switchoff.people.roles import Perm
from switchoff.reports import services
from switchoff.reports.levels import is_level_unit
from switchoff.reports.models import MonthlyReport
from switchoff.reports.views.common import access_reports_campaign, user_of
from switchoff.units.models import Unit

LEVEL_ACTIONS = {"accept", "return"}


def _level_unit(request: HttpRequest, campaign: Campaign, unit_id: int) -> Unit:
    unit = access_unit(user_of(request), unit_id)
    if not is_level_unit(campaign, unit):
        raise Http404
    return unit


def _back(campaign: Campaign, month: str) -> HttpResponse:
    return redirect(reverse("reports:completeness", args=[campaign.pk]) + f"?month={month}")


@login_required
@require_POST
def level_submit(request: HttpRequest, campaign_id: int, unit_id: int, month: str) -> HttpResponse:
    """The province's coordinator submits the province's report of ``month`` to the country."""
    user = user_of(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.REVIEW)
    unit = _level_unit(request, campaign, unit_id)
    parsed = parse_month(month)
    if parsed is None:
        raise Http404
    try:
        report = services.level_report_submit(actor=user, campaign=campaign, unit=unit, month=parsed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = (
            _("The report of %(unit)s was submitted to the country late.")
            if report.late
            else _("The report of %(unit)s was submitted to the country on time.")
        )
        messages.success(request, text % {"unit": unit.name})
    return _back(campaign, f"{parsed:%Y-%m}")


@login_required
@require_POST
def level_review(request: HttpRequest, campaign_id: int, unit_id: int, month: str, action: str) -> HttpResponse:
    """The country's coordinator accepts a province's submitted report, or returns it with a reason."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id, Perm.REVIEW)  # the country's reviewers only
    if action not in LEVEL_ACTIONS:
        raise Http404
    unit = _level_unit(request, campaign, unit_id)
    report = get_object_or_404(
        MonthlyReport.objects.select_related("campaign", "unit"), campaign=campaign, unit=unit, month=parse_month(month)
    )
    try:
        if action == "accept":
            services.report_accept(actor=user, report=report)
            messages.success(request, _("The report of %(unit)s was accepted.") % {"unit": unit.name})
        else:
            services.report_return(actor=user, report=report, reason=request.POST.get("reason", ""))
            messages.success(request, _("The report of %(unit)s was returned to the province.") % {"unit": unit.name})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(campaign, f"{report.month:%Y-%m}")
