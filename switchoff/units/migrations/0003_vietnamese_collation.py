"""The ICU collation "vi-x-icu" on PostgreSQL, where initdb did not import it (SQLite gets it per connection)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from switchoff.lib.collation import CREATE_POSTGRESQL


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_POSTGRESQL)


class Migration(migrations.Migration):
    dependencies = [("units", "0002_default_kinds")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
