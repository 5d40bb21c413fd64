"""Lists that would wipe or freeze an area's registry are refused on every path (hardening items 1, 4, 8).

The same rules hold on the import page, the API (file and rows), the command
line and inside ``import_list`` itself: a list without a good row, a list dated
after today, and (unless confirmed) a list that would mark more than
REGISTRY_MASS_LEAVE_SHARE of the operator's subscribers in the area as left.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from switchoff.lib.sheets import UnreadableFile, read_file
from switchoff.subscribers import jobs
from switchoff.subscribers.guards import FutureList, MassLeave, NoGoodRows
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.models import ImportJob, Subscriber, SubscriberList
from switchoff.subscribers.services import import_check_create
from tests.conftest import World, logged_in
from tests.security._importguard import (
    FOUR,
    HEADER,
    SEP,
    api_client,
    api_job,
    listing,
    load_four,
    messages_of,
    nobody_left,
    page_check,
    page_confirm,
    post_file,
    post_rows,
    statuses,
    stored,
    written,
)

NO_GOOD_ROWS_VI = "Danh sách không có dòng hợp lệ nào"


def command(world: World, tmp_path: object, content: bytes, as_of: str = "2024-09-01", **options: object) -> None:
    path = tmp_path / "ds.csv"  # type: ignore[operator]
    path.write_bytes(content)
    call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of=as_of, area="20", **options)


# Item 1: a list with no good rows.


def test_an_empty_file_is_refused_by_the_api_the_page_and_the_command(world: World, tmp_path: object) -> None:
    load_four(world)
    before = statuses()
    response = post_file(api_client(world.operator_staff), world, b"")
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "no_good_rows" and NO_GOOD_ROWS_VI in error["message"]
    assert not ImportJob.objects.exists()
    # The page: the form refuses an empty upload, and a confirm posted by hand for an empty file queues nothing.
    client = logged_in(world.operator_staff)
    assert page_check(client, world, b"").context["form"].errors["file"]
    with TestCase.captureOnCommitCallbacks(execute=True):  # an empty file that reached the worker anyway
        job = import_check_create(actor=world.operator_staff, operator=world.operator, area=world.province,
                                  as_of=SEP, upload_id=stored(world, b""), file_name="ds.csv", via="page")  # fmt: skip
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "no_good_rows")
    refused = client.post(reverse("subscribers:job_confirm", args=[job.pk]), {"confirm": "1"}, follow=True)
    assert refused.status_code == 200 and not written()
    assert NO_GOOD_ROWS_VI in refused.content.decode()
    with pytest.raises(CommandError, match=NO_GOOD_ROWS_VI):
        command(world, tmp_path, b"")
    assert statuses() == before and nobody_left()
    assert SubscriberList.objects.count() == 1


@pytest.mark.parametrize(
    "content",
    [HEADER.encode(), HEADER.encode() + b"1;abc;X;\n2;09l2;Y;\n", b"\n\n\n"],
    ids=["header-only", "only-bad-rows", "blank-lines"],
)
def test_a_list_without_good_rows_is_refused_everywhere(world: World, tmp_path: object, content: bytes) -> None:
    load_four(world)
    before = statuses()
    api = api_client(world.operator_staff)
    job = api_job(api, post_file(api, world, content))  # checked in the background: the job refuses it
    assert (job["status"], job["code"]) == ("failed", "no_good_rows")
    client = logged_in(world.operator_staff)
    page = page_check(client, world, content)
    assert page.status_code == 200 and page.context["blocked"]
    body = page.content.decode()
    assert NO_GOOD_ROWS_VI in body and 'name="confirm"' not in body
    # The confirm button is not there; a confirm posted anyway is refused too.
    page_confirm(client, page)
    assert not written()
    with pytest.raises(CommandError, match=NO_GOOD_ROWS_VI):
        command(world, tmp_path, content)
    assert statuses() == before and nobody_left()


def test_rows_posted_as_json_need_a_good_row(world: World) -> None:
    load_four(world)
    api = api_client(world.operator_staff)
    for rows in ([], ["abc", "0912"]):
        response = post_rows(api, world, rows)
        assert response.status_code == 422, response.content
        assert response.json()["error"]["code"] == "no_good_rows"
        assert response.json()["error"]["details"] == {"field": "rows"}
    assert nobody_left()


def test_import_list_itself_refuses_a_list_without_good_rows(world: World) -> None:
    """The last guard: a job (or any caller) that skipped the check still cannot mark everybody as left."""
    load_four(world)
    with pytest.raises(UnreadableFile):  # an empty file cannot even be read
        read_file(b"", "x.csv")
    for content in (HEADER.encode(), b"\n\n"):
        with pytest.raises(NoGoodRows):
            import_list(read_file(content, "x.csv"), content=content, operator=world.operator, area=world.province,
                        as_of=SEP, allow_mass_leave=True)  # fmt: skip
    assert nobody_left() and SubscriberList.objects.count() == 1
    job = ImportJob.objects.create(operator=world.operator, area=world.province, as_of=SEP,
                                   upload_id=stored(world, HEADER.encode()), file_name="ds.csv",
                                   created_by=world.operator_staff)  # fmt: skip
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "no_good_rows")
    assert nobody_left()
    page = logged_in(world.operator_staff).get(reverse("subscribers:job", args=[job.pk])).content.decode()
    assert NO_GOOD_ROWS_VI in page and "no_good_rows" not in page
    status = api_client(world.operator_staff).get(f"/api/v1/registry/jobs/{job.pk}").json()
    assert NO_GOOD_ROWS_VI in status["message"]


# Item 1: a list that would mark many as left.

HALF = listing(*FOUR[:2])  # two of the four: half of them would leave


def test_a_list_leaving_half_is_held_on_the_page_until_confirmed_explicitly(world: World) -> None:
    load_four(world)
    client = logged_in(world.operator_staff)
    page = page_check(client, world, HALF)
    body = page.content.decode()
    assert "2 trong số 4 thuê bao của nhà mạng này trên địa bàn sẽ được ghi nhận là đã ra khỏi danh sách" in body
    assert 'name="allow_mass_leave"' in body and 'name="confirm"' in body
    refused = page_confirm(client, page)
    assert refused.status_code == 200 and not written()
    assert any("2 trong số 4" in m and "30 %" in m for m in messages_of(refused))
    assert nobody_left()
    confirmed = page_confirm(client, page, allow_mass_leave="1")
    job = ImportJob.objects.get()
    assert confirmed.redirect_chain[-1][0] == reverse("subscribers:job", args=[job.pk])
    assert job.allow_mass_leave and job.status == ImportJob.Status.DONE
    assert sorted(statuses().values()) == ["left", "left", "listed", "listed"]


def test_a_job_without_the_allowance_is_refused_when_it_runs(world: World) -> None:
    """The check may have passed before the registry changed: the job applies the rule again."""
    load_four(world)
    job = ImportJob.objects.create(operator=world.operator, area=world.province, as_of=SEP,
                                   upload_id=stored(world, HALF), file_name="ds.csv",
                                   created_by=world.operator_staff)  # fmt: skip
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (ImportJob.Status.FAILED, "mass_leave:2:4")
    assert nobody_left() and SubscriberList.objects.count() == 1
    page = logged_in(world.operator_staff).get(reverse("subscribers:job", args=[job.pk])).content.decode()
    assert "Danh sách này sẽ ghi nhận 2 trong số 4 thuê bao" in page


def test_the_api_refuses_a_mass_leave_unless_allow_mass_leave(world: World) -> None:
    load_four(world)
    api = api_client(world.operator_staff)
    # A file is checked in the background: with confirm=true its job refuses it; confirmed later, the API says why.
    uploaded = post_file(api, world, HALF)
    assert api_job(api, uploaded)["code"] == "mass_leave:2:4"
    ids = {"operator_id": world.operator.pk, "area_id": world.province.pk}
    later = post_file(api, world, HALF, confirm="false")
    confirmed = api.post(f"/api/v1/registry/files/{later.json()['upload_id']}/confirm", ids,
                         content_type="application/json")  # fmt: skip
    for response in (confirmed, post_rows(api, world, list(FOUR[:2]))):
        assert response.status_code == 422, response.content
        error = response.json()["error"]
        assert error["code"] == "mass_leave" and "allow_mass_leave" in error["message"]
        assert error["details"] == {"field": "allow_mass_leave", "leaving": 2, "current": 4, "share": 0.3}
    assert nobody_left() and not ImportJob.objects.filter(status=ImportJob.Status.DONE).exists()
    accepted = post_rows(api, world, list(FOUR[:2]), allow_mass_leave=True)
    assert accepted.status_code == 200 and accepted.json()["left"] == 2
    # A retry is recognised as the same list, with or without the allowance.
    assert post_rows(api, world, list(FOUR[:2])).json()["already_imported"] is True


def test_an_uploaded_file_leaving_half_is_imported_with_allow_mass_leave(world: World) -> None:
    load_four(world)
    response = post_file(api_client(world.operator_staff), world, HALF, allow_mass_leave="true")
    assert response.status_code == 202, response.content
    # The answer is written before the commit starts the worker: checking, then checked and written.
    assert response.json()["status"] == "checking"
    assert ImportJob.objects.get(pk=response.json()["id"]).status == ImportJob.Status.DONE
    assert Subscriber.objects.filter(status="left").count() == 2


def test_the_command_refuses_a_mass_leave_unless_allow_mass_leave(world: World, tmp_path: object) -> None:
    load_four(world)
    with pytest.raises(CommandError, match="2 trong số 4"):
        command(world, tmp_path, HALF)
    assert nobody_left()
    command(world, tmp_path, HALF, allow_mass_leave=True)
    assert Subscriber.objects.filter(status="left").count() == 2


def test_a_first_list_or_a_small_leave_needs_no_confirmation(world: World, settings: Any) -> None:
    api = api_client(world.operator_staff)
    assert post_rows(api, world, list(FOUR), as_of="2024-08-01").status_code == 200  # nobody current: a first list
    one_leaves = post_rows(api, world, list(FOUR[:3]))  # 1 of 4: 25 %, under the share
    assert one_leaves.status_code == 200 and one_leaves.json()["left"] == 1
    settings.REGISTRY_MASS_LEAVE_SHARE = 0.1
    with pytest.raises(MassLeave):
        content = listing(*FOUR[:2])
        import_list(read_file(content, "x.csv"), content=content, operator=world.operator, area=world.province,
                    as_of=datetime.date(2024, 10, 1))  # fmt: skip
    assert Subscriber.objects.filter(status="left").count() == 1


# Item 4: a list dated in the future.


def test_a_list_dated_after_today_is_refused_everywhere(world: World, tmp_path: object) -> None:
    load_four(world)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    client = logged_in(world.operator_staff)
    page = page_check(client, world, listing(*FOUR), as_of=f"{tomorrow:%d/%m/%Y}")
    assert any("sau ngày hôm nay" in m and f"{tomorrow:%d/%m/%Y}" in m for m in messages_of(page))
    assert "checked" not in page.context
    api = api_client(world.operator_staff)
    for response in (
        post_file(api, world, listing(*FOUR), as_of=tomorrow.isoformat()),
        post_rows(api, world, list(FOUR), as_of="2030-01-01"),
    ):
        assert response.status_code == 422, response.content
        assert response.json()["error"]["code"] == "future_as_of"
        assert response.json()["error"]["details"] == {"field": "as_of"}
    with pytest.raises(CommandError, match="sau ngày hôm nay"):
        command(world, tmp_path, listing(*FOUR), as_of="2030-01-01")
    with pytest.raises(FutureList):
        content = listing(*FOUR)
        import_list(read_file(content, "x.csv"), content=content, operator=world.operator, area=world.province,
                    as_of=tomorrow)  # fmt: skip
    assert SubscriberList.objects.count() == 1 and not ImportJob.objects.exists()
    # Nothing blocks the next real list.
    assert post_rows(api, world, list(FOUR)).status_code == 200


def test_today_is_the_day_in_ho_chi_minh_city(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 01:00 on 2/9 in Vietnam the server's UTC clock still says 1/9: a list of 2/9 is not in the future."""
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2024, 9, 1, 18, 0, tzinfo=datetime.UTC))
    api = api_client(world.operator_staff)
    assert post_rows(api, world, list(FOUR), as_of="2024-09-03").status_code == 422
    assert post_rows(api, world, list(FOUR), as_of="2024-09-02").status_code == 200


