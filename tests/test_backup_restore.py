"""deploy/backup.sh, restore.sh and upgrade.sh, run as a deployer runs them, on PostgreSQL.

A site with a registry (an operator's list) and a visit's photo is backed up; the backup is restored into an
EMPTY database and EMPTY storage folders; the restored site then shows the same registry, row for row, and
serves the same photo, byte for byte. Old backups expire; a restore refuses a database that is not empty; an
upgrade migrates first, then restarts the app servers one at a time, each healthy before the next.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection

from switchoff.fieldwork.services import visit_photo_add, visits_record
from tests.conftest import World
from tests.fieldwork_helpers import open_field, visit
from tests.s3 import Bucket, files_under, machine, new_bucket
from tests.test_fieldwork_photos import jpeg

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the scripts back up PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump and pg_restore are PostgreSQL's client"),
]

# What the site shows, asked of it the way a person would: the registry page of the ward as the coordinator,
# the photo through its view as the team leader; and the rows behind them.
SHOW = """
import hashlib, json, sys, django
django.setup()
from django.urls import reverse
from switchoff.fieldwork.models import VisitPhoto
from switchoff.people.models import User
from switchoff.subscribers.models import Subscriber, SubscriberList
from tests.conftest import logged_in
coordinator, leader = (User.objects.get(username=name) for name in sys.argv[1:3])
page = logged_in(coordinator).get(reverse("subscribers:registry"), {"unit": sys.argv[3], "status": "all"})
(photo,) = VisitPhoto.objects.all()
served = logged_in(leader).get(reverse("fieldwork:photo", kwargs={"photo_id": photo.pk}))
fields = [f.attname for f in Subscriber._meta.concrete_fields]
rows = [[str(v) for v in row] for row in Subscriber.objects.order_by("pk").values_list(*fields)]
print(json.dumps({
    "registry_page": page.status_code,
    "names_on_page": sorted(n for n in Subscriber.objects.values_list("name", flat=True) if n in page.content.decode()),
    "subscribers": rows,
    "lists": list(SubscriberList.objects.order_by("pk").values_list("digest", "status")),
    "photo_page": served.status_code,
    "photo_sha256": hashlib.sha256(b"".join(served.streaming_content)).hexdigest(),
}))
"""


def url_of(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def admin() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432, autocommit=True,
    )  # fmt: skip


@pytest.fixture
def empty_database(transactional_db: None) -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored"
    with admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_env(database: str, var: Path, photos: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL", "SWITCHOFF_"))}
    env.update(
        DATABASE_URL=url_of(database), SWITCHOFF_VAR_DIR=str(var), SWITCHOFF_FIELD_PHOTO_DIR=str(photos),
        DJANGO_SETTINGS_MODULE="switchoff.settings", PYTHON=sys.executable, LOG_FORMAT="plain", **more,
    )  # fmt: skip
    return env


def run(args: list[str], env: dict[str, str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def show(env: dict[str, str], world: World) -> dict[str, Any]:
    out = run([sys.executable, "-c", SHOW, world.coordinator.username, world.leader_a.username,
               str(world.ward_a.pk)], env).stdout  # fmt: skip
    shown: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return shown


def a_site(world: World) -> None:
    """A registry imported from an operator's list, a visit with its photo, and an evidence file."""
    field = open_field(world)
    (made,) = visits_record(actor=world.member_a, visits=[visit(field.an, "informed", consent_photo=True)])
    visit_photo_add(actor=world.member_a, visit_id=made.id, photo_id=uuid.uuid4(), content=jpeg())
    storages["default"].save("evidence/loa-phuong.txt", ContentFile("Phát thanh ngày 05/8".encode()))


@pytest.mark.counts_unverified  # the counters are checked by the restored site's own pages, not here
def test_a_backup_restored_into_an_empty_database_and_storages_shows_the_same_site(
    world: World, empty_database: str, tmp_path: Path
) -> None:
    a_site(world)
    source = site_env(connection.settings_dict["NAME"], Path(settings.VAR_DIR), Path(settings.FIELD_PHOTO_DIR))
    backups = tmp_path / "backups"
    backups.mkdir()
    # An archive older than the retention and a recent one, left by earlier nights.
    old, recent = backups / "switchoff-20240101T000000Z.tar", backups / "switchoff-20240301T000000Z.tar"
    for path, days in ((old, 30), (recent, 2)):
        path.write_bytes(b"an earlier backup")
        stamp = time.time() - days * 86400
        os.utime(path, (stamp, stamp))

    made = run(["bash", "deploy/backup.sh"], {**source, "BACKUP_DIR": str(backups), "BACKUP_KEEP_DAYS": "14"})
    archive = Path(made.stdout.strip().splitlines()[-1])
    assert archive.parent == backups and archive.name.startswith("switchoff-") and archive.stat().st_size > 0
    assert not old.exists() and recent.exists()  # expired after BACKUP_KEEP_DAYS, the recent one kept
    assert f"removed {old}" in made.stderr

    restored_var = tmp_path / "restored-var"
    restored = site_env(empty_database, restored_var, restored_var / "private" / "photos")
    run(["bash", "deploy/restore.sh", str(archive)], restored)

    before, after = show(source, world), show(restored, world)
    assert before["registry_page"] == after["registry_page"] == 200
    assert before["photo_page"] == after["photo_page"] == 200
    assert len(before["subscribers"]) == 5 and before["names_on_page"]
    assert after == before
    assert (restored_var / "uploads" / "evidence" / "loa-phuong.txt").read_text() == "Phát thanh ngày 05/8"

    # A second restore into the now filled database is refused before anything is written.
    again = run(["bash", "deploy/restore.sh", str(archive)], restored, check=False)
    assert again.returncode == 1
    assert "the database already has" in again.stderr and "restore into an empty database" in again.stderr
    assert show(restored, world) == before


