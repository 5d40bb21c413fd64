from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from switchoff.people.services import api_token_create
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberList
from tests.conftest import World
from tests.security._importguard import FOUR, listing, load_four

HALF = listing(*FOUR[:2])  # two of the four leave: more than the 30 % share


def client_for(user: object) -> Client:
    _token, raw = api_token_create(user=user, name="operator script")  # type: ignore[arg-type]
    return Client(headers={"Authorization": f"Bearer {raw}"})


# A list with a number that lost its 0, a pre-2018 number, an address of ward A, one nobody knows, and a bad row.
LIST = (
    "STT;SĐT;Họ tên;Địa chỉ\n"
    "1;868000001;Lò Văn Em;Khối 1, Phường Lương Văn Tri\n"
    "2;01683000002;Hà Thị Hoa;Khối 2, Phường Lương Văn Tri\n"
    "3;0868000003;Vi Văn Ba;Bản Không Có, Xã Không Có\n"
    "4;abc;Nông Văn Tư;\n"
).encode()


def upload(client: Client, world: World, content: bytes = LIST, **extra: Any) -> Any:
    fields = {"operator_id": world.operator.pk, "area_id": world.province.pk, "as_of": "2024-08-01"}
    with TestCase.captureOnCommitCallbacks(execute=True):  # a job, if one is queued, runs once it commits
        return client.post("/api/v1/registry/files", {"file": SimpleUploadedFile("a.csv", content), **fields, **extra})


def check_of(client: Client, world: World, uploaded: Any, **params: Any) -> Any:
    """The upload's check, done by the worker (at once in the tests): ``GET /files/{upload_id}``."""
    assert uploaded.status_code == 202, uploaded.content
    query = {"operator_id": world.operator.pk, "area_id": world.province.pk, **params}
    return client.get(f"/api/v1/registry/files/{uploaded.json()['upload_id']}", query)


def confirm(client: Client, world: World, upload_id: str, **extra: Any) -> Any:
    body = {"operator_id": world.operator.pk, "area_id": world.province.pk, **extra}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"/api/v1/registry/files/{upload_id}/confirm", body, content_type="application/json")


def test_operator_posts_rows_as_json_field_by_field(world: World) -> None:
    client = client_for(world.operator_staff)
    body = {
        "operator_id": world.operator.pk,
        "area_id": world.province.pk,
        "as_of": "2024-08-01",
        "rows": [
            # Fields by name: the village and the commune in their own fields, no header to guess.
            {"msisdn": "0868 123 456", "name": "Nguyễn Văn An", "village": "Khối 2", "commune": "Phường Lương Văn Tri"},
            {"msisdn": "0868-123-456", "name": "Trùng Số"},
            {"msisdn": "abc"},
        ],
    }
    checked = client.post("/api/v1/registry/rows", {**body, "confirm": False}, content_type="application/json")
    assert checked.status_code == 200, checked.content
    assert checked.json()["imported"] is False and not Subscriber.objects.exists()
    response = client.post("/api/v1/registry/rows", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["imported"], data["rows_read"], data["good"], data["new"]) == (True, 3, 1, 1)
    assert [(p["row"], p["code"]) for p in data["problems"]] == [(2, "number_duplicate"), (3, "number_not_a_number")]
    assert data["summary"]["rejected"] == {"number_duplicate": 1, "number_not_a_number": 1}
    assert data["communes"] == [
        {"unit_id": world.ward_a.pk, "name": "Phường Lương Văn Tri", "subscribers": 1, "in_area": True,
         "previous": None, "change": None, "jump": False, "partial": 0, "written": [], "province_id": world.province.pk}
    ]  # fmt: skip
    assert data["provinces"] == []  # a list for a province: no split
    assert Subscriber.objects.get().unit == world.villages_a[1]
    again = client.post("/api/v1/registry/rows", body, content_type="application/json").json()
    assert again["already_imported"] is True
    assert Subscriber.objects.count() == 1


