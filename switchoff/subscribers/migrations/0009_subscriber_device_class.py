"""Subscribers get a device class (devices/classes.py): the kind of phone their IMEI's TAC names.

Subscribers already imported with an IMEI are classified here against the device
table, with the same rule as ``devices.classes.class_sql`` (written out: a
migration must not change when the code does). Without an IMEI: "no IMEI".
"""

from django.db import migrations, models

CLASS = (
    "CASE WHEN d.radio IS NULL THEN 0 "
    "WHEN (d.radio & 16) <> 0 OR ((d.radio & 4) <> 0 AND (d.radio & 8) <> 0) THEN 5 "
    "WHEN (d.radio & 4) <> 0 THEN 4 WHEN (d.radio & 2) <> 0 THEN 3 WHEN (d.radio & 1) <> 0 THEN 2 ELSE 0 END"
)


def classify(apps, schema_editor):
    schema_editor.execute(
        "UPDATE subscribers_subscriber SET device_class = ("
        f"SELECT {CLASS} FROM (SELECT 1) AS one LEFT JOIN devices_devicemodel d "
        "ON d.tac = substr(subscribers_subscriber.imei, 1, 8)) WHERE imei <> ''"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0008_counts_replace_unitcount"),
        ("devices", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="device_class",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "Model not known"),
                    (1, "No IMEI in the list"),
                    (2, "2G only"),
                    (3, "3G, no 4G"),
                    (4, "4G, calls over 2G/3G"),
                    (5, "4G with VoLTE, or 5G"),
                ],
                db_default=1,
                default=1,
                verbose_name="device class",
            ),
        ),
        migrations.RunPython(classify, migrations.RunPython.noop, elidable=True),
    ]
