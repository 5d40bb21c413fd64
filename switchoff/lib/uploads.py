"""Uploaded files kept between the check (phase one) and the confirmation (phase two) of an import.

They live in the named storage ``uploads`` (settings.STORAGES: a folder by default, an S3-compatible bucket when
configured), so that a file uploaded through one app server is checked by any worker and confirmed through any
other app server. Each is named ``<kind>/<id>-<owner>``: a random id bound to its owner (a unit), so a
confirmation can only apply a file checked for the same unit. Beside it, under the same name: what the check
found (``store_check``, ``.check.json``), the cleaned rows (``.rows``) and the problems, one JSON line each
(``.problems``), for a client that confirms later or reads the problems a page at a time.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from switchoff.lib.storage import lines, written_before

# Every kind of upload kept between a check and its confirmation, and the registry's exports made by a worker
# for their download (``subscribers/exporting.py``): each expires (``expire_uploads``).
KINDS = ("subscribers", "units", "activities", "devices", "exports", "boundaries")


def upload_storage() -> Storage:
    return storages["uploads"]


def upload_name(kind: str, owner: int, upload_id: str) -> str | None:
    """The stored name of an upload, or None for a malformed id."""
    try:
        clean = str(uuid.UUID(upload_id))
    except ValueError:
        return None
    return f"{kind}/{clean}-{owner}"


def rows_name(name: str) -> str:
    """Beside the upload: the check's cleaned rows."""
    return f"{name}.rows"


def problems_name(name: str) -> str:
    """Beside the upload: the check's problems, one JSON line each."""
    return f"{name}.problems"


def _check_name(name: str) -> str:
    return f"{name}.check.json"


def store_upload(kind: str, owner: int, upload: UploadedFile[bytes]) -> tuple[str, str]:
    """Keep an upload: its new id and its name in the ``uploads`` storage."""
    upload_id = str(uuid.uuid4())
    name = upload_name(kind, owner, upload_id)
    assert name is not None
    written = upload_storage().save(name, upload)
    assert written == name, (written, name)
    return upload_id, name


def find_upload(kind: str, owner: int, upload_id: str) -> str | None:
    """The stored file's name, or None when the id is malformed, of another owner, or already used."""
    name = upload_name(kind, owner, upload_id)
    return name if name is not None and upload_storage().exists(name) else None


def read_upload(name: str) -> bytes:
    """A small stored upload's bytes (a villages workbook, an activity sheet, a device table)."""
    with upload_storage().open(name, "rb") as stored:
        content: bytes = stored.read()
    return content


def remove_upload(name: str) -> None:
    """The upload and the rows and problems its check kept beside it. The check itself stays until it expires:
    a retried confirmation finds in it the job it queued."""
    storage = upload_storage()
    for each in (name, rows_name(name), problems_name(name)):
        storage.delete(each)


def store_check(kind: str, owner: int, upload_id: str, data: dict[str, Any]) -> None:
    """Keep the check of an upload (plain JSON data) beside it, bound to the same owner."""
    name = upload_name(kind, owner, upload_id)
    assert name is not None, "an id made by store_upload"
    storage = upload_storage()
    storage.delete(_check_name(name))
    storage.save(_check_name(name), ContentFile(json.dumps(data, ensure_ascii=False, default=str).encode()))


def find_check(kind: str, owner: int, upload_id: str) -> dict[str, Any] | None:
    """The stored check of an upload, or None when the id is malformed, of another owner, or unknown."""
    name = upload_name(kind, owner, upload_id)
    if name is None:
        return None
    try:
        with upload_storage().open(_check_name(name), "rb") as stored:
            data: dict[str, Any] = json.loads(stored.read())
    except FileNotFoundError:
        return None
    return data


def problem_lines(name: str) -> Iterator[bytes]:
    """The lines of an upload's problems file (``ProblemLines``), none when it has none."""
    return lines(upload_storage(), problems_name(name))


def expire_uploads(kind: str | None = None, *, older_than: datetime.timedelta) -> int:
    """Remove the stored files of ``kind`` (every kind by default: uploads and whatever was saved beside them)
    written longer ago than ``older_than``; how many were removed. An import that finished already removed its
    own."""
    storage = upload_storage()
    cutoff = timezone.now() - older_than
    removed = 0
    for each in KINDS if kind is None else (kind,):
        for name in list(written_before(storage, each, cutoff)):
            storage.delete(name)
            removed += 1
    return removed
