"""The S3-compatible storages (django-storages), imported only when STORAGE_S3_BUCKET configures them."""

from __future__ import annotations

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """Objects no URL serves (visits' photos): read only through a view that checks access and logs the view."""

    def url(
        self, name: str | None, parameters: object = None, expire: object = None, http_method: object = None
    ) -> str:
        raise ValueError("A private file has no public URL: serve it through its checked view.")
