from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "switchoff.shops"
    label = "shops"
    verbose_name = _("Phone shops")
    default_auto_field = "django.db.models.BigAutoField"
