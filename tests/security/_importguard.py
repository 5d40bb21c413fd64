"""Helpers of the registry-import guard tests: lists, the three ways in, and the registry's state."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from switchoff.lib.sheets import read_file
from switchoff.lib.uploads import store_upload
from switchoff.people.models import User
from switchoff.people.services import api_token_create
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.jobs import owner_key
from switchoff.subscribers.models import ImportJob, Subscriber
from tests.conftest import World
from tests.importing import check_on_page, job_of

AUG = datetime.date(2024, 8, 1)
SEP = datetime.date(2024, 9, 1)
HEADER = "STT;Số thuê bao;Họ và tên;Địa chỉ\n"
FOUR = ("0868100001", "0868100002", "0868100003", "0868100004")


def listing(*numbers: str, header: str = HEADER) -> bytes:
    rows = "".join(f"{n};{number};Người {n};Khối 1, Phường Lương Văn Tri\n" for n, number in enumerate(numbers, 1))
    return (header + rows).encode()


def load_four(world: World) -> None:
    """The operator's first list of the province: four subscribers, as of 1/8/2024."""
    content = listing(*FOUR)
    import_list(read_file(content, "t8.csv"), content=content, operator=world.operator, area=world.province, as_of=AUG)


def statuses() -> dict[str, str]:
    return dict(Subscriber.objects.values_list("msisdn", "status"))


def nobody_left() -> bool:
    return not Subscriber.objects.filter(status=Subscriber.Status.LEFT).exists()


def api_client(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="operator script")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def api_job(client: Client, uploaded: Any) -> dict[str, Any]:
    """The job an upload answered (202), as it is now: it checked (and wrote, or refused) once the upload committed."""
    assert uploaded.status_code == 202, uploaded.content
    job: dict[str, Any] = client.get(f"/api/v1/registry/jobs/{uploaded.json()['id']}").json()
    return job


def post_file(client: Client, world: World, content: bytes, as_of: str = "2024-09-01", **extra: Any) -> Any:
    """Upload through the API with confirm=true; the job checks and writes (Huey immediate) once the request
    commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/api/v1/registry/files",
            {
                "file": SimpleUploadedFile("ds.csv", content),
                "operator_id": world.operator.pk,
                "area_id": world.province.pk,
                "as_of": as_of,
                "confirm": "true",  # checked and queued in one call (the two-step flow: tests/test_registry_api.py)
                **extra,
            },
        )


def post_rows(client: Client, world: World, numbers: list[str], as_of: str = "2024-09-01", **extra: Any) -> Any:
    body = {
        "operator_id": world.operator.pk,
        "area_id": world.province.pk,
        "as_of": as_of,
        "rows": [{"msisdn": number} for number in numbers],
        **extra,
    }
    return client.post("/api/v1/registry/rows", body, content_type="application/json")


def page_form(world: World, as_of: str = "01/09/2024") -> dict[str, Any]:
    return {"operator": world.operator.pk, "area": world.province.pk, "as_of": as_of}


def page_check(client: Client, world: World, content: bytes, as_of: str = "01/09/2024") -> Any:
    """The import page's first step: upload; the check runs as a job; the job's page with what it found."""
    return check_on_page(client, page_form(world, as_of), SimpleUploadedFile("ds.csv", content) if content else None)


def page_confirm(client: Client, page: Any, **extra: str) -> Any:
    """Confirm the checked job of ``page`` (the write runs once the confirmation commits); the page it lands on."""
    url = reverse("subscribers:job_confirm", args=[job_of(page).pk])
    with TestCase.captureOnCommitCallbacks(execute=True):  # the job runs once its row commits
        return client.post(url, {"confirm": "1", **extra}, follow=True)


def written() -> bool:
    """Whether a job was queued to write (a check alone writes nothing to the registry)."""
    return ImportJob.objects.exclude(status__in=[ImportJob.Status.CHECKING, ImportJob.Status.CHECKED,
                                                 ImportJob.Status.FAILED]).exists()  # fmt: skip


def stored(world: World, content: bytes) -> str:
    """An upload stored as the page stores it (for a confirm posted by hand)."""
    upload_id, _path = store_upload(
        "subscribers", owner_key(world.operator.pk, world.province.pk), SimpleUploadedFile("ds.csv", content)
    )
    return upload_id


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
