"""API for campaigns, the activity log, monthly reports, completeness and the aggregated report.

The same services and the same access path as the pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from switchoff.api.types import Count, Id
from switchoff.campaigns.models import Campaign
from switchoff.lib.months import parse_month
from switchoff.people.access import (
    access_campaign,
    access_reporting_unit,
    access_unit,
    visible_campaigns,
    visible_units,
)
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.reports import services
from switchoff.reports.aggregate import build_aggregate
from switchoff.reports.exports import aggregate_json, dhis2_data_value_set
from switchoff.reports.levels import is_level_unit, level_units
from switchoff.reports.models import Activity, MonthlyReport
from switchoff.reports.selectors import completeness, report_rows, warnings_fingerprint
from switchoff.reports.views.common import access_reports_campaign
from switchoff.units.models import Unit

router = Router()


class CampaignOut(Schema):
    id: int
    name: str
    technology: str
    area_id: int
    start_date: datetime.date
    end_date: datetime.date
    cutoff_date: datetime.date
    due_day: int
    deadline_inclusive: bool


class ActivityIn(Schema):
    client_key: str
    date: datetime.date
    form: str
    medium_id: Id | None = None
    count: Count
    people_reached: Count | None = None
    place_id: Id | None = None
    description: str = ""
    evidence_url: str = ""


class ActivityOut(Schema):
    id: int
    date: datetime.date
    form: str
    medium_id: int | None
    count: int
    people_reached: int | None
    place_id: int | None
    description: str


class LineOut(Schema):
    form: str
    medium_id: int | None
    count: int
    people_reached: int | None  # None: not reported


class ReportOut(Schema):
    id: int
    unit_id: int
    month: datetime.date
    status: str
    submitted_at: datetime.datetime | None
    late: bool
    comment: str
    other_results: str
    return_reason: str
    # Who submitted it, and why when a coordinator did so on the unit's behalf.
    submitted_by: str | None
    on_behalf_reason: str
    no_activity: bool
    lines: list[LineOut]


class StatusOut(Schema):
    unit_id: int
    unit_name: str
    status: str
    submitted_at: datetime.datetime | None


class ProvinceStatusOut(StatusOut):
    late: bool
    return_reason: str


class CompletenessOut(Schema):
    month: datetime.date
    expected: int
    actual: int
    on_time: int
    deadline: datetime.datetime
    # Rates are given once the month's deadline has passed: before it, a unit that has not reported yet is not late.
    completeness_rate: float | None
    timeliness_rate: float | None
    units: list[StatusOut]
    # A campaign over the country: the provinces' own reports to it, those the caller sees (empty otherwise).
    provinces: list[ProvinceStatusOut] = []


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _month(text: str) -> datetime.date:
    month = parse_month(text)
    if month is None:
        raise Http404
    return month


def _activity(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "date": a.date,
        "form": a.form.code,
        "medium_id": a.medium_id,
        "count": a.count,
        "people_reached": a.people_reached,
        "place_id": a.place_id,
        "description": a.description,
    }


def _report(r: MonthlyReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "unit_id": r.unit_id,
        "month": r.month,
        "status": r.status,
        "submitted_at": r.submitted_at,
        "late": r.late,
        "comment": r.comment,
        "other_results": r.other_results,
        "return_reason": r.return_reason,
        "submitted_by": r.submitted_by.username if r.submitted_by else None,
        "on_behalf_reason": r.on_behalf_reason,
        "no_activity": r.no_activity,
        # A draft's untouched lines are the log's totals, as on the page.
        "lines": [
            {
                "form": row.form.code,
                "medium_id": row.medium.pk if row.medium else None,
                "count": row.count,
                "people_reached": row.people_reached,
            }
            for row in report_rows(r, list(r.lines.all()))
            if row.count
        ],
    }


@router.get("/", response=list[CampaignOut], summary="Campaigns in the caller's area")
def list_campaigns(request: HttpRequest) -> list[Campaign]:
    return list(visible_campaigns(_user(request)))


@router.get(
    "/{campaign_id}/units/{unit_id}/activities", response=list[ActivityOut], summary="A unit's activity log for a month"
)
def list_activities(request: HttpRequest, campaign_id: Id, unit_id: Id, month: str) -> list[dict[str, Any]]:
    campaign = access_campaign(_user(request), campaign_id)
    unit = access_reporting_unit(_user(request), campaign, unit_id)
    first = _month(month)
    log = Activity.objects.filter(campaign=campaign, unit=unit, date__year=first.year, date__month=first.month)
    return [_activity(a) for a in log.select_related("form").order_by("date", "pk")]


@router.post(
    "/{campaign_id}/units/{unit_id}/activities",
    response={200: ActivityOut, 201: ActivityOut},
    summary="Log an activity (idempotent by client_key)",
)
def create_activity(request: HttpRequest, campaign_id: Id, unit_id: Id, payload: ActivityIn) -> Status[dict[str, Any]]:
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    # A reference that does not exist, or that the caller may not use, is refused naming the field:
    # never stored as null or as another row.
    form = campaign.forms.filter(code=payload.form).first()
    medium = campaign.media.filter(pk=payload.medium_id).first() if payload.medium_id is not None else None
    place = visible_units(user).filter(pk=payload.place_id).first() if payload.place_id is not None else None
    unknown: dict[str, str] = {}
    if form is None:
        unknown["form"] = _("This campaign has no form of communication with the code %(code)s.") % {
            "code": payload.form
        }
    if payload.medium_id is not None and medium is None:
        unknown["medium_id"] = _("This campaign has no medium %(id)s.") % {"id": payload.medium_id}
    if payload.place_id is not None and place is None:
        unknown["place_id"] = _("There is no unit %(id)s that you may see.") % {"id": payload.place_id}
    if unknown or form is None:
        raise ValidationError(unknown)
    try:
        services.refuse_counted_form(form)
        activity, created = services.activity_create(
            actor=user,
            campaign=campaign,
            unit=unit,
            day=payload.date,
            form=form,
            medium=medium,
            count=payload.count,
            people_reached=payload.people_reached,
            place=place,
            description=payload.description,
            evidence_url=payload.evidence_url,
            client_key=f"api:{user.pk}:{payload.client_key}"[:64],
            source=Activity.Source.API,
        )
    except ValidationError as exc:
        raise _api_fields(exc) from None
    return Status(201 if created else 200, _activity(activity))


# The service names the model's fields; the API's names for the same values.
_API_FIELDS = {"medium": "medium_id", "place": "place_id"}


def _api_fields(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({_API_FIELDS.get(field, field): errors for field, errors in exc.error_dict.items()})


def _open_report(
    request: HttpRequest, campaign_id: Id, unit_id: Id, month: str, perm: Perm
) -> tuple[Campaign, Unit, MonthlyReport]:
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, perm)
    report = services.report_open(actor=user, campaign=campaign, unit=unit, month=_month(month))
    return campaign, unit, report


@router.get("/{campaign_id}/units/{unit_id}/reports/{month}", response=ReportOut, summary="A unit's monthly report")
def get_report(request: HttpRequest, campaign_id: Id, unit_id: Id, month: str) -> dict[str, Any]:
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id)
    report = MonthlyReport.objects.filter(campaign=campaign, unit=unit, month=_month(month)).first()
    if report is None:
        raise Http404
    return _report(report)


@router.post(
    "/{campaign_id}/units/{unit_id}/reports/{month}/submit", response=ReportOut, summary="Submit a monthly report"
)
def submit_report(
    request: HttpRequest,
    campaign_id: Id,
    unit_id: Id,
    month: str,
    confirm: str = "",
    no_activity: bool = False,
    on_behalf_reason: str = "",
) -> dict[str, Any]:
    """Figures that raise warnings are refused (422, the warnings and their fingerprint) until ``confirm`` is it.

    A report without a figure needs ``no_activity=true``; a coordinator submitting for a unit that is not
    their own gives ``on_behalf_reason``.
    """
    _campaign, _unit, report = _open_report(request, campaign_id, unit_id, month, Perm.REPORT)
    try:
        submitted = services.report_submit(
            actor=_user(request),
            report=report,
            confirmed=confirm,
            no_activity=no_activity,
            on_behalf_reason=on_behalf_reason,
        )
    except services.ReportNeedsConfirmation as exc:
        raise ValidationError(
            " ".join(
                [
                    *exc.messages,
                    *(w.text for w in exc.warnings),
                    _("To confirm, send confirm=%(code)s.") % {"code": warnings_fingerprint(exc.warnings)},
                ]
            )
        ) from None
    return _report(submitted)


@router.post(
    "/{campaign_id}/provinces/{unit_id}/reports/{month}/submit",
    response=ReportOut,
    summary="Submit a province's report to the country",
)
def submit_level_report(request: HttpRequest, campaign_id: Id, unit_id: Id, month: str) -> dict[str, Any]:
    """The province's coordinator submits its report of ``month``: the sum of its units' reports it accepted."""
    user = _user(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.REVIEW)
    unit = access_unit(user, unit_id)
    if not is_level_unit(campaign, unit):
        raise Http404
    return _report(services.level_report_submit(actor=user, campaign=campaign, unit=unit, month=_month(month)))


@router.get("/{campaign_id}/completeness", response=CompletenessOut, summary="Completeness and timeliness for a month")
def get_completeness(request: HttpRequest, campaign_id: Id, month: str) -> dict[str, Any]:
    """The caller's units' reports; on a campaign over the country, also the provinces' reports to it."""
    user = _user(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.VIEW_REPORTS)
    now = timezone.now()
    visible = visible_units(user, Perm.VIEW_REPORTS)
    result = completeness(campaign=campaign, month=_month(month), now=now, units=visible)
    provinces = level_units(campaign, visible)
    levels = (
        completeness(campaign=campaign, month=_month(month), now=now, reporting=provinces).rows if provinces else []
    )
    deadline = result.deadline
    passed = result.deadline_passed
    return {
        "month": result.month,
        "expected": result.expected,
        "actual": result.actual,
        "on_time": result.on_time,
        "deadline": deadline,
        "completeness_rate": result.completeness_rate if passed else None,
        "timeliness_rate": result.timeliness_rate if passed else None,
        "units": [
            {
                "unit_id": r.unit.pk,
                "unit_name": r.unit.name,
                "status": r.status,
                "submitted_at": r.report.submitted_at if r.report else None,
            }
            for r in result.rows
        ],
        "provinces": [
            {
                "unit_id": r.unit.pk,
                "unit_name": r.unit.name,
                "status": r.status,
                "submitted_at": r.report.submitted_at if r.report else None,
                "late": r.late,
                "return_reason": r.report.return_reason if r.report and r.status == "returned" else "",
            }
            for r in levels
        ],
    }


