from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "switchoff.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")
    default_auto_field = "django.db.models.BigAutoField"
