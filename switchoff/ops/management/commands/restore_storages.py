"""``manage.py restore_storages ARCHIVE.tar [--check] [--overwrite]``: the files of a backup back into the
storages (deploy/restore.sh)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from switchoff.ops.archive import ArchiveError, check_restorable, import_storages


class Command(BaseCommand):
    help = "Write the files of a backup archive back into the storages of STORAGES, which must be empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--check", action="store_true", help="Only check that the archive can be restored here.")
        parser.add_argument("--overwrite", action="store_true", help="Restore into storages that are not empty.")

    def handle(self, *args: Any, archive: str, check: bool, overwrite: bool, **options: Any) -> None:
        try:
            if check:
                manifest = check_restorable(Path(archive), overwrite=overwrite)
                self.stdout.write(f"The archive can be restored here ({', '.join(manifest)}).")
                return
            summary = import_storages(Path(archive), overwrite=overwrite)
        except ArchiveError as exc:
            raise CommandError(f"restore_storages: {exc}") from None
        files = ", ".join(f"{alias} {n}" for alias, n in summary.files.items())
        self.stdout.write(f"Restored {files} files ({summary.bytes} bytes) from {archive}.")
