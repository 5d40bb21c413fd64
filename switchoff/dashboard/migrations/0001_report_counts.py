"""The reporting's counters (``reports/counts.py``) for what was logged and reported before they existed.

Each activity's count by unit, campaign, form and day, and each report by unit, campaign, state and month,
written as ``Count`` deltas on their own days and rolled up into ``CountTotal`` for every unit above, as
``counts.services`` writes them: the dashboard's months and weeks then hold the past too. A database whose
counters already hold them (run twice) is left as it is.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import Count as CountRows
from django.db.models import Sum


def _backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Activity = apps.get_model("reports", "Activity")
    MonthlyReport = apps.get_model("reports", "MonthlyReport")
    Count = apps.get_model("counts", "Count")
    CountTotal = apps.get_model("counts", "CountTotal")
    Unit = apps.get_model("units", "Unit")
    if Count.objects.filter(key__startswith="reports.").exists():
        return
    sums = defaultdict(int)
    for unit_id, campaign_id, form_id, day, n in (
        Activity.objects.values_list("unit_id", "campaign_id", "form_id", "date").annotate(n=Sum("count")).order_by()
    ):
        sums[(unit_id, f"reports.{campaign_id}.activity", form_id, day)] += int(n)
    for unit_id, campaign_id, status, late, month, n in (
        MonthlyReport.objects.filter(status__in=["submitted", "accepted", "returned"])
        .values_list("unit_id", "campaign_id", "status", "late", "month")
        .annotate(n=CountRows("pk"))
        .order_by()
    ):
        state = "returned" if status == "returned" else ("late" if late else "on_time")
        sums[(unit_id, f"reports.{campaign_id}.report.{state}", 0, month)] += int(n)
    if not sums:
        return
    Count.objects.bulk_create(
        [Count(unit_id=u, key=k, dimension=d, day=day, delta=n) for (u, k, d, day), n in sums.items() if n],
        batch_size=1000,
    )
    paths = dict(Unit.objects.filter(pk__in={u for u, _k, _d, _day in sums}).values_list("pk", "rollup_path"))
    totals = defaultdict(int)
    for (unit_id, key, dimension, day), n in sums.items():
        for part in paths.get(unit_id, f"/{unit_id}/").strip("/").split("/"):
            if part:
                totals[(int(part), key, dimension, day)] += n
    CountTotal.objects.bulk_create(
        [CountTotal(unit_id=u, key=k, dimension=d, day=day, delta=n) for (u, k, d, day), n in totals.items() if n],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_activity_material"),
        ("counts", "0002_counttotal"),
        ("units", "0004_country_kind"),
    ]
    operations = [migrations.RunPython(_backfill, migrations.RunPython.noop)]
