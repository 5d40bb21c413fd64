from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "switchoff.units"
    verbose_name = _("Units")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from switchoff.lib.collation import register_sqlite

        # Every SQLite connection gets the Vietnamese collation that PostgreSQL has built in.
        connection_created.connect(register_sqlite, dispatch_uid="switchoff.vi_collation")
