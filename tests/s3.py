"""An S3-compatible server for the tests: moto's server mode, started once per session on a free loopback port.

``s3_bucket`` gives each test its own empty bucket on it; ``machine`` stands for one app server or worker: its
own var folder (where nothing another machine needs may be written) and the storages in the shared bucket, as
``STORAGE_S3_*`` would configure them (``lib.s3config.s3_storages``).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.test import override_settings

from switchoff.lib.s3config import s3_storages

KEYS = {"access_key": "switchoff-test", "secret_key": "switchoff-test-secret", "region": "us-east-1"}


@dataclass
class Bucket:
    endpoint: str
    name: str

    def storages(self) -> dict[str, dict[str, Any]]:
        return {
            "staticfiles": settings.STORAGES["staticfiles"],
            **s3_storages(bucket=self.name, endpoint_url=self.endpoint, **KEYS),
        }

    def env(self) -> dict[str, str]:
        """The environment that configures a process (an app server, a worker) for this bucket."""
        return {
            "STORAGE_S3_BUCKET": self.name, "STORAGE_S3_ENDPOINT_URL": self.endpoint,
            "STORAGE_S3_ACCESS_KEY": KEYS["access_key"], "STORAGE_S3_SECRET_KEY": KEYS["secret_key"],
            "STORAGE_S3_REGION": KEYS["region"],
        }  # fmt: skip

    def client(self) -> Any:
        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"], region_name=KEYS["region"],
        )  # fmt: skip

    def objects(self, prefix: str = "") -> list[str]:
        found = self.client().list_objects_v2(Bucket=self.name, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"] for item in found)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer  # imported by the tests that use it only

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> Bucket:
    bucket = Bucket(endpoint, f"switchoff-{uuid.uuid4().hex[:12]}")
    bucket.client().create_bucket(Bucket=bucket.name)
    return bucket


@pytest.fixture
def s3_bucket(s3_server: str) -> Bucket:
    return new_bucket(s3_server)


def machine(bucket: Bucket, var: Path) -> override_settings:
    """The settings of one machine: its own var folder, every file in the shared bucket."""
    return override_settings(
        VAR_DIR=var, MEDIA_ROOT=var / "uploads", FIELD_PHOTO_DIR=var / "private" / "photos", STORAGES=bucket.storages()
    )


def files_under(folder: Path) -> list[Path]:
    """What a machine wrote to its own disk (nothing another machine would need)."""
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []
