"""Two machines on loopback: two app servers (``runserver``) and two worker hosts (``run_huey`` and
``run_scheduler`` each) as processes with var folders of their own, sharing PostgreSQL (the test's database),
Redis (db 13 of 127.0.0.1:6379) and an S3-compatible server (moto's, on loopback: ``tests/s3.py``).

A list uploaded through A is checked by either worker, its problems read and it is confirmed through B; the
worker that runs its import is killed with ``kill -9`` and the import completes on the other worker by itself (its
lease lapses after JOB_LEASE_S=3 s, the other worker's reaper queues it again), each subscriber written once and
the counters clean; a villages workbook checked through A is confirmed through B, and a visit's photo sent
through A is viewed through B (while the schedulers reach their next period); the counter squash, queued by both
schedulers, runs once per period.

It needs PostgreSQL (the processes share the database): the PostgreSQL pass of ``.ci/run`` runs it.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from switchoff.counts.verify import find_differences
from switchoff.fieldwork.models import Case, Visit, VisitPhoto
from switchoff.fieldwork.services import visits_record
from switchoff.jobs.models import PeriodicRun
from switchoff.people.models import User
from switchoff.people.services import api_token_create
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberList
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import LIST, device_client, import_rows, visit
from tests.reporting import make_campaign
from tests.s3 import Bucket, files_under
from tests.test_fieldwork_photos import jpeg
from tests.test_workbook import workbook

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/13"
ROWS = 3000
LEASE_S = 3


@dataclass
class Machine:
    name: str
    var: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self, role: str) -> Path:
        return self.var / f"{role}.log"

    def lines(self, role: str) -> list[dict[str, Any]]:
        text = self.log(role).read_text(errors="replace") if self.log(role).exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(what: str, condition: Callable[[], Any], timeout: float, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def machines(transactional_db: None, tmp_path: Path, s3_bucket: Bucket) -> Iterator[dict[str, Machine]]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL, which the machines share: .ci/run's PostgreSQL pass runs it")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()  # db 13 is this test's own: the queue and cache of the machines
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis on 127.0.0.1:6379 ({exc})")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "HUEY_IMMEDIATE"}}
    env.update(DATABASE_URL=_database_url(), REDIS_URL=REDIS_URL, SWITCHOFF_ENV="development", LOG_FORMAT="json",
               JOB_LEASE_S=str(LEASE_S), JOB_REAP_EVERY_S="1", SQUASH_EVERY_MIN="1", DB_CONN_MAX_AGE="0",
               PYTHONUNBUFFERED="1", **s3_bucket.env())  # fmt: skip
    for name in ("WORKER_METRICS_PORT", "PROMETHEUS_MULTIPROC_DIR", "SENTRY_DSN"):
        env.pop(name, None)
    found: dict[str, Machine] = {}
    commands = {
        "a": {"app": ["runserver", "--noreload", "--skip-checks"]},
        "b": {"app": ["runserver", "--noreload", "--skip-checks"]},
        "w1": {"worker": ["run_huey", "--workers", "2"], "scheduler": ["run_scheduler", "--workers", "1"]},
        "w2": {"worker": ["run_huey", "--workers", "2"], "scheduler": ["run_scheduler", "--workers", "1"]},
    }
    try:
        for name, roles in commands.items():
            machine = found[name] = Machine(name, tmp_path / name)
            machine.var.mkdir()
            for role, args in roles.items():
                if role == "app":
                    machine.port = _free_port()
                    args = [*args, f"127.0.0.1:{machine.port}"]
                with machine.log(role).open("wb") as out:
                    machine.processes[role] = subprocess.Popen(
                        [sys.executable, "manage.py", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                        env={**env, "SWITCHOFF_VAR_DIR": str(machine.var)},
                    )  # fmt: skip
        for app in (found["a"], found["b"]):
            _wait(f"app server {app.name}", functools.partial(_live, app), timeout=90)
        yield found
    finally:
        for machine in found.values():
            for process in machine.processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in machine.processes.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=20)
        redis.Redis.from_url(REDIS_URL).flushdb()


def _live(machine: Machine) -> bool:
    try:
        return requests.get(machine.url + "/health/live", timeout=2).status_code == 200
    except requests.RequestException:
        return False


CSRF = "x" * 32  # a secret of our own, sent as the cookie and as the header, as a page's script would


def _browser(user: User) -> requests.Session:
    """A person's browser, signed in (a session in the shared database, which every app server reads)."""
    session = requests.Session()
    session.cookies.set("sessionid", logged_in(user).cookies["sessionid"].value)
    session.cookies.set("csrftoken", CSRF)
    session.headers["X-CSRFToken"] = CSRF
    return session