def test_an_upload_is_checked_in_the_background_and_writes_nothing_until_confirmed(world: World) -> None:
    client = client_for(world.operator_staff)
    uploaded = upload(client, world)
    assert uploaded.status_code == 202, uploaded.content
    assert uploaded.json()["status"] == "checking"  # answered before the commit that starts the worker
    job = client.get(f"/api/v1/registry/jobs/{uploaded.json()['id']}").json()
    assert job["status"] == "checked" and job["upload_id"] == uploaded.json()["upload_id"]
    response = check_of(client, world, uploaded)
    assert response.status_code == 200, response.content
    check = response.json()
    assert check["job_id"] == job["id"]
    assert check["summary"] | {"rejected": None, "warned": None} == {
        "rows_read": 4, "good": 3, "errors": 1, "warnings": check["summary"]["warnings"], "restored_zero": 1,
        "legacy_converted": 1, "resolved": 2, "unresolved": 1, "rejected": None, "warned": None,
    }  # fmt: skip
    assert check["summary"]["rejected"] == {"number_not_a_number": 1}
    assert check["communes"] == [
        {"unit_id": world.ward_a.pk, "name": "Phường Lương Văn Tri", "subscribers": 2, "in_area": True,
         "previous": None, "change": None, "jump": False, "partial": 0, "written": [], "province_id": world.province.pk}
    ]  # fmt: skip
    assert check["already_imported"] is False and check["mass_leave"] is False
    assert check["problems_total"] == len(check["problems"]) and check["next_offset"] is None
    assert not Subscriber.objects.exists() and ImportJob.objects.get().status == ImportJob.Status.CHECKED
    # The problems a page at a time, from the stored check (the file is not read again).
    params = {"operator_id": world.operator.pk, "area_id": world.province.pk, "limit": 1}
    first = client.get(f"/api/v1/registry/files/{check['upload_id']}", params).json()
    assert first["problems"] == check["problems"][:1] and first["next_offset"] == 1
    second = client.get(f"/api/v1/registry/files/{check['upload_id']}", {**params, "offset": 1}).json()
    assert second["problems"] == check["problems"][1:2]
    # Confirming queues the write; the job's status names its counts.
    queued = confirm(client, world, check["upload_id"])
    assert queued.status_code == 202, queued.content
    assert queued.json()["status"] == "queued"  # answered before the commit that starts the worker
    job = client.get(f"/api/v1/registry/jobs/{queued.json()['id']}").json()
    assert job["status"] == "done" and job["list_id"] is not None
    assert job["counts"] == {"rows_read": 4, "good": 3, "rejected": {"number_not_a_number": 1}, "new": 3,
                             "relisted": 0, "moved": 0, "unchanged": 0, "left": 0}  # fmt: skip
    assert Subscriber.objects.count() == 3
    assert ImportJob.objects.get().created_by == world.operator_staff
    # A retried confirmation answers the same job and queues nothing more.
    assert confirm(client, world, check["upload_id"]).json()["id"] == job["id"]
    assert ImportJob.objects.count() == 1


def test_a_check_is_found_only_under_its_operator_and_area(world: World) -> None:
    staff = client_for(world.operator_staff)
    upload_id = upload(staff, world).json()["upload_id"]
    assert check_of(staff, world, upload(staff, world)).status_code == 200
    other_area = {"operator_id": world.operator.pk, "area_id": world.ward_a.pk}
    assert staff.get(f"/api/v1/registry/files/{upload_id}", other_area).status_code == 404
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = staff.post(
            f"/api/v1/registry/files/{upload_id}/confirm", other_area, content_type="application/json"
        )
    assert response.status_code == 404
    reporter = client_for(world.reporter_a)
    mine = {"operator_id": world.operator.pk, "area_id": world.province.pk}
    assert reporter.get(f"/api/v1/registry/files/{upload_id}", mine).status_code == 403
    assert staff.get("/api/v1/registry/files/not-an-id", mine).status_code == 404
    assert set(ImportJob.objects.values_list("status", flat=True)) == {ImportJob.Status.CHECKED}


def test_confirm_true_checks_and_queues_in_one_call(world: World) -> None:
    client = client_for(world.operator_staff)
    response = upload(client, world, confirm="true")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "checking"
    job = client.get(f"/api/v1/registry/jobs/{response.json()['id']}").json()
    assert job["status"] == "done" and job["counts"]["new"] == 3