# Item 8: the messages, in the user's language.


def test_refusals_are_in_the_users_language(world: World) -> None:
    load_four(world)
    post_rows(api_client(world.operator_staff), world, list(FOUR), as_of="2024-09-01")
    vi = post_rows(api_client(world.operator_staff), world, list(FOUR), as_of="2024-08-15").json()["error"]
    assert vi["code"] == "out_of_order"
    assert vi["message"] == "Đã nhập một danh sách mới hơn của nhà mạng và địa bàn này (tính đến 01/09/2024)."
    world.operator_staff.language = "en"
    world.operator_staff.save()
    api = api_client(world.operator_staff)
    en = post_rows(api, world, list(FOUR), as_of="2024-08-15").json()["error"]
    assert en["message"] == "A newer list of this operator and area (as of 01/09/2024) is already imported."
    assert "no good row" in post_rows(api, world, []).json()["error"]["message"]
    assert "is after today" in post_rows(api, world, list(FOUR), as_of="2030-01-01").json()["error"]["message"]
    job = ImportJob.objects.create(operator=world.operator, area=world.province, as_of=datetime.date(2024, 8, 15),
                                   upload_id=stored(world, listing(*FOUR)), file_name="ds.csv",
                                   created_by=world.operator_staff)  # fmt: skip
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.message == "out_of_order:2024-09-01"
    english = "A newer list of this operator and area (as of 01/09/2024) is already imported."
    assert english in logged_in(world.operator_staff).get(reverse("subscribers:job", args=[job.pk])).content.decode()
    assert api.get(f"/api/v1/registry/jobs/{job.pk}").json()["message"] == english
    vietnamese = "Đã nhập một danh sách mới hơn của nhà mạng và địa bàn này (tính đến 01/09/2024)."
    assert vietnamese in logged_in(world.admin).get(reverse("subscribers:job", args=[job.pk])).content.decode()


def test_the_page_refuses_an_older_list_at_the_check(world: World) -> None:
    load_four(world)
    client = logged_in(world.operator_staff)
    page = page_check(client, world, listing(*FOUR), as_of="15/07/2024")
    assert page.context["blocked"] and 'name="confirm"' not in page.content.decode()
    assert "01/08/2024" in page.content.decode().split('id="check-refusal"')[1]
    page_confirm(client, page)
    assert not written()