def _villages_and_photo_cross_machines(world: World, a: Machine, b: Machine, s3_bucket: Bucket) -> None:
    """A villages workbook checked through A is confirmed through B; a photo sent through A is viewed through B."""
    url = reverse("units:workbook_import", args=[world.ward_a.pk])
    browser = _browser(world.reporter_a)
    book = workbook(villages=[[1, "Khối 7"]], teams=[]).getvalue()
    checked = browser.post(a.url + url, files={"file": ("thon.xlsx", book)}, timeout=30)
    assert checked.status_code == 200, checked.text
    (upload_id,) = re.findall(r'name="upload_id" value="([^"]+)"', checked.text)
    assert not Unit.objects.filter(name="Khối 7").exists()
    confirmed = browser.post(b.url + url, data={"upload_id": upload_id}, allow_redirects=False, timeout=30)
    assert confirmed.status_code == 302, confirmed.text
    assert Unit.objects.filter(name="Khối 7", parent=world.ward_a).count() == 1

    # A visit to a subscriber of a later list (the field's own list, written here), then its photo through A.
    make_campaign(world, end_date=timezone.localdate() + datetime.timedelta(days=365))
    import_rows(world, LIST, datetime.date(2024, 8, 2))
    an = Case.objects.get(subscriber__name="Nguyễn Văn An")
    (result,) = visits_record(actor=world.member_a, visits=[visit(an, "informed", consent_photo=True)])
    made = Visit.objects.get(pk=result.id)
    _client, raw = device_client(world.member_a)
    sent = requests.post(a.url + f"/api/v1/field/visits/{made.pk}/photos", data={"id": str(uuid.uuid4())},
                         files={"photo": ("p.jpg", jpeg(), "image/jpeg")}, headers={"Authorization": f"Device {raw}"},
                         timeout=30)  # fmt: skip
    assert sent.status_code == 201, sent.text
    photo = VisitPhoto.objects.get()
    viewed = _browser(world.leader_a).get(b.url + reverse("fieldwork:photo", kwargs={"photo_id": photo.pk}), timeout=30)
    assert viewed.status_code == 200 and viewed.content[:2] == b"\xff\xd8"
    assert s3_bucket.objects("photos/") == [f"photos/{photo.file.name}"]


def _list() -> bytes:
    lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ"]
    lines += [f"{n};0868{n:06d};Người Thứ {n};Khối 1, Phường Lương Văn Tri" for n in range(1, ROWS + 1)]
    lines += [f"{ROWS + 1};abc;Số Sai;", f"{ROWS + 2};xyz;Số Sai Nữa;"]  # two problems, read on the other machine
    return ("\n".join(lines) + "\n").encode()


