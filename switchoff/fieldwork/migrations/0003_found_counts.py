"""The counter of cases found in the field (``fieldwork.<campaign>.found``) for the cases made before it existed."""

from django.db import migrations
from django.db.models import Count as Total
from django.utils import timezone


def count_found(apps, schema_editor):
    Case = apps.get_model("fieldwork", "Case")
    Count = apps.get_model("counts", "Count")
    rows = (
        Case.objects.filter(found_in_field=True)
        .values_list("campaign_id", "unit_id", "team_id")
        .annotate(n=Total("pk"))
        .order_by()
    )
    today = timezone.localdate()
    Count.objects.bulk_create(
        [
            Count(unit_id=unit_id, key=f"fieldwork.{campaign_id}.found", dimension=team_id or 0, day=today, delta=n)
            for campaign_id, unit_id, team_id, n in rows
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0002_resolution"),
        ("counts", "0001_initial"),
    ]

    operations = [migrations.RunPython(count_found, migrations.RunPython.noop, elidable=True)]
