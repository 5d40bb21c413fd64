"""The field app's server side: the public shell, its service worker and manifest, enrolling a phone, logging out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from switchoff.fieldapp.strings import STRINGS, strings_by_language
from switchoff.fieldwork.models import FieldDevice
from switchoff.fieldwork.rules import Status
from switchoff.people.models import token_digest
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import open_field


def _handoff(html: str) -> dict[str, object]:
    match = re.search(r'<script id="field-device" type="application/json">(.*?)</script>', html, re.S)
    assert match, html
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_the_shell_is_public_the_same_for_everyone_and_holds_no_personal_data(world: World) -> None:
    open_field(world)
    anonymous = Client().get("/field/")
    member = logged_in(world.member_a).get("/field/")
    assert anonymous.status_code == 200
    assert anonymous["Cache-Control"] == "no-cache"
    assert anonymous.content == member.content
    html = anonymous.content.decode()
    for personal in ("Nguyễn Văn An", "0868123456", "Khối 1", "member.a", "Member A"):
        assert personal not in html
    # Both languages are inside, so the member switches without signal.
    strings = json.loads(re.search(r'id="field-strings" type="application/json">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert strings["vi"]["my_cases"] == "Danh sách của tôi"
    assert strings["en"]["my_cases"] == "My cases"


def test_every_string_of_the_app_is_in_vietnamese() -> None:
    catalogue = strings_by_language()
    keys = set(STRINGS) | {f"status_{value}" for value in Status.values}
    assert set(catalogue["vi"]) == keys == set(catalogue["en"])
    untranslated = [key for key in keys if catalogue["vi"][key] == catalogue["en"][key]]
    assert untranslated == []
    # The values the app puts in survive translation.
    for key in keys:
        assert re.findall(r"\{\w+\}", catalogue["vi"][key]) == re.findall(r"\{\w+\}", catalogue["en"][key]), key


def test_the_service_worker_is_served_in_the_apps_scope_never_cached_with_the_shells_revision(db: None) -> None:
    response = Client().get("/field/sw.js")
    assert response.status_code == 200, "build the app first: npm run build"
    assert response["Content-Type"] == "text/javascript"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert "__SHELL_REVISION__" not in body
    assert "self.__WB_MANIFEST" not in body
    # The app's script by its hashed name, without a revision: the browser's cache fills the precache.
    app_js = json.loads((Path(settings.BASE_DIR) / "build" / "field" / "files.json").read_text())["app.js"]
    assert re.fullmatch(r"app\.[A-Z0-9]{8}\.js", app_js)
    assert f'{{"revision":null,"url":"/static/field/{app_js}"}}' in body.replace(" ", "")
    assert re.search(r'url:"/field/",revision:"[0-9a-f]{20}"', body)


def test_the_manifest_makes_the_app_installable(db: None) -> None:
    response = Client().get("/field/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == manifest["scope"] == "/field/"
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL)), icon


def test_enrolling_needs_a_login(db: None) -> None:
    response = Client().get("/field/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_enrolling_makes_a_device_of_the_member_and_hands_its_token_to_the_app_once(world: World) -> None:
    client = logged_in(world.member_a)
    assert "Dùng máy này để đi thực địa" in client.get("/field/enrol/").content.decode()
    response = client.post("/field/enrol/", {"name": "Samsung của Mai"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    handoff = _handoff(response.content.decode())
    device = FieldDevice.objects.get(user=world.member_a)
    assert device.name == "Samsung của Mai"
    assert device.digest == token_digest(str(handoff["token"]))
    assert handoff["member"] == {"id": world.member_a.pk, "name": world.member_a.full_name}
    # The token works on the API as the member.
    me = Client().get("/api/v1/field/me", HTTP_AUTHORIZATION=f"Device {handoff['token']}")
    assert me.json()["member"]["id"] == world.member_a.pk


def test_someone_who_does_no_field_work_cannot_enrol_a_phone(world: World) -> None:
    response = logged_in(world.viewer).post("/field/enrol/", {"name": ""})
    assert response.status_code == 200
    assert "Chỉ thành viên tổ công nghệ số cộng đồng" in response.content.decode()
    assert not FieldDevice.objects.exists()


@pytest.mark.parametrize("header", ["", "Device fd_unknown", "Bearer nothing"])
def test_logging_out_without_a_valid_device_token_changes_nothing(world: World, header: str) -> None:
    client = logged_in(world.member_a)
    client.post("/field/enrol/", {"name": "A"})
    response = Client().post("/field/logout/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 204
    assert FieldDevice.objects.get().revoked_at is None


def test_logging_out_of_the_app_revokes_the_phone(world: World) -> None:
    handoff = _handoff(logged_in(world.member_a).post("/field/enrol/", {"name": "A"}).content.decode())
    phone = Client(HTTP_AUTHORIZATION=f"Device {handoff['token']}")
    assert phone.post("/field/logout/").status_code == 204
    device = FieldDevice.objects.get()
    assert device.revoked_at is not None and device.revoked_by == world.member_a
    answer = phone.get("/api/v1/field/cases")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "device_revoked"
    # Again: nothing left to stop, and no error.
    assert phone.post("/field/logout/").status_code == 204


def test_team_members_find_the_field_app_on_their_home_page(world: World) -> None:
    assert 'href="/field/enrol/"' in logged_in(world.member_a).get("/").content.decode()
    assert 'href="/field/enrol/"' in logged_in(world.leader_a).get("/").content.decode()
    assert 'href="/field/enrol/"' not in logged_in(world.reporter_a).get("/").content.decode()
