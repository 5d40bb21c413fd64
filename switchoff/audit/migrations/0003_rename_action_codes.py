"""Rename the audit codes that did not read ``app.noun.verb`` (the mapping is copied here on purpose:
a migration must keep doing what it did when ``audit/actions.py`` changes)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

RENAMED = {
    "subscribers.exported": "subscribers.list.exported",
    "subscribers.assigned": "subscribers.subscriber.assigned",
    "demo.loaded": "demo.data.loaded",
}


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=old).update(action=new)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=new).update(action=old)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
