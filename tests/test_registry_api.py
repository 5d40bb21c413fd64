from __future__ import annotations

from typing import Any

from django.test import Client

from switchoff.people.services import api_token_create
from switchoff.subscribers.models import ImportJob, Subscriber
from tests.conftest import World


def client_for(user: object) -> Client:
    _token, raw = api_token_create(user=user, name="operator script")  # type: ignore[arg-type]
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_operator_posts_rows_as_json(world: World) -> None:
    client = client_for(world.operator_staff)
    body = {
        "operator_id": world.operator.pk,
        "area_id": world.province.pk,
        "as_of": "2024-08-01",
        "rows": [
            {"msisdn": "0868 123 456", "name": "Nguyễn Văn An", "address": "Khối 1, Phường Lương Văn Tri"},
            {"msisdn": "0868-123-456", "name": "Trùng Số"},
            {"msisdn": "abc"},
        ],
    }
    response = client.post("/api/v1/registry/rows", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["rows_read"], data["good"], data["new"]) == (3, 1, 1)
    assert [(p["row"], p["code"]) for p in data["problems"]] == [(2, "number_duplicate"), (3, "number_not_a_number")]
    again = client.post("/api/v1/registry/rows", body, content_type="application/json").json()
    assert again["already_imported"] is True
    assert Subscriber.objects.count() == 1


def test_operator_uploads_a_file_and_follows_the_job(world: World, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(world.operator_staff)
    content = "STT;SĐT;Họ tên\n1;0868000001;Lò Văn Em\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):  # the worker starts once the job commits
        response = client.post(
            "/api/v1/registry/files",
            {
                "file": SimpleUploadedFile("a.csv", content),
                "operator_id": world.operator.pk,
                "area_id": world.province.pk,
                "as_of": "2024-08-01",
            },
        )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued"  # answered before the commit that starts the worker
    followed = client.get(f"/api/v1/registry/jobs/{job['id']}").json()
    assert followed["status"] == "done" and followed["list_id"] is not None
    assert ImportJob.objects.get().created_by == world.operator_staff


def test_reporter_cannot_import_and_reads_masked_numbers(world: World) -> None:
    staff = client_for(world.operator_staff)
    staff.post(
        "/api/v1/registry/rows",
        {
            "operator_id": world.operator.pk,
            "area_id": world.province.pk,
            "as_of": "2024-08-01",
            "rows": [{"msisdn": "0868123456", "address": "Khối 1, Phường Lương Văn Tri"}],
        },
        content_type="application/json",
    )
    reporter = client_for(world.reporter_a)
    body = {"operator_id": world.operator.pk, "area_id": world.province.pk, "as_of": "2024-09-01", "rows": []}
    assert reporter.post("/api/v1/registry/rows", body, content_type="application/json").status_code == 403
    items = reporter.get("/api/v1/registry/subscribers", {"unit": world.ward_a.pk}).json()["items"]
    assert [i["number_masked"] for i in items] == ["086****456"]
