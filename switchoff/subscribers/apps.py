from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscribersConfig(AppConfig):
    name = "switchoff.subscribers"
    verbose_name = _("2G-only subscriber registry")

    def ready(self) -> None:
        # Registers how verify_counts rebuilds the registry's counters.
        from switchoff.subscribers import counts  # noqa: F401
