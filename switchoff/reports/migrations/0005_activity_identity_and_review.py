"""One identity for a logged activity (its source, its sheet import, the reporter's reference), what a
report says about itself (no activity, submitted on the unit's behalf, asked back), and how much of a
line's count its people reached speak for.

Existing rows get the new identity: each activity its source from its client key ("grid:", "sheet:",
"api:", else the form); the activities of each imported sheet (keys "sheet:<campaign>:<unit>:<digest>:<row>")
one ``ActivityImport`` per file, so that the unit's next import of those months replaces them; each
report line with a figure of people reached covers its whole count (it was given for the line).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import F


def give_identity(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Activity = apps.get_model("reports", "Activity")
    ActivityImport = apps.get_model("reports", "ActivityImport")
    ReportLine = apps.get_model("reports", "ReportLine")
    for prefix, source in (("grid:", "grid"), ("api:", "api"), ("sheet:", "sheet")):
        Activity.objects.filter(client_key__startswith=prefix).update(source=source)
    files: dict[tuple[int, int, str], list[object]] = {}
    for activity in Activity.objects.filter(source="sheet").order_by("pk"):
        parts = activity.client_key.split(":")
        digest = parts[3] if len(parts) == 5 else activity.client_key
        files.setdefault((activity.campaign_id, activity.unit_id, digest), []).append(activity)
    for (campaign_id, unit_id, digest), activities in files.items():
        first = activities[0]
        months = sorted({f"{a.date:%Y-%m}" for a in activities})
        imported = ActivityImport.objects.create(
            campaign_id=campaign_id,
            unit_id=unit_id,
            digest=digest[:64],
            client_key=f"migrated:{campaign_id}:{unit_id}:{digest}"[:64],
            months=months,
            rows=len(activities),
            imported_by_id=first.created_by_id,
        )
        ActivityImport.objects.filter(pk=imported.pk).update(imported_at=first.created_at)
        Activity.objects.filter(pk__in=[a.pk for a in activities]).update(sheet_import=imported)
    ReportLine.objects.filter(people_reached__isnull=False).update(people_covers=F("count"))


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0006_synonym_proposals_and_english_singular'),
        ('reports', '0004_activity_sheet_mapping'),
        ('units', '0003_vietnamese_collation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='monthlyreport',
            options={'ordering': ['-month', 'pk'], 'verbose_name': 'monthly report'},
        ),
        migrations.AddField(
            model_name='activity',
            name='reference',
            field=models.CharField(blank=True, max_length=60, verbose_name='reference'),
        ),
        migrations.AddField(
            model_name='activity',
            name='source',
            field=models.CharField(choices=[('form', 'logged one by one'), ('grid', 'the grid'), ('sheet', 'an imported sheet'), ('api', 'the API')], default='form', max_length=8, verbose_name='logged through'),
        ),
        migrations.AddField(
            model_name='activitysheetmapping',
            name='forms',
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name='activitysheetmapping',
            name='media',
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='no_activity',
            field=models.BooleanField(default=False, verbose_name='no activity this month'),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='on_behalf_reason',
            field=models.TextField(blank=True, verbose_name="reason for submitting on the unit's behalf"),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='return_request_reason',
            field=models.TextField(blank=True, verbose_name='reason for asking to have it returned'),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='return_requested_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='monthlyreport',
            name='return_requested_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='reportline',
            name='people_covers',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='ActivityImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(blank=True, max_length=255, verbose_name='file')),
                ('digest', models.CharField(blank=True, max_length=64)),
                ('client_key', models.CharField(max_length=64, unique=True)),
                ('months', models.JSONField(default=list)),
                ('rows', models.PositiveIntegerField(default=0)),
                ('replaced', models.PositiveIntegerField(default=0)),
                ('imported_at', models.DateTimeField(auto_now_add=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                ('imported_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit')),
            ],
            options={
                'verbose_name': 'activity sheet import',
                'ordering': ['-imported_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='activity',
            name='sheet_import',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='activities', to='reports.activityimport'),
        ),
        migrations.RunPython(give_identity, migrations.RunPython.noop),
    ]
