"""Indexes of the cases and visits kept to what a query reads: the index of a case's "found by" and of a visit's
phone only where one is set (nearly every case has no finder, and visits made on a page or by a delivery have no
phone: each such row took an entry that no query ever reads), and the visit's index of its case alone dropped (the
index of case and time, ``visit_case``, serves the same lookups). Each case moved and each visit written pays two
entries fewer: an operator's delivery list moves tens of thousands of cases at once (bench/programmes).

On PostgreSQL the new indexes are built CONCURRENTLY before the old ones are dropped CONCURRENTLY: the tables hold
millions of rows and the field work writes to them all day; neither waits for the other. The partial indexes serve
the same lookups by a user or a phone (``found_by_id = …`` implies it is set).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# (index, table, column): the indexes Django made for the foreign keys, and the partial ones replacing two of them.
OLD = [
    ("fieldwork_case_found_by_id_d3c00bcc", "fieldwork_case", "found_by_id"),
    ("fieldwork_visit_case_id_18f52948", "fieldwork_visit", "case_id"),
    ("fieldwork_visit_device_id_82a7dc00", "fieldwork_visit", "device_id"),
]
NEW = [("case_found_by", "fieldwork_case", "found_by_id"), ("visit_device", "fieldwork_visit", "device_id")]


def _how(schema_editor: BaseDatabaseSchemaEditor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    how = _how(schema_editor)
    for name, table, column in NEW:
        schema_editor.execute(
            f'CREATE INDEX{how} IF NOT EXISTS "{name}" ON "{table}" ("{column}") WHERE "{column}" IS NOT NULL'
        )
    for name, _table, _column in OLD:
        schema_editor.execute(f'DROP INDEX{how} IF EXISTS "{name}"')


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    how = _how(schema_editor)
    for name, table, column in OLD:
        schema_editor.execute(f'CREATE INDEX{how} IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
    for name, _table, _column in NEW:
        schema_editor.execute(f'DROP INDEX{how} IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY run outside a transaction
    dependencies = [
        ("fieldwork", "0006_field_device_revoked_with_password"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="found_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="visits",
                        to="fieldwork.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="device",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="fieldwork.fielddevice",
                    ),
                ),
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(
                        condition=models.Q(("found_by__isnull", False)), fields=["found_by"], name="case_found_by"
                    ),
                ),
                migrations.AddIndex(
                    model_name="visit",
                    index=models.Index(
                        condition=models.Q(("device__isnull", False)), fields=["device"], name="visit_device"
                    ),
                ),
            ],
        )
    ]