def test_a_mass_leave_is_said_at_the_check_and_needs_allow_mass_leave_at_the_confirm(world: World) -> None:
    load_four(world)
    client = client_for(world.operator_staff)
    check = check_of(client, world, upload(client, world, HALF, as_of="2024-09-01"))
    assert check.status_code == 200, check.content
    assert (check.json()["mass_leave"], check.json()["leaving"], check.json()["current"]) == (True, 2, 4)
    refused = confirm(client, world, check.json()["upload_id"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "mass_leave"
    assert ImportJob.objects.get().status == ImportJob.Status.CHECKED
    # With confirm=true and no allow_mass_leave, the job refuses it once checked, and says why.
    held = upload(client, world, HALF, as_of="2024-09-01", confirm="true").json()
    failed = client.get(f"/api/v1/registry/jobs/{held['id']}").json()
    assert (failed["status"], failed["code"]) == ("failed", "mass_leave:2:4") and "2" in failed["message"]
    accepted = confirm(client, world, check.json()["upload_id"], allow_mass_leave=True)
    assert accepted.status_code == 202
    assert client.get(f"/api/v1/registry/jobs/{accepted.json()['id']}").json()["counts"]["left"] == 2
    assert Subscriber.objects.filter(status="left", msisdn__in=[f"+84{n[1:]}" for n in FOUR[2:]]).count() == 2


def test_the_check_says_a_list_was_already_imported_or_is_older_than_the_last(world: World) -> None:
    client = client_for(world.operator_staff)
    confirm(client, world, upload(client, world).json()["upload_id"])
    again = check_of(client, world, upload(client, world))
    assert again.status_code == 200 and again.json()["already_imported"] is True
    older = upload(client, world, as_of="2024-07-01")
    refused = confirm(client, world, older.json()["upload_id"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "out_of_order"
    assert SubscriberList.objects.count() == 1


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


def test_a_check_with_thousands_of_problems_is_paged_whole_in_the_readers_language(world: World) -> None:
    from django.utils import translation

    lines = ["STT;SĐT;Họ tên", "1;0868000001;Lò Văn Em"]
    lines += [f"{n};abc{n};Người {n}" for n in range(2, 2502)]  # 2,500 rows with a number of letters
    lines += ["2502;0868000001;Trùng Số"]  # a duplicate of row 2, found once the whole file is read
    client = client_for(world.operator_staff)
    check = check_of(client, world, upload(client, world, "\n".join(lines).encode())).json()
    # Row 2's address is not recognised (a warning); 2,500 errors; the duplicate.
    assert check["problems_total"] == 2502 and len(check["problems"]) == 100 and check["next_offset"] == 100
    params = {"operator_id": world.operator.pk, "area_id": world.province.pk, "limit": 1000}
    seen: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(f"/api/v1/registry/files/{check['upload_id']}", {**params, "offset": offset}).json()
        seen += page["problems"]
        offset = page["next_offset"]
    assert len(seen) == 2502 and seen[:100] == check["problems"]
    assert [p["row"] for p in seen] == list(range(2, 2504))
    last = seen[-1]
    assert (last["row"], last["column"], last["code"]) == (2503, "B", "number_duplicate")
    assert last["reason"] == "Số này đã có ở một dòng phía trên của tệp (dòng 2)."
    # The sentences are made when read: someone reading in English reads them in English.
    world.operator_staff.language = "en"
    world.operator_staff.save(update_fields=["language"])
    with translation.override("en"):
        english = client.get(f"/api/v1/registry/files/{check['upload_id']}", {**params, "offset": 2501}).json()
    assert english["problems"][0]["reason"] == "The same number is on an earlier row of this file (row 2)."


def test_the_job_of_an_already_imported_list_answers_its_own_counts(world: World) -> None:
    """Issue 21, finding 11: it repeated the earlier import's counts (3 new), as if it had imported them again."""
    client = client_for(world.operator_staff)
    first = client.get(f"/api/v1/registry/jobs/{upload(client, world, confirm='true').json()['id']}").json()
    assert first["code"] == "" and first["counts"]["new"] == 3
    queued = upload(client, world, confirm="true")
    assert queued.status_code == 202, queued.content
    again = client.get(f"/api/v1/registry/jobs/{queued.json()['id']}").json()
    assert again["status"] == "done" and again["code"] == "already_imported"
    counts = again["counts"]
    assert (counts["new"], counts["relisted"], counts["moved"], counts["left"]) == (0, 0, 0, 0)
    assert counts["rows_read"] == first["counts"]["rows_read"] and counts["unchanged"] == counts["good"] == 3
    # The first job still answers what it did.
    assert client.get(f"/api/v1/registry/jobs/{first['id']}").json()["counts"]["new"] == 3


def _people(start: int, count: int, address: str) -> str:
    return "".join(f"{n};08681{n:05d};Người {n};{address}\n" for n in range(start, start + count))


def test_the_check_shows_each_communes_change_against_the_previous_lists(world: World) -> None:
    """Issue 21, finding 9 (part): a wrong placement stands out as a jump against the operator's previous lists."""
    client = client_for(world.operator_staff)
    august = "STT;SĐT;Họ tên;Địa chỉ\n" + _people(1, 60, "Khối 1, Phường Lương Văn Tri")
    first = check_of(client, world, upload(client, world, august.encode())).json()
    assert all(c["previous"] is None and not c["jump"] for c in first["communes"]), "no previous list: no change"
    confirm(client, world, first["upload_id"])
    # September: the same people, but 50 of them now written with an address the resolver puts in Đông Kinh.
    september = (
        "STT;SĐT;Họ tên;Địa chỉ\n"
        + _people(1, 10, "Khối 1, Phường Lương Văn Tri")
        + _people(11, 50, "Phường Đông Kinh")
    )
    check = check_of(client, world, upload(client, world, september.encode(), as_of="2024-09-01")).json()
    by_name = {c["name"]: c for c in check["communes"]}
    ward_a, ward_b = by_name[world.ward_a.name], by_name[world.ward_b.name]
    assert (ward_a["subscribers"], ward_a["previous"], ward_a["change"], ward_a["jump"]) == (10, 60, -50, True)
    assert (ward_b["subscribers"], ward_b["previous"], ward_b["change"], ward_b["jump"]) == (50, 0, 50, True)
    assert ward_b["partial"] == 0, "a ward named after its level word is an exact match"
