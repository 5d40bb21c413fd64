from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscribersConfig(AppConfig):
    name = "switchoff.subscribers"
    verbose_name = _("2G-only subscriber registry")

    def ready(self) -> None:
        # Registers how verify_counts rebuilds the registry's counters.
        # Registers the import job's kind of lease (its task), which the services queue by name.
        from switchoff.subscribers import (
            counts,  # noqa: F401
            tasks,  # noqa: F401
        )
