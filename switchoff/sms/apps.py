from django.apps import AppConfig


class SmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "switchoff.sms"
    verbose_name = "SMS to subscribers"
