"""Uploaded files kept between the check (phase one) and the confirmation (phase two) of an import.

The file is stored under MEDIA_ROOT with a random id bound to its owner (a
unit), so a confirmation can only apply a file checked for the same unit.
Beside it, under the same id and owner, what the check found (``store_check``)
and its problems, one JSON line each (``check_problems_path``), for a client
that confirms later or reads the problems a page at a time.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


def _folder(kind: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(kind: str, owner: int, upload: UploadedFile[bytes]) -> tuple[str, Path]:
    upload_id = str(uuid.uuid4())
    path = _folder(kind) / f"{upload_id}-{owner}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return upload_id, path


def find_upload(kind: str, owner: int, upload_id: str) -> Path | None:
    """The stored file, or None when the id is malformed, of another owner, or already used."""
    try:
        clean = str(uuid.UUID(upload_id))
    except ValueError:
        return None
    path = _folder(kind) / f"{clean}-{owner}"
    return path if path.exists() else None


def _check_path(kind: str, owner: int, upload_id: str) -> Path | None:
    try:
        clean = str(uuid.UUID(upload_id))
    except ValueError:
        return None
    return _folder(kind) / f"{clean}-{owner}.check.json"


def store_check(kind: str, owner: int, upload_id: str, data: dict[str, Any]) -> None:
    """Keep the check of an upload (plain JSON data) beside it, bound to the same owner."""
    path = _check_path(kind, owner, upload_id)
    assert path is not None, "an id made by store_upload"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    temporary.replace(path)  # a reader never sees half of it


def check_problems_path(kind: str, owner: int, upload_id: str) -> Path | None:
    """Where the problems of an upload's check are kept beside it (one JSON line each), or None for a bad id."""
    path = _check_path(kind, owner, upload_id)
    return path.with_suffix(".problems") if path is not None else None


def find_check(kind: str, owner: int, upload_id: str) -> dict[str, Any] | None:
    """The stored check of an upload, or None when the id is malformed, of another owner, or unknown."""
    path = _check_path(kind, owner, upload_id)
    if path is None or not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def expire_uploads(kind: str, *, older_than: datetime.timedelta) -> int:
    """Remove the stored files of ``kind`` (uploads and whatever was saved beside them) written longer ago than
    ``older_than``; how many were removed. An import that finished already removed its own."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in _folder(kind).iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (the import finished)
            continue
    return removed
