"""/metrics: django-prometheus's requests, latency and database, and switchoff's own (the queue's depth and its
oldest task's age, the workers alive, the import's rows, the visits received), behind a bearer token; counts of
several processes added up through PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from huey.contrib.djhuey import HUEY
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from switchoff.ops import queue
from switchoff.subscribers import jobs
from switchoff.subscribers.models import ImportJob
from switchoff.subscribers.tasks import import_job_task
from tests.conftest import World
from tests.fieldwork_helpers import device_client, open_field, visit_json
from tests.test_import_jobs import make_job

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "scrape-me-" + "x" * 30


def scrape(token: str | None = TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get("/metrics", headers=headers)


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


@pytest.mark.django_db
def test_metrics_are_off_without_a_token_and_refused_with_a_wrong_one() -> None:
    with override_settings(METRICS_TOKEN=""):
        assert scrape().status_code == 404
    with override_settings(METRICS_TOKEN=TOKEN):
        assert scrape(None).status_code == 401
        refused = scrape("not-the-token")
        assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_answer_every_name(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    rows_before, visits_before = (
        value("switchoff_import_rows_total"),
        value("switchoff_field_visits_received_total", result="created"),
    )
    # An import job writes a list of 20 rows.
    lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ"]
    lines += [f"{n};0868{n:06d};Người Thứ {n};Khối 1, Phường Lương Văn Tri" for n in range(1, 21)]
    job = make_job(world, ("\n".join(lines) + "\n").encode())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    jobs.run_job(job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    # A member sends two visits from the field, one of them twice.
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    sent = [visit_json(field.an, "informed"), visit_json(field.binh, "not_home")]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/field/visits", {"visits": sent}, content_type="application/json")
        client.post("/api/v1/field/visits", {"visits": sent[:1]}, content_type="application/json")
    # A task waits in the queue, queued two minutes ago, and one worker is alive.
    monkeypatch.setattr(HUEY, "immediate", False)
    HUEY.flush()
    import_job_task(job.pk)
    (waiting,) = HUEY.pending()
    cache.set(queue.QUEUED_KEY + str(waiting.id), time.time() - 120, timeout=600)
    queue.beat()
    try:
        response = scrape()
    finally:
        HUEY.flush()
    assert response.status_code == 200
    found = samples(response.content)
    names = {name for name, _labels in found}
    for name in (
        "django_http_requests_total_by_method_total",
        "django_http_requests_latency_seconds_by_view_method_bucket",
        "django_db_execute_total",
        "django_db_query_duration_seconds_bucket",
        "switchoff_import_rows_per_second_bucket",
    ):
        assert name in names, name
    assert found[("switchoff_queue_depth", ())] == 1
    assert 120 <= found[("switchoff_queue_oldest_age_seconds", ())] < 600
    assert found[("switchoff_workers_alive", ())] == 1
    assert found[("switchoff_import_rows_total", ())] - rows_before == 20
    assert found[("switchoff_import_rows_per_second_count", ())] >= 1
    created = found[("switchoff_field_visits_received_total", (("result", "created"),))]
    assert created - visits_before == 2
    assert found[("switchoff_field_visits_received_total", (("result", "same"),))] >= 1


def test_several_processes_add_up_through_the_multiprocess_folder(tmp_path: Path) -> None:
    """Two processes (as two gunicorn workers) count visits; a third (the one scraped) answers their sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "switchoff.test_settings"}
    count = "from switchoff.ops.metrics import record_visits; record_visits(['created'] * {n} + ['conflict'])"
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, cwd=ROOT, check=True, timeout=120)
    show = (
        "import django; django.setup(); from switchoff.ops.metrics import this_process_group; "
        "from prometheus_client import generate_latest; print(generate_latest(this_process_group()).decode())"
    )
    out = subprocess.run([sys.executable, "-c", show], env=env, cwd=ROOT, check=True, timeout=120,
                         capture_output=True, text=True).stdout  # fmt: skip
    found = samples(out.encode())
    assert found[("switchoff_field_visits_received_total", (("result", "created"),))] == 7
    assert found[("switchoff_field_visits_received_total", (("result", "conflict"),))] == 2
