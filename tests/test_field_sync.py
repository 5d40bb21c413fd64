"""The field API never loses a visit: answers per visit, a wrong clock corrected, a revoked phone's work held for
the leader, sync by tokens (only what changed, 412 when stale), a switch verified whichever comes first, and the
answers a phone downloads compressed and revalidated.
"""

from __future__ import annotations

import datetime
import gzip
import json
import re
import uuid
from typing import Any

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from switchoff.audit.models import AuditEvent
from switchoff.fieldwork import limits, synctoken
from switchoff.fieldwork.models import Case, FieldDevice, HeldVisit, Visit
from switchoff.fieldwork.rules import Status
from switchoff.fieldwork.services import cases_assign, device_revoke, team_member_remove, visits_record
from switchoff.people.models import Membership
from switchoff.people.roles import Role
from switchoff.subscribers.models import NumberView
from tests.conftest import World, logged_in, make_user
from tests.fieldwork_helpers import LIST, Field, device_client, import_rows, open_field, visit, visit_json

VISITS = "/api/v1/field/visits"
CASES = "/api/v1/field/cases"
HELD = "/api/v1/field/revoked/visits"


def _post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def _found(name: str, village_id: int | None, **extra: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - datetime.timedelta(minutes=3)).isoformat(),
        "outcome": "informed",
        "found": {"name": name, "number": "", "address": "Số 7", "village_id": village_id},
    }
    body.update(extra)
    return body


# ---------------------------------------------------------------- finding 1: answers per visit


def test_one_refused_visit_never_holds_back_the_others_and_each_says_why(world: World) -> None:
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    good = visit_json(field.an, "informed")
    no_village = _found("Lò Văn Tám", None)
    long_reason = visit_json(field.binh, "refuses", reason="x" * 400)
    long_model = visit_json(field.hoa, "switched", device_model="Nokia " * 30)
    unreadable = {"id": "not-an-id", "case_id": field.an.pk, "outcome": "informed", "visited_at": "yesterday"}
    found = _found("Lò Thị Mai", world.villages_a[0].pk)
    answer = _post(client, VISITS, {"visits": [good, no_village, long_reason, long_model, unreadable, found]})
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["result"] for r in results] == ["created", "invalid", "invalid", "invalid", "invalid", "created"]
    assert [r["code"] for r in results] == [
        None,
        "village_required",
        "reason_too_long",
        "device_model_too_long",
        "malformed",
        None,
    ]
    # In the member's language, naming the field, the limit and what was typed.
    assert results[2]["message"] == ("Lý do từ chối chỉ được tối đa 300 ký tự (đang có 400): hãy rút gọn rồi gửi lại.")
    assert "thôn" in results[1]["message"].lower()
    assert results[4]["id"] is None and "id" in results[4]["message"] and "visited_at" in results[4]["message"]
    assert {str(v) for v in Visit.objects.values_list("id", flat=True)} == {good["id"], found["id"]}
    # Nothing was cut short on the way: the visit corrected is sent again and taken whole.
    corrected = {**long_reason, "reason": "x" * limits.REASON_MAX}
    again = _post(client, VISITS, {"visits": [corrected]}).json()["results"]
    assert again[0]["result"] == "created"
    assert Visit.objects.get(pk=long_reason["id"]).reason == "x" * limits.REASON_MAX


