from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountsConfig(AppConfig):
    name = "switchoff.counts"
    verbose_name = _("Counts")
