"""API tokens get an expiry. Tokens made before it run for API_TOKEN_DAYS from the migration,
so that scripts in use keep working for one lifetime instead of stopping at the upgrade."""

import datetime

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def give_existing_tokens_an_expiry(apps, schema_editor):  # type: ignore[no-untyped-def]
    ApiToken = apps.get_model("people", "ApiToken")
    expires = timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        migrations.AddField(model_name="apitoken", name="expires_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(give_existing_tokens_an_expiry, migrations.RunPython.noop),
    ]
