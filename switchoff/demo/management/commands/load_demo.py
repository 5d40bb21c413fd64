from typing import Any

from django.core.management.base import BaseCommand

from switchoff.demo.services import load_demo


class Command(BaseCommand):
    help = "Load the demo data (Lạng Sơn, fictitious people). Does nothing if it is already there."

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = load_demo()
        self.stdout.write("Demo data loaded." if loaded else "Demo data already present; nothing changed.")
