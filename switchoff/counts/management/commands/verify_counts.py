"""manage.py verify_counts [--fix]: rebuild every counter from the raw rows and print each difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from switchoff.counts.verify import find_differences, fix_differences, unit_names
from switchoff.lib.db import long_running


class Command(BaseCommand):
    help = "Rebuild every counter from the rows it counts; print each difference; --fix writes the corrections."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="Write a correcting delta for each difference.")

    def handle(self, *args: Any, **options: Any) -> None:
        with long_running():  # every counter rebuilt from the raw rows: a job's time limits, not the web's
            differences = find_differences()
        names = unit_names(differences)
        for difference in differences:
            self.stdout.write(difference.describe(names))
        if not differences:
            self.stdout.write("No difference.")
            return
        if options["fix"]:
            with long_running():
                fixed = fix_differences(differences)
            self.stdout.write(f"Fixed {fixed} of {len(differences)} differences.")
            if fixed == len(differences):
                return
        raise CommandError(f"{len(differences)} counters differ from the rows they count.")
