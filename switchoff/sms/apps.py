from django.apps import AppConfig


class SmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "switchoff.sms"
    verbose_name = "SMS to subscribers"

    def ready(self) -> None:
        # Registers the sending job's kind of lease (its task), which the services queue by name.
        from switchoff.sms import tasks  # noqa: F401
