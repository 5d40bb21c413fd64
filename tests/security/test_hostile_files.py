"""Every import of the project is fed every hostile file of the corpus (tests/security/hostile_files.py).

Each answers with a clear message or a clean result: never a server error,
never a job left running, and a refused file changes nothing that was there.
A new import joins the loop by adding a test here.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from switchoff.people.services import api_token_create
from switchoff.reports.models import Activity
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberEvent, SubscriberList
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.importing import check_on_page
from tests.reporting import make_campaign
from tests.security.hostile_files import SCRIPT_NAMES, HostileFile, corpus

pytestmark = pytest.mark.django_db

CORPUS = corpus()


def snapshot() -> dict[str, object]:
    return {
        "subscribers": Subscriber.objects.count(),
        "events": SubscriberEvent.objects.count(),
        "lists": SubscriberList.objects.count(),
        "units": Unit.objects.count(),
        "activities": Activity.objects.count(),
        "running jobs": ImportJob.objects.filter(status=ImportJob.Status.RUNNING).count(),
    }


def upload(hostile: HostileFile) -> SimpleUploadedFile:
    return SimpleUploadedFile(hostile.name, hostile.content)


def list_fields(world: World) -> dict[str, object]:
    return {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}


@pytest.mark.parametrize("hostile", CORPUS, ids=repr)
def test_operator_list_page(world: World, hostile: HostileFile) -> None:
    before = snapshot()
    client = logged_in(world.operator_staff)
    page = check_on_page(client, list_fields(world), upload(hostile))  # the check runs in the worker
    assert page.status_code == 200
    assert snapshot() == before, "checking a list writes nothing"
    if hostile.refusal:
        text = page.content.decode()
        assert hostile.refusal in text or (not hostile.content and page.context["form"].errors)
        assert "checked" not in page.context, "a refused file is not shown as checked"


@pytest.mark.parametrize("hostile", CORPUS, ids=repr)
def test_operator_list_api(world: World, hostile: HostileFile) -> None:
    before = snapshot()
    _token, raw = api_token_create(user=world.operator_staff, name="script")
    client = logged_in(world.operator_staff)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    with TestCase.captureOnCommitCallbacks(execute=True):  # the worker starts once the job commits
        response = client.post(
            "/api/v1/registry/files",
            {
                "file": upload(hostile),
                "operator_id": world.operator.pk,
                "area_id": world.province.pk,
                "as_of": "2024-08-01",
                "confirm": "true",
            },
        )
    assert response.status_code in {202, 413, 422}, response.content
    assert not ImportJob.objects.filter(status=ImportJob.Status.RUNNING).exists()
    if response.status_code != 202:
        assert response.json()["error"]["message"]
        assert snapshot() == before
        return
    # The answer was written before the commit started the worker: follow the job.
    job = client.get(f"/api/v1/registry/jobs/{response.json()['id']}").json()
    assert job["status"] in {"done", "failed"}
    assert not job["stalled"]
    if job["status"] == "failed":
        assert job["code"] != "crashed", "a hostile file is refused, not a crash"
        assert job["message"] and not job["message"].startswith("file:")
        assert snapshot() == before
    if hostile.refusal:
        assert job["status"] == "failed" and hostile.refusal in job["message"]


@pytest.mark.parametrize("hostile", CORPUS, ids=repr)
def test_operator_list_command(world: World, hostile: HostileFile, tmp_path: Path) -> None:
    path = tmp_path / hostile.name
    path.write_bytes(hostile.content)
    before = snapshot()
    try:
        call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of="2024-08-01", area="20")
    except CommandError as refused:
        assert snapshot() == before
        if hostile.refusal and hostile.content:
            assert hostile.refusal in str(refused)
        return
    assert not hostile.refusal, "the file should have been refused"


@pytest.mark.parametrize("hostile", CORPUS, ids=repr)
def test_villages_workbook_page(world: World, hostile: HostileFile) -> None:
    url = reverse("units:workbook_import", args=[world.ward_a.pk])
    client = logged_in(world.reporter_a)
    before = snapshot()
    page = client.post(url, {"file": upload(hostile)})
    assert page.status_code == 200
    assert snapshot() == before
    assert "<script>alert" not in page.content.decode(), "names are shown escaped"
    upload_id = page.context["upload_id"]
    if not upload_id:
        assert page.context["form"].errors
        return
    parsed = page.context["parsed"]
    done = client.post(url, {"upload_id": upload_id})
    assert done.status_code == 302
    if hostile.name == "script_villages.xlsx":
        # Odd names are only text: kept as written (the export escapes formulas).
        assert set(Unit.objects.filter(parent=world.ward_a, name__in=SCRIPT_NAMES).values_list("name", flat=True))
        return
    assert parsed.problems and not parsed.villages and not parsed.teams
    assert snapshot() == before


@pytest.mark.parametrize("hostile", CORPUS, ids=repr)
def test_activity_sheet_page(world: World, hostile: HostileFile) -> None:
    campaign = make_campaign(world)
    url = reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk])
    client = logged_in(world.reporter_a)
    before = snapshot()
    page = client.post(url, {"file": upload(hostile)})
    assert page.status_code == 200
    assert "<script>alert" not in page.content.decode()
    upload_id = page.context["upload_id"]
    if upload_id:
        assert page.context["parsed"].problems and not page.context["parsed"].rows
        # Confirming anyway (the proposed columns, or none) logs nothing: the preview is shown again.
        mapping = page.context["parsed"].mapping
        confirm = {"upload_id": upload_id, "file_name": hostile.name, "confirm": "1", "expected": "0"}
        if mapping is not None:
            confirm |= {"sheet": mapping.sheet, "header_row": mapping.header_row}
            confirm |= {f"map-{name}": column for name, column in mapping.columns.items()}
        assert client.post(url, confirm).status_code in {200, 302}
    else:
        assert page.context["form"].errors
    assert snapshot() == before


def test_the_corpus_has_each_kind_of_attack() -> None:
    names = {hostile.name for hostile in CORPUS}
    assert {"empty.csv", "truncated.xlsx", "zip_bomb.xlsx", "stray_quote.csv", "line_10mb.csv", "png.xlsx",
            "binary.csv", "columns_200.csv", "script_names.csv", "mixed_encodings.csv",
            "utf16_without_bom.csv"} <= names  # fmt: skip
    assert len(next(h for h in CORPUS if h.name == "zip_bomb.xlsx").content) < 1_000_000


def test_a_list_of_formula_and_script_names_imports_as_plain_text(world: World) -> None:
    """Odd names are not an attack on reading: they import as they are, and pages escape them."""
    hostile = next(h for h in CORPUS if h.name == "script_names.csv")
    _token, raw = api_token_create(user=world.operator_staff, name="script")
    client = logged_in(world.operator_staff)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    fields = {
        "operator_id": world.operator.pk,
        "area_id": world.province.pk,
        "as_of": datetime.date(2024, 8, 1),
        "confirm": True,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):  # the worker starts once the job commits
        queued = client.post("/api/v1/registry/files", {"file": upload(hostile), **fields}).json()
    assert ImportJob.objects.get(pk=queued["id"]).status == ImportJob.Status.DONE
    assert set(Subscriber.objects.values_list("name", flat=True)) == set(SCRIPT_NAMES) - {"\tTab đầu dòng"} | {
        "Tab đầu dòng"
    }