@router.get("/{campaign_id}/aggregate/{month}", summary="The aggregated report as JSON")
def get_aggregate(
    request: HttpRequest, campaign_id: Id, month: str, cumulative: bool = False, unreviewed: bool = False
) -> dict[str, Any]:
    """Accepted reports only; ``unreviewed=true`` includes the submitted ones not yet reviewed (listed in
    ``unreviewed`` either way)."""
    user = _user(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.VIEW_REPORTS)
    report = build_aggregate(
        campaign=campaign,
        month=_month(month),
        cumulative=cumulative,
        units=visible_units(user, Perm.VIEW_REPORTS),
        include_submitted=unreviewed,
    )
    return aggregate_json(report)


@router.get("/{campaign_id}/aggregate/{month}/dhis2", summary="The month's values as a DHIS2 dataValueSets payload")
def get_dhis2(request: HttpRequest, campaign_id: Id, month: str, unreviewed: bool = False) -> dict[str, Any]:
    """Accepted reports only, as the aggregated report; ``unreviewed=true`` includes those not yet reviewed."""
    user = _user(request)
    campaign = access_reports_campaign(user, campaign_id, Perm.VIEW_REPORTS)
    return dhis2_data_value_set(
        campaign=campaign,
        month=_month(month),
        units=visible_units(user, Perm.VIEW_REPORTS),
        include_submitted=unreviewed,
    )
