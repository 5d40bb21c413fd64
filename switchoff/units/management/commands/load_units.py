from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from switchoff.units.loaders import load_province


class Command(BaseCommand):
    help = "Load a province and its communes (2025); with --legacy also its 2024 districts and communes. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--province", required=True, help='Name or code, e.g. "Lạng Sơn" or 20')
        parser.add_argument("--legacy", action="store_true", help="Also load the structure before 1/7/2025")

    def handle(self, *args: Any, province: str, legacy: bool, **options: Any) -> None:
        try:
            result = load_province(province, legacy=legacy)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"{result.province.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.legacy_created} legacy units created, "
            f"{len(result.merged)} legacy communes linked to their successor."
        )
