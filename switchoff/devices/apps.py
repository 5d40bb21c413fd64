from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "switchoff.devices"
    label = "devices"
    verbose_name = _("Devices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the device import job's kind of lease (its task), which the services queue by name.
        from switchoff.devices import tasks  # noqa: F401
