"""Every file of every named storage into one tar archive, and back, through Django's storage API only.

The same code backs up a folder on the file system and an S3 bucket (django-storages): it lists each storage of
``settings.STORAGES`` (the static files excepted: the release rebuilds them), reads each file with
``storage.open`` and writes it with ``storage.save``. Members are named ``<storage>/<name>``; a ``MANIFEST.json``
member gives each file's size and SHA-256, checked on the way back. A restore goes into empty storages only
(unless told to overwrite): it never mixes a backup with what a running site wrote since.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages

from switchoff.lib.storage import walk

MANIFEST = "MANIFEST.json"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be restored as it is (a storage not empty, a file damaged, a storage unknown)."""


def backed_up_storages() -> list[str]:
    return [alias for alias in settings.STORAGES if alias != "staticfiles"]


class _Hashing(io.RawIOBase):
    """Reads through a file, counting and hashing what was read."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self.source.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.digest.update(chunk)
        self.size += len(chunk)
        return len(chunk)


@dataclass
class Summary:
    files: dict[str, int]  # per storage
    bytes: int


def export_storages(archive: Path) -> Summary:
    """Write every file of every storage into ``archive`` (a tar file), with its manifest last."""
    manifest: dict[str, dict[str, dict[str, object]]] = {}
    total = 0
    with tarfile.open(archive, "w") as tar:
        for alias in backed_up_storages():
            storage = storages[alias]
            manifest[alias] = {}
            for name in walk(storage):
                size = storage.size(name)
                info = tarfile.TarInfo(f"{alias}/{name}")
                info.size, info.mtime = size, int(time.time())
                with storage.open(name, "rb") as source:
                    reader = _Hashing(source)
                    tar.addfile(info, io.BufferedReader(reader, CHUNK))
                if reader.size != size:
                    raise ArchiveError(f"{alias}/{name} changed while it was read ({size} then {reader.size} bytes)")
                manifest[alias][name] = {"size": size, "sha256": reader.digest.hexdigest()}
                total += size
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(body), int(time.time())
        tar.addfile(info, io.BytesIO(body))
    return Summary(files={alias: len(files) for alias, files in manifest.items()}, bytes=total)


def _manifest(tar: tarfile.TarFile) -> dict[str, dict[str, dict[str, object]]]:
    member = tar.extractfile(MANIFEST)
    if member is None:
        raise ArchiveError(f"the archive has no {MANIFEST}")
    found: dict[str, dict[str, dict[str, object]]] = json.load(member)
    return found


def check_restorable(archive: Path, *, overwrite: bool = False) -> dict[str, dict[str, dict[str, object]]]:
    """The archive's manifest, once every storage it names exists here and is empty (or ``overwrite``)."""
    with tarfile.open(archive, "r") as tar:
        manifest = _manifest(tar)
    unknown = sorted(set(manifest) - set(backed_up_storages()))
    if unknown:
        raise ArchiveError(f"the archive holds storages this site does not name in STORAGES: {', '.join(unknown)}")
    if not overwrite:
        for alias in manifest:
            first = next(walk(storages[alias]), None)
            if first is not None:
                raise ArchiveError(
                    f"the storage {alias!r} is not empty ({first!r} is there): restore into empty storages"
                )
    return manifest


def import_storages(archive: Path, *, overwrite: bool = False) -> Summary:
    """Write back every file of ``archive`` into its storage, each checked against the manifest."""
    manifest = check_restorable(archive, overwrite=overwrite)
    total, counts = 0, dict.fromkeys(manifest, 0)
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            if member.name == MANIFEST or not member.isfile():
                continue
            alias, _, name = member.name.partition("/")
            expected = manifest.get(alias, {}).get(name)
            if expected is None:
                raise ArchiveError(f"{member.name} is not in the manifest")
            source = tar.extractfile(member)
            assert source is not None
            reader = _Hashing(source)
            storage = storages[alias]
            if overwrite and storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(io.BufferedReader(reader, CHUNK), name=name))
            if saved != name:
                raise ArchiveError(f"{member.name} was saved as {saved!r}")
            if reader.digest.hexdigest() != expected["sha256"]:
                storage.delete(name)
                raise ArchiveError(f"{member.name} is damaged (its SHA-256 differs from the manifest's)")
            counts[alias] += 1
            total += reader.size
    missing = {alias: len(files) - counts[alias] for alias, files in manifest.items() if len(files) != counts[alias]}
    if missing:
        raise ArchiveError(f"files named in the manifest are missing from the archive: {missing}")
    return Summary(files=counts, bytes=total)
