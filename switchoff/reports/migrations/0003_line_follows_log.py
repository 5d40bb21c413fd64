from typing import Any

from django.db import migrations, models


def keep_existing_lines(apps: Any, schema_editor: Any) -> None:
    # Lines written before this change were a snapshot someone saw and may have
    # corrected: they stay as they are (the page offers the log's figures line
    # by line) rather than silently turning into the log's totals.
    apps.get_model("reports", "ReportLine").objects.update(edited=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_reminders_by_hand"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportline",
            name="edited",
            field=models.BooleanField(default=False, verbose_name="edited by hand"),
        ),
        migrations.AlterField(
            model_name="reportline",
            name="people_reached",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="people reached"),
        ),
        migrations.RunPython(keep_existing_lines, migrations.RunPython.noop),
    ]
