"""Uploaded files kept between the check (phase one) and the confirmation (phase two) of an import.

The file is stored under MEDIA_ROOT with a random id bound to its owner (a
unit), so a confirmation can only apply a file checked for the same unit.
"""

from __future__ import annotations

import uuid
from pathlib import Path

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
