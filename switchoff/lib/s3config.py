"""The named storages in one S3-compatible bucket, as ``settings.STORAGES`` entries (read by settings.py and by the
tests that start their own S3 server): plain data, importable before Django is set up."""

from __future__ import annotations

from typing import Any


def s3_storages(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
    addressing_style: str = "path",
) -> dict[str, dict[str, Any]]:
    """The storages "default" (activity evidence), "uploads", "photos", "banners" and "library" (the three last
    private), each under its own prefix of ``bucket``."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "region_name": region or None,
        # Self-hosted stores answer at one address with the bucket in the path; AWS takes either.
        "addressing_style": addressing_style,
        "signature_version": "s3v4",
        "default_acl": None,  # the bucket's own (private): nothing is public
        "querystring_auth": True,  # a URL handed out (evidence files) is signed and expires
        "file_overwrite": True,  # names are ours (random ids, dates and primary keys), never a client's
    }
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**options, "location": "media"}},
        "uploads": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**options, "location": "uploads"}},
        **{
            alias: {"BACKEND": "switchoff.lib.storage_s3.PrivateS3Storage", "OPTIONS": {**options, "location": alias}}
            for alias in ("photos", "banners", "library")
        },
    }
