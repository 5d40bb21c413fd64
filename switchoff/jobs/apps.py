from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "switchoff.jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # The workers' hooks: the reaper thread at start, the leases handed back when a worker is stopped.
        from switchoff.jobs import lease

        lease.connect()
