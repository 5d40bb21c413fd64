from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.demo.services import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Only in demo mode (SWITCHOFF_DEMO=1).")
        device = TOTPDevice.objects.filter(user__username=username, key=DEMO_TOTP_KEY).first()
        if device is None:
            raise CommandError(f"{username} has no demo two-factor device.")
        self.stdout.write(f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
