from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from switchoff.units.kinds import ensure_default_kinds

    ensure_default_kinds(apps.get_model("units", "UnitKind"))


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
