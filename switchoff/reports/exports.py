"""Machine-readable exports of the aggregated report: plain JSON and DHIS2 (dataValueSets JSON, ADX).

DHIS2 identifies data elements and org units by UID; switchoff does not know a
DHIS2 instance's UIDs, so it sends codes (the form's code, the unit's official
code) and the receiving instance imports with ``idScheme=CODE``. Media become
category option combos coded ``medium-<id>``.
"""

from __future__ import annotations

import dataclasses
import datetime
import xml.etree.ElementTree as ET
from typing import Any

from django.db.models import Sum

from switchoff.campaigns.models import Campaign
from switchoff.lib.months import first_of_month
from switchoff.reports.aggregate import AggregateReport
from switchoff.reports.models import MonthlyReport, ReportLine
from switchoff.units.models import UnitQuerySet

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"


def aggregate_json(report: AggregateReport) -> dict[str, Any]:
    data = dataclasses.asdict(report)
    for key in ("month_from", "month_to", "generated_on"):
        data[key] = data[key].isoformat()
    for result in [*data["other_results"], *data["unreviewed"]]:
        result["month"] = result["month"].isoformat()
    for key in ("late_months", "missing_months"):
        data[key] = {unit: [month.isoformat() for month in months] for unit, months in data[key].items()}
    # Never one total over different units of count (broadcasts, articles, banners).
    data["totals_by_count_unit"] = [
        {**dataclasses.asdict(t), "people_partial": t.people_partial} for t in report.totals_by_count_unit
    ]
    for total, line in zip(data["by_form_medium"], report.by_form_medium, strict=True):
        total["people_partial"] = line.people_partial
    return data


def _values(
    campaign: Campaign, month: datetime.date, units: UnitQuerySet, include_submitted: bool
) -> list[dict[str, Any]]:
    """Accepted reports only, as the aggregated report; with ``include_submitted``, those not yet reviewed too.

    Each reporting unit's own values: a province's report to the country (``levels``) is left out, since
    DHIS2 adds the units' values up its own tree and would count the province twice.
    """
    month = first_of_month(month)
    statuses = [MonthlyReport.Status.ACCEPTED] + ([MonthlyReport.Status.SUBMITTED] if include_submitted else [])
    reports = MonthlyReport.objects.filter(
        campaign=campaign,
        month=month,
        unit__in=units,
        status__in=statuses,
        unit_id__in=campaign.assignments.values("unit_id"),
    )
    rows = (
        ReportLine.objects.filter(report__in=reports)
        .values("report__unit__code", "report__unit_id", "form__code", "medium_id")
        .annotate(total=Sum("count"))
        .order_by("report__unit_id", "form__code", "medium_id")
    )
    return [dict(row) for row in rows]


def _org_unit(row: dict[str, Any]) -> str:
    return row["report__unit__code"] or f"switchoff-{row['report__unit_id']}"


def dhis2_data_value_set(
    *, campaign: Campaign, month: datetime.date, units: UnitQuerySet, include_submitted: bool = False
) -> dict[str, Any]:
    """A DHIS2 ``dataValueSets`` payload for one month (POST /api/dataValueSets?idScheme=CODE)."""
    period = f"{month:%Y%m}"
    return {
        "dataSet": f"switchoff-campaign-{campaign.pk}",
        "period": period,
        "dataValues": [
            {
                "dataElement": row["form__code"],
                "period": period,
                "orgUnit": _org_unit(row),
                "categoryOptionCombo": f"medium-{row['medium_id']}" if row["medium_id"] else "default",
                "value": str(row["total"]),
            }
            for row in _values(campaign, month, units, include_submitted)
            if row["total"]
        ],
    }


def dhis2_adx(
    *, campaign: Campaign, month: datetime.date, units: UnitQuerySet, include_submitted: bool = False
) -> bytes:
    """The same values as ADX XML, one group per reporting unit."""
    ET.register_namespace("", ADX_NAMESPACE)
    root = ET.Element(f"{{{ADX_NAMESPACE}}}adx", {"exported": datetime.datetime.now(datetime.UTC).isoformat()})
    groups: dict[str, ET.Element] = {}
    for row in _values(campaign, month, units, include_submitted):
        if not row["total"]:
            continue
        org_unit = _org_unit(row)
        group = groups.get(org_unit)
        if group is None:
            group = ET.SubElement(
                root,
                f"{{{ADX_NAMESPACE}}}group",
                {
                    "orgUnit": org_unit,
                    "period": f"{first_of_month(month):%Y-%m-%d}/P1M",
                    "dataSet": f"switchoff-campaign-{campaign.pk}",
                },
            )
            groups[org_unit] = group
        attributes = {"dataElement": row["form__code"], "value": str(row["total"])}
        if row["medium_id"]:
            attributes["medium"] = f"medium-{row['medium_id']}"
        ET.SubElement(group, f"{{{ADX_NAMESPACE}}}dataValue", attributes)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
