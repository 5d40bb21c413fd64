"""``manage.py backup_storages ARCHIVE.tar``: every file of every named storage into one archive (deploy/backup.sh)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from switchoff.ops.archive import export_storages


class Command(BaseCommand):
    help = "Copy every file of every storage named in STORAGES (static files excepted) into a tar archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")

    def handle(self, *args: Any, archive: str, **options: Any) -> None:
        summary = export_storages(Path(archive))
        files = ", ".join(f"{alias} {n}" for alias, n in summary.files.items())
        self.stdout.write(f"Backed up {files} files ({summary.bytes} bytes) into {archive}.")
