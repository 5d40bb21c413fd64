from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from switchoff.lib.db import long_running
from switchoff.units.loaders import load_country, load_province


class Command(BaseCommand):
    help = (
        "Load a province and its communes (2025), or with --country the country, its 34 provinces and 3,321 "
        "communes; with --legacy also the 2024 districts and communes, each merged into its successor. Idempotent."
    )

    def add_arguments(self, parser: Any) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--province", help='Name or code, e.g. "Lạng Sơn" or 20')
        where.add_argument("--country", action="store_true", help="The whole country")
        parser.add_argument("--legacy", action="store_true", help="Also load the structure before 1/7/2025")

    def handle(self, *args: Any, province: str | None, country: bool, legacy: bool, **options: Any) -> None:
        try:
            if country:
                # Thirteen thousand units in bulk statements: a job's time limits, not a web request's 25 s (which
                # ended the load on a busy database server).
                with long_running():
                    loaded = load_country(legacy=legacy)
                self.stdout.write(
                    f"{loaded.country.name}: {loaded.provinces} provinces, {loaded.communes} communes; "
                    f"{loaded.created} created, {loaded.updated} updated, {loaded.unchanged} unchanged, "
                    f"{loaded.legacy_created} legacy units created, {loaded.merged} linked to their successor."
                )
                return
            assert province is not None
            result = load_province(province, legacy=legacy)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"{result.province.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.legacy_created} legacy units created, "
            f"{len(result.merged)} legacy communes linked to their successor."
        )
