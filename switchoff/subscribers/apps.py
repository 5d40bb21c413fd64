from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscribersConfig(AppConfig):
    name = "switchoff.subscribers"
    verbose_name = _("2G-only subscriber registry")