def test_the_field_apps_form_gets_the_servers_limits(world: World) -> None:
    html = Client().get("/field/").content.decode()
    settings = json.loads(re.search(r'id="field-settings" type="application/json">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert settings["limits"] == limits.as_dict()
    assert settings["limits"]["reason"] == Visit._meta.get_field("reason").max_length


# ---------------------------------------------------------------- finding 9: a wrong clock


def test_a_phone_clock_two_hours_fast_is_corrected_never_refused(world: World) -> None:
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    real = timezone.now() - datetime.timedelta(minutes=20)
    phone = real + datetime.timedelta(hours=2)
    # The phone measured its offset at its last contact before the visit.
    with_offset = visit_json(field.an, "informed", visited_at=phone.isoformat(), clock_offset_s=-7200)
    # An older app, no offset: the batch says what the phone's clock read when it sent it.
    sent_late = visit_json(field.binh, "not_home", visited_at=phone.isoformat())
    answer = _post(
        client, VISITS, {"visits": [with_offset], "sent_at": (timezone.now() + datetime.timedelta(hours=2)).isoformat()}
    )
    assert answer.json()["results"][0]["result"] == "created"
    assert answer.json()["results"][0]["code"] == "time_corrected"
    other = _post(
        client, VISITS, {"visits": [sent_late], "sent_at": (timezone.now() + datetime.timedelta(hours=2)).isoformat()}
    )
    assert other.json()["results"][0]["result"] == "created"
    for body in (with_offset, sent_late):
        stored = Visit.objects.get(pk=body["id"])
        assert abs(stored.visited_at - real) < datetime.timedelta(minutes=1), (stored.visited_at, real)
        assert stored.phone_visited_at == phone
    # A time in the future with nothing to correct it by is the time it arrived; a retry is "same".
    future = visit_json(field.hoa, "informed", visited_at=(timezone.now() + datetime.timedelta(days=3)).isoformat())
    before = timezone.now()
    assert _post(client, VISITS, {"visits": [future]}).json()["results"][0]["result"] == "created"
    assert before <= Visit.objects.get(pk=future["id"]).visited_at <= timezone.now()
    assert _post(client, VISITS, {"visits": [future]}).json()["results"][0]["result"] == "same"


def test_a_clock_within_two_minutes_is_taken_as_it_is(world: World) -> None:
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    at = timezone.now() - datetime.timedelta(hours=1)
    body = visit_json(field.an, "informed", visited_at=at.isoformat(), clock_offset_s=50)
    assert _post(client, VISITS, {"visits": [body]}).json()["results"][0]["code"] is None
    stored = Visit.objects.get(pk=body["id"])
    assert stored.visited_at == at and stored.phone_visited_at is None


# ---------------------------------------------------------------- finding 5: verification in any order


def _job_page_after_list(world: World, content: bytes, as_of: datetime.date) -> str:
    from switchoff.lib.uploads import store_upload
    from switchoff.subscribers import jobs
    from switchoff.subscribers.models import ImportJob

    upload_id, _path = store_upload(
        "subscribers", jobs.owner_key(world.operator.pk, world.province.pk), SimpleUploadedFile("l.csv", content)
    )
    job = ImportJob.objects.create(
        operator=world.operator,
        area=world.province,
        as_of=as_of,
        upload_id=upload_id,
        file_name="l.csv",
        created_by=world.operator_staff,
        allow_mass_leave=True,
    )
    jobs.run_job(job.pk)
    return logged_in(world.operator_staff).get(reverse("subscribers:job", args=[job.pk])).content.decode()


def test_a_switch_reported_before_an_earlier_dated_list_arrives_is_verified_by_it(world: World) -> None:
    field = open_field(world)
    today = timezone.localdate()
    visits_record(actor=world.member_a, visits=[visit(field.an, "switched"), visit(field.binh, "switched")])
    # The operator's list dated yesterday (before the claims) arrives today: An is not on it, Bình is.
    without_an = ("\n".join(line for line in LIST.decode().splitlines() if "0868123456" not in line) + "\n").encode()
    page = _job_page_after_list(world, without_an, today - datetime.timedelta(days=1))
    assert Case.objects.get(pk=field.an.pk).status == Status.VERIFIED
    # Bình is on a list dated before the claim: that says nothing of it, no revisit.
    assert Case.objects.get(pk=field.binh.pk).status == Status.SWITCHED
    # The import's result says what it did to the cases.
    assert "1 báo chuyển đổi được xác minh" in page and "0 phải thăm lại" in page


def test_a_switch_reported_after_the_number_left_the_list_is_verified_at_once(world: World) -> None:
    field = open_field(world)
    without_hoa = ("\n".join(line for line in LIST.decode().splitlines() if "0868123459" not in line) + "\n").encode()
    import_rows(world, without_hoa, timezone.localdate() - datetime.timedelta(days=2))
    assert Case.objects.get(pk=field.hoa.pk).status == Status.CLOSED
    client, _raw = device_client(world.member_a)
    hoa = Case.objects.get(pk=field.hoa.pk)
    (result,) = _post(client, VISITS, {"visits": [visit_json(hoa, "switched")]}).json()["results"]
    assert result["case"]["status"] == Status.VERIFIED
    # Still on a list dated after the claim: back for a revisit (the other order of the rule).
    visits_record(
        actor=world.member_a, visits=[visit(field.binh, "switched", at=timezone.now() - datetime.timedelta(days=1))]
    )
    import_rows(world, without_hoa, timezone.localdate())
    assert Case.objects.get(pk=field.binh.pk).status == Status.REVISIT


# ---------------------------------------------------------------- sync tokens


def _all(client: Client, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get(CASES, query)
        assert page.status_code == 200, page.content
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items, body


def _backdate_cases() -> None:
    # The list was imported long before this sync (the margin re-sends only what changed just before a token).
    Case.objects.update(changed_at=timezone.now() - datetime.timedelta(days=1))


def test_a_sync_token_brings_only_what_changed_and_logs_only_what_it_sent(world: World) -> None:
    field = open_field(world)
    _backdate_cases()
    client, _raw = device_client(world.member_a)
    items, first = _all(client, limit=2)
    assert {c["id"] for c in items} == {field.an.pk, field.hoa.pk, field.binh.pk}
    token = first["sync_token"]
    views = NumberView.objects.count()
    nothing = client.get(CASES, {"token": token}).json()
    assert nothing["items"] == [] and nothing["removed"] == []
    assert NumberView.objects.count() == views  # nothing sent, nothing disclosed
    visits_record(actor=world.leader_a, visits=[visit(field.an, "agrees")])
    changed = client.get(CASES, {"token": nothing["sync_token"]}).json()
    assert [c["id"] for c in changed["items"]] == [field.an.pk]
    assert changed["items"][0]["last_visit"]["member_id"] == world.leader_a.pk
    assert NumberView.objects.order_by("-pk").first().subscriber_ids == [field.an.subscriber_id]  # type: ignore[union-attr]
    # Bình handed to the leader leaves the member's list.
    cases_assign(actor=world.leader_a, cases=Case.objects.filter(pk=field.binh.pk), team=world.team_a,
                 member=world.leader_a)  # fmt: skip
    moved = client.get(CASES, {"token": changed["sync_token"]}).json()
    assert moved["removed"] == [field.binh.pk]
    # What changed in the margin before the token comes again (An); Bình, no longer the member's, does not.
    assert {c["id"] for c in moved["items"]} <= {field.an.pk}


def test_every_page_of_a_walk_carries_the_token_of_its_start(world: World) -> None:
    open_field(world)
    client, _raw = device_client(world.member_a)
    first = client.get(CASES, {"limit": 1}).json()
    second = client.get(CASES, {"limit": 1, "cursor": first["next_cursor"]}).json()

    # The same watermark and scope; the signature's own time may differ when the pages straddle a second.
    def payload(token: str) -> Any:
        return signing.loads(token, salt=synctoken.SALT)

    assert payload(first["sync_token"]) == payload(second["sync_token"])


def test_a_stale_token_is_answered_412_and_the_phone_downloads_everything(world: World) -> None:
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    token = client.get(CASES).json()["sync_token"]
    # The member joins team B: the scope changed.
    Membership.objects.create(user=world.member_a, unit=world.team_b, role=Role.TEAM_MEMBER)
    answer = client.get(CASES, {"token": token})
    assert answer.status_code == 412
    assert answer.json()["error"]["code"] == "resync" and answer.json()["error"]["details"] == {"reason": "scope"}
    items, _body = _all(client)
    assert field.cuc.pk in {c["id"] for c in items}
    old = synctoken.make(world.member_a, started=timezone.now() - datetime.timedelta(days=30))
    assert client.get(CASES, {"token": old}).json()["error"]["details"] == {"reason": "too_old"}
    assert client.get(CASES, {"token": token[:-3] + "abc"}).status_code == 412
    leader_token = synctoken.make(world.leader_a, started=timezone.now())
    assert client.get(CASES, {"token": leader_token}).json()["error"]["details"] == {"reason": "other_member"}


# ---------------------------------------------------------------- finding 3: a revoked phone


def _revoked_phone(world: World, field: Field) -> tuple[Client, FieldDevice]:
    client, _raw = device_client(world.member_a)
    device = FieldDevice.objects.get(user=world.member_a)
    device_revoke(actor=world.leader_a, device=device)
    device.refresh_from_db()
    assert client.get("/api/v1/field/me").json()["error"]["code"] == "device_revoked"
    return client, device


def test_a_revoked_phones_visits_made_before_the_revoke_wait_for_the_leader(world: World) -> None:
    field = open_field(world)
    client, device = _revoked_phone(world, field)
    assert device.revoked_at is not None
    before = visit_json(field.an, "agrees", visited_at=(device.revoked_at - datetime.timedelta(hours=1)).isoformat(),
                        note="Hẹn thứ bảy")  # fmt: skip
    after = visit_json(
        field.binh, "informed", visited_at=(device.revoked_at + datetime.timedelta(minutes=5)).isoformat()
    )
    found = _found("Lò Văn Tám", world.villages_a[1].pk,
                   visited_at=(device.revoked_at - datetime.timedelta(minutes=30)).isoformat())  # fmt: skip
    answer = _post(client, HELD, {"visits": [before, after, found]})
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["result"] for r in results] == ["held", "refused", "held"]
    assert results[1]["code"] == "after_revoke" and "sau khi" in results[1]["message"]
    # A retry (the answer lost on the way) holds nothing twice; nothing is recorded yet.
    assert [r["result"] for r in _post(client, HELD, {"visits": [before]}).json()["results"]] == ["same"]
    assert HeldVisit.objects.count() == 2 and not Visit.objects.exists()
    # The token of a phone still signed in cannot use this door.
    active, _raw = device_client(world.member_a)
    assert _post(active, HELD, {"visits": [before]}).status_code == 401

    leader = logged_in(world.leader_a)
    team_page = leader.get(reverse("fieldwork:team", args=[world.team_a.pk]))
    assert team_page.context["to_lead"]["held"] == 2
    held_page = leader.get(reverse("fieldwork:held", args=[world.team_a.pk])).content.decode()
    assert "Nguyễn Văn An" in held_page and "Lò Văn Tám" in held_page and "Hẹn thứ bảy" in held_page
    leader.post(reverse("fieldwork:held", args=[world.team_a.pk]), {"visit": [before["id"]], "action": "accept"})
    leader.post(reverse("fieldwork:held", args=[world.team_a.pk]), {"visit": [found["id"]], "action": "discard"})
    recorded = Visit.objects.get()
    assert str(recorded.pk) == before["id"] and recorded.member == world.member_a and recorded.note == "Hẹn thứ bảy"
    assert recorded.visited_at == device.revoked_at - datetime.timedelta(hours=1)
    assert Case.objects.get(pk=field.an.pk).status == Status.AGREED
    assert not Case.objects.filter(found_in_field=True).exists()
    states = dict(HeldVisit.objects.values_list("id", "state"))
    assert states == {uuid.UUID(before["id"]): "accepted", uuid.UUID(found["id"]): "discarded"}
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"fieldwork.visits.held", "fieldwork.held.accepted", "fieldwork.held.discarded"} <= actions


def test_another_teams_revoked_phone_holds_nothing_of_team_a_and_its_leader_decides_nothing(world: World) -> None:
    field = open_field(world)
    member_b = make_user("member.b", world.team_b, Role.TEAM_MEMBER)
    client, _raw = device_client(member_b)
    device = FieldDevice.objects.get(user=member_b)
    device_revoke(actor=member_b, device=device)
    body = visit_json(field.an, "agrees", visited_at=(timezone.now() - datetime.timedelta(hours=1)).isoformat())
    (result,) = _post(client, HELD, {"visits": [body]}).json()["results"]
    assert result["result"] == "invalid" and result["code"] == "not_your_case"
    assert not HeldVisit.objects.exists()
    # Team A's held visits are decided by team A's leader only.
    a_client, a_device = _revoked_phone(world, field)
    assert a_device.revoked_at is not None
    mine = visit_json(field.an, "agrees", visited_at=(a_device.revoked_at - datetime.timedelta(hours=1)).isoformat())
    _post(a_client, HELD, {"visits": [mine]})
    leader_b = make_user("leader.b", world.team_b, Role.TEAM_LEADER)
    assert logged_in(leader_b).get(reverse("fieldwork:held", args=[world.team_a.pk])).status_code in {403, 404}
    logged_in(leader_b).post(
        reverse("fieldwork:held", args=[world.team_a.pk]), {"visit": [mine["id"]], "action": "accept"}
    )
    assert HeldVisit.objects.get().state == "waiting" and not Visit.objects.exists()


def test_a_member_taken_out_of_the_team_still_hands_their_visits_to_its_leader(world: World) -> None:
    field = open_field(world)
    client, _raw = device_client(world.member_a)
    done = timezone.now() - datetime.timedelta(hours=2)
    team_member_remove(actor=world.leader_a, membership=Membership.objects.get(user=world.member_a, unit=world.team_a))
    body = visit_json(field.binh, "refuses", visited_at=done.isoformat(), reason="Không cần")
    assert _post(client, HELD, {"visits": [body]}).json()["results"][0]["result"] == "held"
    assert HeldVisit.objects.get().team == world.team_a


# ---------------------------------------------------------------- finding 4 and the team page


def test_enrolling_names_the_phone_from_its_model_and_the_team_page_shows_what_it_has_not_sent(world: World) -> None:
    open_field(world)
    phone_ua = (
        "Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36"
    )
    client = logged_in(world.member_a)
    page = client.get("/field/enrol/", headers={"User-Agent": phone_ua})
    assert 'value="Samsung SM-A105F"' in page.content.decode()
    assert page["Accept-CH"] == "Sec-CH-UA-Model"
    # Chrome's reduced User-Agent says "K": the model comes from the Client Hint.
    reduced = phone_ua.replace("SM-A105F", "K")
    hinted = client.get("/field/enrol/", headers={"User-Agent": reduced, "Sec-CH-UA-Model": '"SM-A055F"'})
    assert 'value="Samsung SM-A055F"' in hinted.content.decode()
    client.post("/field/enrol/", {"name": ""}, headers={"User-Agent": phone_ua})
    device = FieldDevice.objects.get(user=world.member_a)
    assert device.name == "Samsung SM-A105F"
    phone, _raw = device_client(world.member_a)
    phone.get(CASES, headers={"X-Field-Unsent": "3"})
    team = logged_in(world.leader_a).get(reverse("fieldwork:team", args=[world.team_a.pk])).content.decode()
    assert "Samsung SM-A105F" in team and "Mozilla" not in team
    assert "3 lượt thăm hoặc ảnh chưa gửi" in team


# ---------------------------------------------------------------- compression and revalidation


def test_the_field_answers_are_compressed_and_pages_with_secrets_are_not(world: World) -> None:
    open_field(world)
    client, _raw = device_client(world.member_a)
    cases = client.get(CASES, headers={"Accept-Encoding": "gzip"})
    assert cases["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(cases.content))["items"]
    shell = Client().get("/field/", headers={"Accept-Encoding": "gzip"})
    assert shell["Content-Encoding"] == "gzip"
    member = logged_in(world.member_a)
    for url in ("/field/enrol/", "/"):
        page = member.get(url, headers={"Accept-Encoding": "gzip"})
        assert not page.has_header("Content-Encoding"), url  # a CSRF token inside: BREACH


def test_an_unchanged_shell_and_service_worker_are_answered_304(db: None) -> None:
    for url in ("/field/", "/field/sw.js", "/field/manifest.webmanifest"):
        first = Client().get(url)
        assert first["Cache-Control"] == "no-cache" and first.has_header("ETag"), url
        again = Client().get(url, headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 304 and again.content == b"", url


def test_the_signed_out_page_clears_the_browsers_data_only_for_a_phones_own_token(world: World) -> None:
    _client, raw = device_client(world.member_a)
    assert not Client().post("/field/signed-out/").has_header("Clear-Site-Data")
    answer = Client().post("/field/signed-out/", headers={"Authorization": f"Device {raw}"})
    assert answer.status_code == 204 and answer["Clear-Site-Data"] == '"cache", "cookies"'
