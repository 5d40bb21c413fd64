from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _default_kinds_back(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """The unit kinds the data migration seeds, put back after a ``flush`` (which empties every table, then
    signals as a migration does): a transactional test's teardown flushes, and every unit hangs on a kind."""
    from django.apps import apps as current

    from switchoff.units.kinds import ensure_default_kinds

    # ``migrate`` passes the migrated state's registry; ``flush`` passes none (its models are the current ones).
    ensure_default_kinds((apps or current).get_model("units", "UnitKind"))


class UnitsConfig(AppConfig):
    name = "switchoff.units"
    verbose_name = _("Units")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from switchoff.lib.collation import register_sqlite

        # Every SQLite connection gets the Vietnamese collation that PostgreSQL has built in.
        connection_created.connect(register_sqlite, dispatch_uid="switchoff.vi_collation")
        post_migrate.connect(_default_kinds_back, sender=self, dispatch_uid="switchoff.default_kinds")
