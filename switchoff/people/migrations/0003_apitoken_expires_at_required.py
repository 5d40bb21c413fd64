# A migration of its own: PostgreSQL may refuse to ALTER a table with trigger events pending from updates in the same transaction.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0002_apitoken_expires_at")]

    operations = [
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField()),
    ]
