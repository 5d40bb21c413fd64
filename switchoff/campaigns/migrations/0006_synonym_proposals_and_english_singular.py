"""Units may propose their own words for the catalogue; English units of count get their singular ("1 session")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# The default catalogue's units of count in English, plural and singular (catalogue.COUNT_UNIT_EN_ONE
# as it stood when this migration was written: a migration does not follow later edits).
SINGULAR = {
    ("loudspeaker", "broadcasts"): "broadcast",
    ("website_article", "articles"): "article",
    ("news_report", "reports"): "report",
    ("banner", "pieces"): "piece",
    ("sms", "messages"): "message",
    ("social_post", "posts"): "post",
    ("meeting", "sessions"): "session",
    ("leaflet", "leaflets"): "leaflet",
    ("home_visit", "households"): "household",
    ("other", "times"): "time",
}


def singulars(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Existing campaigns' default forms say "1 session", not "1 sessions"."""
    CommunicationForm = apps.get_model("campaigns", "CommunicationForm")
    for (code, plural), one in SINGULAR.items():
        CommunicationForm.objects.filter(code=code, count_unit_en=plural, count_unit_en_one="").update(
            count_unit_en_one=one
        )


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0005_catalogue_synonyms'),
        ('units', '0003_vietnamese_collation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='communicationform',
            name='count_unit_en_one',
            field=models.CharField(blank=True, max_length=40, verbose_name='unit of count in English, for one'),
        ),
        migrations.CreateModel(
            name='SynonymProposal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=160, verbose_name='name as written')),
                ('words', models.CharField(max_length=160)),
                ('proposed_at', models.DateTimeField(auto_now_add=True)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='synonym_proposals', to='campaigns.campaign')),
                ('form', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.communicationform')),
                ('medium', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.medium')),
                ('proposed_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='units.unit')),
            ],
            options={
                'verbose_name': 'proposed other name',
                'ordering': ['proposed_at', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('form__isnull', False), ('medium__isnull', True)), models.Q(('form__isnull', True), ('medium__isnull', False)), _connector='OR'), name='proposal_one_target'), models.UniqueConstraint(fields=('campaign', 'unit', 'words'), name='proposal_unique')],
            },
        ),
        migrations.RunPython(singulars, migrations.RunPython.noop),
    ]
