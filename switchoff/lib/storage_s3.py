"""The S3-compatible storages (django-storages), imported only when STORAGE_S3_BUCKET configures them."""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterator

from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class PrivateS3Storage(S3Storage):
    """Objects no URL serves (visits' photos): read only through a view that checks access and logs the view."""

    def url(
        self, name: str | None, parameters: object = None, expire: object = None, http_method: object = None
    ) -> str:
        raise ValueError("A private file has no public URL: serve it through its checked view.")


def s3_written_before(storage: S3Storage, folder: str, cutoff: datetime.datetime) -> Iterator[str]:
    """The objects below ``folder`` last written before ``cutoff``, from the bucket's listing (a page of a thousand
    with their times per request, not a request per object)."""
    prefix = storage._normalize_name(clean_name(folder)) if folder else storage.location
    prefix = f"{prefix.rstrip('/')}/" if prefix else ""
    root = f"{storage.location.rstrip('/')}/" if storage.location else ""
    pages = storage.connection.meta.client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket_name, Prefix=prefix
    )
    for page in pages:
        for entry in page.get("Contents", ()):
            if entry["LastModified"] < cutoff and not entry["Key"].endswith("/"):
                yield posixpath.relpath(entry["Key"], root) if root else entry["Key"]
