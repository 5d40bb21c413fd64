"""``manage.py import_devices FILE``: check a device table, print its problems, write the good rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from switchoff.devices.importer import NoTacColumn, check_table
from switchoff.devices.services import devices_import
from switchoff.lib.db import long_running
from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import read_file


class Command(BaseCommand):
    help = "Import a device table (CSV/TXT/XLSX; the GSMA export or any table with a TAC column)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--check", action="store_true", help="Only check; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            checked = check_table(read_file(path.read_bytes(), path.name))
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except (FileRefused, NoTacColumn) as exc:
            raise CommandError(exc.message) from exc
        for p in checked.problems[:200]:
            self.stderr.write(f"{p.level} {p.value!r}, {p.message}")
        self.stdout.write(f"rows read {checked.rows_read}, good {len(checked.rows)}, errors {checked.errors}")
        if options["check"] or not checked.rows:
            return
        with long_running():  # it classifies the registry's subscribers of the models it changed
            result = devices_import(actor=None, checked=checked, source=path.name)
        self.stdout.write(f"created {result.created}, replaced {result.replaced}, unchanged {result.unchanged}")
