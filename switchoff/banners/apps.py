from django.apps import AppConfig


class BannersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "switchoff.banners"
    verbose_name = "Banners and posters"
