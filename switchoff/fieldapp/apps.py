from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldAppConfig(AppConfig):
    name = "switchoff.fieldapp"
    label = "fieldapp"
    verbose_name = _("Field app")
