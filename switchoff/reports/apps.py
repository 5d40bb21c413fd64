from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "switchoff.reports"
    verbose_name = _("Monthly communication reports")

    def ready(self) -> None:
        # Registers how verify_counts rebuilds the reporting's counters.
        from switchoff.reports import (
            counts,  # noqa: F401
        )