def test_two_machines_share_the_work_and_a_killed_worker_loses_nothing(
    world: World, machines: dict[str, Machine], s3_bucket: Bucket, request: pytest.FixtureRequest
) -> None:
    import psycopg

    a, b = machines["a"], machines["b"]
    _token, raw = api_token_create(user=world.operator_staff, name="two machines")
    auth = {"Authorization": f"Bearer {raw}"}
    form = {"operator_id": world.operator.pk, "area_id": world.province.pk, "as_of": "2024-08-01"}

    # Uploaded through A: the answer is the job at once, and either worker checks the list.
    uploaded = requests.post(a.url + "/api/v1/registry/files", data=form, files={"file": ("vt.csv", _list())},
                             headers=auth, timeout=120)  # fmt: skip
    assert uploaded.status_code == 202, uploaded.text
    upload_id, job_id = uploaded.json()["upload_id"], uploaded.json()["id"]

    def checked() -> dict[str, Any] | None:
        job = requests.get(b.url + f"/api/v1/registry/jobs/{job_id}", headers=auth, timeout=10).json()
        return job if job["status"] in {"checked", "failed"} else None

    assert _wait("a worker to check the list", checked, timeout=60, every=0.3)["status"] == "checked"
    # Its check and problems read through B.
    ids = {"operator_id": world.operator.pk, "area_id": world.province.pk}
    check = requests.get(b.url + f"/api/v1/registry/files/{upload_id}", params=ids, headers=auth, timeout=30).json()
    assert (check["summary"]["good"], check["problems_total"]) == (ROWS, 2), check
    assert sorted(p["value"] for p in check["problems"]) == ["abc", "xyz"]

    # The import will wait on the operator's row, held here: the job is then running, on one worker, for sure.
    # (FOR NO KEY UPDATE: the confirmation's rows that point to the operator still go through.)
    hold = psycopg.connect(_database_url().replace("postgres://", "postgresql://"))
    request.addfinalizer(hold.close)
    hold.execute("SELECT 1 FROM units_unit WHERE id = %s FOR NO KEY UPDATE", [world.operator.pk])

    # Confirmed through B: the same job writes it.
    confirmed = requests.post(b.url + f"/api/v1/registry/files/{upload_id}/confirm", json=ids, headers=auth,
                              timeout=60)  # fmt: skip
    assert confirmed.status_code == 202 and confirmed.json()["id"] == job_id, confirmed.text

    def running_on() -> str:
        job = ImportJob.objects.get(pk=job_id)
        return job.leased_by if job.status == ImportJob.Status.RUNNING and job.leased_by else ""

    holder = _wait("a worker to take the import", running_on, timeout=60)
    workers = {m.processes["worker"].pid: m for m in (machines["w1"], machines["w2"])}
    pid = int(holder.split(":")[1])
    assert pid in workers, (holder, workers)
    doomed = workers.pop(pid)
    (survivor,) = workers.values()
    time.sleep(LEASE_S)  # the running worker extends its lease meanwhile: nobody takes the job
    assert ImportJob.objects.get(pk=job_id).leased_by == holder
    os.kill(pid, signal.SIGKILL)
    doomed.processes["worker"].wait(timeout=10)
    hold.rollback()

    def finished() -> dict[str, Any] | None:
        job = requests.get(a.url + f"/api/v1/registry/jobs/{job_id}", headers=auth, timeout=10).json()
        return job if job["status"] in {"done", "failed"} else None

    job = _wait("the import to complete on the other worker", finished, timeout=90, every=0.5)
    assert (job["status"], job["code"]) == ("done", ""), job
    assert job["counts"]["new"] == ROWS
    assert Subscriber.objects.count() == ROWS and SubscriberList.objects.count() == 1
    assert Subscriber.objects.values("msisdn").distinct().count() == ROWS
    assert find_differences() == []  # manage.py verify_counts finds nothing
    stored = ImportJob.objects.get(pk=job_id)
    assert (stored.attempts, stored.leased_by, stored.lease_until) == (2, "", None)
    lost = [line for line in survivor.lines("worker") if "lost its worker" in line["message"]]
    assert lost, survivor.log("worker").read_text()

    # The files kept between two requests, and photos, are read by whichever app server gets the next request.
    _villages_and_photo_cross_machines(world, a, b, s3_bucket)

    # The squash, queued by both schedulers each minute (SQUASH_EVERY_MIN=1), runs once per period.
    def squashed_periods() -> list[str]:
        periods = []
        for machine in (machines["w1"], machines["w2"]):
            for line in machine.lines("scheduler"):
                match = re.match(r"Periodic task squash_counts_often (runs|already ran) for the period of (\S+?)[;.]",
                                 line["message"])  # fmt: skip
                if match:
                    periods.append((match.group(1), match.group(2)))
        # A period counts once both schedulers have queued it.
        both = Counter(period for _what, period in periods)
        return [p for p, n in both.items() if n >= 2]

    done = _wait("both schedulers to queue the squash", squashed_periods, timeout=75, every=1)
    for period in done:
        ran = f"Periodic task squash_counts_often runs for the period of {period}."
        runs = [m for m in (machines["w1"], machines["w2"]) for line in m.lines("scheduler") if line["message"] == ran]
        assert len(runs) == 1, period
    assert PeriodicRun.objects.filter(task="squash_counts_often").count() >= len(done)
    # Nothing another machine needed was kept on one machine's disk: every file went to the bucket.
    for machine in machines.values():
        assert files_under(machine.var / "uploads") == [], machine.name
