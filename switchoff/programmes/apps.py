from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "switchoff.programmes"
    label = "programmes"
    verbose_name = _("Support programmes")
    default_auto_field = "django.db.models.BigAutoField"