@pytest.mark.counts_unverified  # the counters are checked by the restored site's own pages, not here
def test_a_site_on_a_bucket_is_restored_into_an_empty_database_and_an_empty_bucket(
    world: World, empty_database: str, s3_server: str, s3_bucket: Bucket, tmp_path: Path
) -> None:
    with machine(s3_bucket, tmp_path / "a"):
        a_site(world)
    source = site_env(connection.settings_dict["NAME"], tmp_path / "a", tmp_path / "a" / "photos", **s3_bucket.env())
    archive = run(["bash", "deploy/backup.sh"], {**source, "BACKUP_DIR": str(tmp_path)}).stdout.strip().splitlines()[-1]
    empty = new_bucket(s3_server)
    restored = site_env(empty_database, tmp_path / "b", tmp_path / "b" / "photos", **empty.env())
    run(["bash", "deploy/restore.sh", archive], restored)
    before, after = show(source, world), show(restored, world)
    assert before["photo_page"] == after["photo_page"] == 200 and len(before["subscribers"]) == 5
    assert after == before
    assert empty.objects() == s3_bucket.objects() and "media/evidence/loa-phuong.txt" in empty.objects()
    for var in (tmp_path / "a", tmp_path / "b"):  # no file in a storage's folder (the queue's is one machine's)
        assert [
            path for path in files_under(var) if not (path.name.startswith("huey") and path.name.endswith(".sqlite3"))
        ] == []


def test_a_restore_refuses_storages_that_are_not_empty(world: World, empty_database: str, tmp_path: Path) -> None:
    a_site(world)
    source = site_env(connection.settings_dict["NAME"], Path(settings.VAR_DIR), Path(settings.FIELD_PHOTO_DIR))
    archive = run(["bash", "deploy/backup.sh"], {**source, "BACKUP_DIR": str(tmp_path)}).stdout.strip().splitlines()[-1]
    var = tmp_path / "var"
    (var / "private" / "photos").mkdir(parents=True)
    (var / "private" / "photos" / "someone-elses.jpg").write_bytes(b"\xff\xd8")
    refused = run(["bash", "deploy/restore.sh", archive], site_env(empty_database, var, var / "private" / "photos"),
                  check=False)  # fmt: skip
    assert refused.returncode != 0
    assert "the storage 'photos' is not empty" in refused.stderr
    with psycopg.connect(url_of(empty_database)) as conn:  # nothing of the database was restored either
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


@pytest.fixture
def health_server(tmp_path: Path) -> Iterator[int]:
    """Stands for a restarted app server answering /health/live."""
    (tmp_path / "site" / "health").mkdir(parents=True)
    (tmp_path / "site" / "health" / "live").write_text("ok")
    from tests.test_deploy import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path / "site", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(0.5)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_upgrade_migrates_first_then_restarts_the_app_servers_one_at_a_time(
    world: World, tmp_path: Path, health_server: int
) -> None:
    site = site_env(connection.settings_dict["NAME"], tmp_path / "var", tmp_path / "var" / "private" / "photos")
    env = {**site, "BACKUP_DIR": str(tmp_path / "backups"), "SYSTEMCTL": "echo systemctl",
           "APP_HOSTS": "local local", "APP_PORT": str(health_server)}  # fmt: skip
    done = run(["bash", "deploy/upgrade.sh"], env)
    steps = [line.removeprefix("upgrade.sh: ") for line in done.stderr.splitlines() if line.startswith("upgrade.sh:")]
    assert steps == [
        "backing up",
        "installing the production requirements on local",
        "migrating",
        "collecting static files on local",
        "collecting static files on local",
        "restarting the app server on local",
        "the app server on local is back",
        "restarting the app server on local",
        "the app server on local is back",
        "restarting the worker on local",
        "restarting the scheduler on local",
        "done",
    ]
    assert done.stdout.splitlines() == [
        "systemctl restart switchoff-web",
        "systemctl restart switchoff-web",
        "systemctl restart switchoff-worker",
        "systemctl restart switchoff-scheduler",
    ]
    assert len(list((tmp_path / "backups").glob("switchoff-*.tar"))) == 1


def test_an_upgrade_stops_at_an_app_server_that_does_not_come_back(world: World, tmp_path: Path) -> None:
    from tests.test_deploy import free_port

    site = site_env(connection.settings_dict["NAME"], tmp_path / "var", tmp_path / "var" / "private" / "photos")
    env = {**site, "UPGRADE_SKIP_BACKUP": "1", "SYSTEMCTL": "echo systemctl", "APP_HOSTS": "local local",
           "APP_PORT": str(free_port()), "HEALTH_WAIT_S": "2"}  # fmt: skip
    failed = run(["bash", "deploy/upgrade.sh"], env, check=False)
    assert failed.returncode == 1
    assert "did not come back within 2 s: stopping here" in failed.stderr
    # The first app server only: the others keep serving the previous release, the workers are untouched.
    assert failed.stdout.splitlines() == ["systemctl restart switchoff-web"]


def test_backups_refuse_a_malformed_retention(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/x", "BACKUP_DIR": str(tmp_path),
           "BACKUP_KEEP_DAYS": "two weeks"}  # fmt: skip
    result = run(["bash", "deploy/backup.sh"], env, check=False)
    assert result.returncode == 2 and "BACKUP_KEEP_DAYS=two weeks is not a whole number" in result.stderr
    assert datetime.date.today()  # nothing was written
    assert list(tmp_path.iterdir()) == []
