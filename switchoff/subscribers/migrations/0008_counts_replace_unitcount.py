"""The registry's counters move from UnitCount to the counts app.

UnitCount's ``listed`` and ``left`` deltas become ``subscribers.status.listed``
and ``subscribers.status.left`` rows on their day. What UnitCount could not say
is then corrected by one delta per counter, dated today, so that every counter
equals the subscribers it counts (what ``verify_counts`` checks): subscribers
whose address was not resolved were counted in no unit (now in their list's
area), and ``left`` counted departures even of those listed again since (now
those whose status is "left"). ``new`` is dropped: listed in all is listed plus
left.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import Count as CountOf
from django.db.models.functions import Coalesce
from django.utils import timezone

KEYS = {"listed": "subscribers.status.listed", "left": "subscribers.status.left"}


def forwards(apps, schema_editor):
    UnitCount = apps.get_model("subscribers", "UnitCount")
    Subscriber = apps.get_model("subscribers", "Subscriber")
    Count = apps.get_model("counts", "Count")
    counted = defaultdict(int)
    rows = []
    old = UnitCount.objects.filter(unit__isnull=False).values_list("unit_id", "operator_id", "day", "listed", "left")
    for unit_id, operator_id, day, listed, left in old.iterator():
        for key, delta in ((KEYS["listed"], listed), (KEYS["left"], left)):
            if delta:
                rows.append(Count(unit_id=unit_id, key=key, dimension=operator_id, day=day, delta=delta))
                counted[(unit_id, key, operator_id)] += delta
    actual = defaultdict(int)
    by_unit = (
        Subscriber.objects.annotate(counted_in=Coalesce("unit_id", "list_area_id"))
        .values_list("counted_in", "status", "operator_id")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    for unit_id, status, operator_id, n in by_unit:
        actual[(unit_id, KEYS[status], operator_id)] += n
    today = timezone.localdate()
    for unit_id, key, operator_id in set(counted) | set(actual):
        delta = actual[(unit_id, key, operator_id)] - counted[(unit_id, key, operator_id)]
        if delta:
            rows.append(Count(unit_id=unit_id, key=key, dimension=operator_id, day=today, delta=delta))
    Count.objects.bulk_create(rows, batch_size=2000)


def backwards(apps, schema_editor):
    UnitCount = apps.get_model("subscribers", "UnitCount")
    Count = apps.get_model("counts", "Count")
    rows = defaultdict(lambda: {"listed": 0, "left": 0})
    for unit_id, key, operator_id, day, delta in Count.objects.filter(key__in=KEYS.values()).values_list(
        "unit_id", "key", "dimension", "day", "delta"
    ):
        rows[(unit_id, operator_id, day)][key.rsplit(".", 1)[1]] += delta
    UnitCount.objects.bulk_create(
        [
            UnitCount(unit_id=unit_id, operator_id=operator_id, day=day, listed=n["listed"], left=n["left"])
            for (unit_id, operator_id, day), n in rows.items()
        ],
        batch_size=2000,
    )
    Count.objects.filter(key__in=KEYS.values()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0007_importjob_allow_mass_leave"),
        ("counts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="UnitCount"),
    ]
