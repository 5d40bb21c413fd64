"""The field app in Chromium: enrolled once, three visits recorded without signal, sent when it returns.

Also: only the member's own cases reach the phone's IndexedDB, a revoked phone wipes itself, the
shell's first load stays under 300 KB compressed, and screenshots of the screens at 360 and 1366 px
in both languages (var/screenshots/field-*.png).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from switchoff.fieldwork.models import Case, FieldDevice, HouseholdEntry, Visit, VisitPhoto
from switchoff.fieldwork.services import device_revoke
from switchoff.people.models import Membership
from switchoff.people.roles import Role
from tests.conftest import CHROMIUM, World, build_world
from tests.fieldwork_helpers import Field, open_field
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")

SHELL_BUDGET_BYTES = 300 * 1024
CACHED_URLS = (
    "async () => { const out = []; for (const n of await caches.keys()) { const c = await caches.open(n);"
    " for (const r of await c.keys()) out.push(r.url); } return out; }"
)

# Reads the app's IndexedDB from the page, with the browser's own API (not the app's code).
OPEN_IDB = """const db = await new Promise((ok, ko) => {
    const r = indexedDB.open("switchoff-field");
    r.onsuccess = () => ok(r.result);
    r.onerror = ko;
  });"""
READ_IDB = (
    """async () => {
  """
    + OPEN_IDB
    + """
  const names = [...db.objectStoreNames];
  const all = (store) => new Promise((ok) => {
    const r = db.transaction(store).objectStore(store).getAll();
    r.onsuccess = () => ok(r.result);
  });
  const out = {};
  for (const name of names) out[name] = await all(name);
  db.close();
  return out;
}"""
)
PUT_OUTBOX = (
    """async (entries) => {
  """
    + OPEN_IDB
    + """
  const tx = db.transaction("outbox", "readwrite");
  for (const entry of entries) tx.objectStore("outbox").put(entry);
  await new Promise((ok) => { tx.oncomplete = ok; });
  db.close();
}"""
)


# The photos waiting on the phone, with what their blob is (read with the browser's own APIs).
READ_PHOTOS = (
    """async () => {
  """
    + OPEN_IDB
    + """
  const photos = await new Promise((ok) => {
    const r = db.transaction("photos").objectStore("photos").getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  const out = [];
  for (const photo of photos) {
    const bitmap = await createImageBitmap(photo.blob);
    const { id, visit_id } = photo;
    out.push({ id, visit_id, type: photo.blob.type, width: bitmap.width, height: bitmap.height });
  }
  return out;
}"""
)


@pytest.fixture
def camera_photo(tmp_path: Path) -> Path:
    """A photo as a phone's camera makes it: large, with EXIF."""
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    path = tmp_path / "IMG_0001.jpg"
    Image.linear_gradient("L").resize((2400, 1800)).convert("RGB").save(path, "JPEG", exif=exif)
    return path


@pytest.fixture
def field_world(transactional_db: None) -> tuple[World, Field]:
    world = build_world()
    return world, open_field(world)


def enrol(context: BrowserContext, base: str, screenshot: str = "") -> Page:
    """Log in, tap "use this phone for field work", land in the app with the member's cases loaded."""
    page = context.new_page()
    log_in(page, base, "member.a")
    page.goto(f"{base}/field/enrol/")
    if screenshot:
        page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)
    page.get_by_role("button", name="Dùng máy này để đi thực địa").click()
    page.wait_for_url(f"{base}/field/")
    expect(page.locator("#cases")).to_be_visible()
    # The service worker has the shell before the signal goes.
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#last-sync")).not_to_have_text("Chưa đồng bộ lần nào")
    return page


def unsent(page: Page) -> Any:
    return page.locator("#unsent")


def choose(page: Page, outcome: str) -> None:
    page.locator("fieldset.outcomes").get_by_text(outcome, exact=True).click()


def open_case(page: Page, name: str) -> None:
    page.locator("#cases a.case", has_text=name).click()
    expect(page.locator("#visit-form")).to_be_visible()


def test_three_visits_offline_survive_a_reload_and_are_sent_once_when_the_signal_returns(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
    camera_photo: Path,
) -> None:
    _world, field = field_world
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = enrol(context, base)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    expect(page.locator("#cases a.case")).to_have_count(3)

    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Mất sóng")
    # 1. An agrees, and Hoa, at the same address, was informed in the same visit.
    open_case(page, "Nguyễn Văn An")
    expect(page.locator("#household")).to_contain_text("Nguyễn Thị Hoa")
    choose(page, "Đồng ý chuyển đổi")
    page.locator("#household select").select_option("informed")
    page.get_by_label("Ghi chú").fill("Hẹn ra cửa hàng Viettel thứ bảy")
    page.locator("#save-visit").click()
    expect(page.locator(".flash")).to_have_text("Đã lưu lượt thăm trên máy.")
    expect(unsent(page)).to_have_attribute("data-count", "1")
    # 2. Bình refuses, with a reason, and agrees to a photo: the control shows once the box is ticked.
    open_case(page, "Trần Văn Bình")
    choose(page, "Từ chối")
    page.get_by_label("Lý do từ chối").fill("Máy cũ vẫn dùng tốt")
    expect(page.locator("#take-photo")).to_be_hidden()
    page.get_by_label("Người được thăm đồng ý chụp ảnh").check()
    expect(page.locator("#take-photo")).to_be_visible()
    expect(page.locator("#take-photo")).to_have_attribute("class", re.compile("big"))
    assert page.locator("#photo-input").get_attribute("capture") == "environment"
    page.locator("#photo-input").set_input_files(camera_photo)
    expect(page.locator("#photo-previews img")).to_have_count(1)
    page.locator("#save-visit").click()
    expect(unsent(page)).to_have_attribute("data-count", "2")
    expect(unsent(page)).to_have_attribute("data-photos", "1")
    # 3. Someone on no list, met at Hoa's door, switched already.
    page.locator("#add-found").click()
    page.get_by_label("Họ và tên", exact=True).fill("Lý Thị Mai")
    page.get_by_label("Số điện thoại").fill("0868123499")
    page.get_by_label("Địa chỉ", exact=True).fill("Số 5, Khối 1")
    page.get_by_label("Thôn, khối phố hoặc tổ dân phố").select_option(label="Khối 1")
    choose(page, "Đã chuyển sang 4G")
    page.get_by_label("Mẫu máy mới (không bắt buộc)").fill("Nokia 110 4G")
    page.locator("#save-found").click()
    expect(unsent(page)).to_have_attribute("data-count", "3")
    expect(unsent(page)).to_have_text("3 lượt thăm chưa gửi · 1 ảnh chưa gửi")
    assert Visit.objects.count() == 0 and VisitPhoto.objects.count() == 0

    # Still without signal, the page is reloaded: the shell comes from the service worker,
    # the cases and the three visits from IndexedDB; the person found at the door is in the list already.
    page.reload()
    expect(page.locator("#cases a.case")).to_have_count(4)
    expect(page.locator("#cases a.case.pending-found")).to_contain_text("Lý Thị Mai")
    expect(unsent(page)).to_have_attribute("data-count", "3")
    expect(page.locator("#network")).to_have_text("Mất sóng")
    expect(unsent(page)).to_have_attribute("data-photos", "1")
    stored = page.evaluate(READ_IDB)
    queued = stored["outbox"]
    assert len(queued) == 3
    # The photo waits with its visit, downscaled on the phone (the camera's was 2400 px wide).
    (waiting_photo,) = page.evaluate(READ_PHOTOS)
    binh_visit = next(e["visit"] for e in queued if e["visit"]["case_id"] == field.binh.pk)
    assert waiting_photo["visit_id"] == binh_visit["id"] and binh_visit["consent_photo"] is True
    assert waiting_photo["type"] == "image/jpeg" and max(waiting_photo["width"], waiting_photo["height"]) == 1280
    page.screenshot(path=str(SCREENSHOTS / "field-offline-queue-vi-360.png"), full_page=True)

    context.set_offline(False)
    expect(unsent(page)).to_have_attribute("data-count", "0")
    expect(unsent(page)).to_have_attribute("data-photos", "0")
    expect(unsent(page)).to_have_text("Đã gửi hết các lượt thăm")
    assert Visit.objects.count() == 3
    # Exactly one photo, of Bình's visit, and it left the phone.
    photo = VisitPhoto.objects.get()
    assert str(photo.visit_id) == binh_visit["id"] and str(photo.pk) == waiting_photo["id"]
    assert page.evaluate(READ_PHOTOS) == []
    assert {str(v) for v in Visit.objects.values_list("id", flat=True)} == {e["id"] for e in queued}
    assert HouseholdEntry.objects.get().case_id == field.hoa.pk
    assert Case.objects.filter(found_in_field=True).count() == 1
    # The list shows what the server made of the visits (An agreed).
    expect(page.locator("#cases a.case", has_text="Nguyễn Văn An")).to_contain_text(
        Case.objects.get(pk=field.an.pk).get_status_display()
    )

    # Sending the queue again adds nothing: the same visits put back in the outbox and sent
    # by the app ("same" counts as sent), and replayed through the API with the device token.
    page.evaluate(PUT_OUTBOX, queued)
    page.reload()
    expect(unsent(page)).to_have_attribute("data-count", "0")
    token = page.evaluate(READ_IDB)["settings"]
    raw = next(value["token"] for value in token if isinstance(value, dict) and "token" in value)
    answer = Client().post(
        "/api/v1/field/visits",
        json.dumps({"visits": [e["visit"] for e in queued]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Device {raw}",
    )
    assert [r["result"] for r in answer.json()["results"]] == ["same", "same", "same"]
    assert Visit.objects.count() == 3 and VisitPhoto.objects.count() == 1
    assert errors == []

    # Logging out of the phone revokes its token and leaves nothing of the member on it: only a note of what
    # happened, which the app shows, offline too (its shell and service worker stay: no one's data in them).
    page.locator("#logout").click()
    expect(page.locator("#signed-out")).to_have_attribute("data-reason", "logout")
    assert FieldDevice.objects.get().revoked_at is not None
    left = page.evaluate(READ_IDB)
    assert left["cases"] == [] and left["outbox"] == [] and left["photos"] == [] and left["calls"] == []
    assert left["settings"] == [{"reason": "logout", "at": left["settings"][0]["at"], "lost": 0}]
    assert "Nguyễn" not in json.dumps(left, ensure_ascii=False)
    # The session cookie of the enrol page's login went with Clear-Site-Data.
    assert not [c for c in context.cookies() if c["name"] == "sessionid"]
    context.set_offline(True)
    page.reload()
    expect(page.locator("#signed-out")).to_contain_text("Bạn đã đăng xuất khỏi máy này")
    context.close()


def test_only_the_members_own_cases_reach_the_phone_and_a_revoked_phone_wipes_itself(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    world, field = field_world
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = enrol(context, base)
    stored = page.evaluate(READ_IDB)
    ids = {item["id"] for item in stored["cases"]}
    assert ids == {field.an.pk, field.hoa.pk, field.binh.pk}
    # Team B's case, and the case of no team, are nowhere on the phone (not even in a cache).
    text = json.dumps(stored, ensure_ascii=False)
    assert "Nguyễn Thị Cúc" not in text and "0868123458" not in text
    assert "Nguyễn Văn Bảo" not in text
    cached = page.evaluate(CACHED_URLS)
    assert cached and all("/api/" not in url for url in cached)

    device_revoke(actor=world.leader_a, device=FieldDevice.objects.get(user=world.member_a))
    page.locator("#send-now").click()
    expect(page.locator("#signed-out")).to_contain_text("Tổ trưởng đã thu hồi quyền của máy này")
    # Nothing of the member is left: no case, no token; only the note of what happened.
    expect(page.locator("#log-in-again")).to_be_visible()
    left = page.evaluate(READ_IDB)
    assert left["cases"] == [] and left["outbox"] == []
    assert [entry["reason"] for entry in left["settings"]] == ["revoked"]
    text = json.dumps(left, ensure_ascii=False)
    assert "Nguyễn" not in text and "fd_" not in text
    # The shell stays cached (no one's data in it): the app still opens without signal, and says why.
    assert all("/api/" not in url for url in page.evaluate(CACHED_URLS))
    context.set_offline(True)
    page.reload()
    expect(page.locator("#signed-out")).to_contain_text("Tổ trưởng đã thu hồi quyền của máy này")
    page.screenshot(path=str(SCREENSHOTS / "field-revoked-vi-360.png"), full_page=True)
    context.close()


def test_the_phone_follows_the_members_scope_and_says_when_a_visit_is_refused(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    world, field = field_world
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = enrol(context, base)
    expect(page.locator("#case-count")).to_have_text("3")
    # Saved with signal: the message outlives the sync's redraw, then goes.
    open_case(page, "Trần Văn Bình")
    choose(page, "Không có nhà")
    page.locator("#save-visit").click()
    # The case's new status comes from the server: the sync (and its redraw) is done.
    expect(page.locator("#cases a.case", has_text="Trần Văn Bình")).to_contain_text("Cần thăm lại")
    expect(unsent(page)).to_have_text("Đã gửi hết các lượt thăm")
    page.wait_for_timeout(800)
    expect(page.locator(".flash")).to_have_text("Đã lưu lượt thăm trên máy.")
    expect(page.locator(".flash")).to_have_count(0, timeout=6000)
    assert Visit.objects.filter(case=field.binh).count() == 1
    # An refuses: the reason field comes into view, focused; Hoa refuses too, with her own reason.
    open_case(page, "Nguyễn Văn An")
    choose(page, "Từ chối")
    reason = page.get_by_label("Lý do từ chối (không bắt buộc)")
    expect(reason).to_be_focused()
    expect(reason).to_be_in_viewport()
    reason.fill("Máy cũ vẫn dùng tốt")
    page.locator("#household select").select_option("refuses")
    page.get_by_label("Vì sao Nguyễn Thị Hoa từ chối (không bắt buộc)").fill("Không cần mạng 4G")
    page.screenshot(path=str(SCREENSHOTS / "field-household-refuses-vi-360.png"), full_page=True)
    page.locator("#save-visit").click()
    expect(page.locator("#cases a.case", has_text="Nguyễn Thị Hoa")).to_contain_text("Từ chối")
    expect(page.locator("#cases a.case", has_text="Nguyễn Văn An")).to_contain_text("Từ chối")
    expect(unsent(page)).to_have_text("Đã gửi hết các lượt thăm")
    expect(page.locator(".flash")).to_have_text("Đã lưu lượt thăm trên máy.")
    assert Visit.objects.get(case=field.an).reason == "Máy cũ vẫn dùng tốt"
    assert Visit.objects.get(case=field.hoa).reason == "Không cần mạng 4G"
    # Joining team B: its case comes at the next sync.
    joined = Membership.objects.create(user=world.member_a, unit=world.team_b, role=Role.TEAM_MEMBER)
    page.locator("#send-now").click()
    expect(page.locator("#case-count")).to_have_text("4")
    # A visit to Cúc recorded offline, then the member leaves team B before it is sent.
    context.set_offline(True)
    open_case(page, "Nguyễn Thị Cúc")
    choose(page, "Đã thông tin")
    page.locator("#save-visit").click()
    expect(unsent(page)).to_have_attribute("data-count", "1")
    joined.delete()
    context.set_offline(False)
    expect(page.locator("#case-count")).to_have_text("3")
    expect(unsent(page)).to_have_attribute("data-refused", "1")
    expect(unsent(page)).to_have_text("1 lượt thăm bị từ chối")
    expect(page.locator("#problems")).to_contain_text("Nguyễn Thị Cúc")
    stored = page.evaluate(READ_IDB)
    assert {item["id"] for item in stored["cases"]} == {field.an.pk, field.hoa.pk, field.binh.pk}
    assert "0868123458" not in json.dumps(stored["cases"])
    assert not Visit.objects.filter(case=field.cuc).exists()
    page.screenshot(path=str(SCREENSHOTS / "field-refused-vi-360.png"), full_page=True)
    context.close()


def test_the_header_is_compact_and_the_place_reads_once(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    _world, field = field_world
    subscriber = field.hoa.subscriber
    assert subscriber is not None
    type(subscriber).objects.filter(pk=subscriber.pk).update(address="")
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = enrol(context, base)
    # The same name as the home page's card.
    assert page.title() == "Ứng dụng thực địa"
    expect(page.locator("#status")).to_contain_text("Ứng dụng thực địa")
    page.screenshot(path=str(SCREENSHOTS / "field-header-vi-360.png"))
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 80, header
    # No village repeated when the address names it, no leading "·" without an address.
    open_case(page, "Nguyễn Văn An")
    expect(page.locator("#place")).to_have_text("Số 5, Khối 1, Phường Lương Văn Tri")
    page.locator("a.back").click()
    open_case(page, "Nguyễn Thị Hoa")
    expect(page.locator("#place")).to_have_text("Khối 1")
    context.close()


@pytest.mark.parametrize("width", [360, 1366])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_screens_at_phone_and_desktop_width(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
    language: str,
    width: int,
    camera_photo: Path,
) -> None:
    _world, field = field_world
    Case.objects.filter(pk=field.binh.pk).update(conflict=True)
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
    anonymous = context.new_page()
    anonymous.goto(f"{base}/field/")
    expect(anonymous.locator("#not-enrolled")).to_be_visible()
    # The service worker has its copy of the shell before anything else is asked of the test server
    # (its one SQLite connection is shared by the server's threads).
    assert anonymous.evaluate("navigator.serviceWorker.ready.then(() => true)")
    anonymous.screenshot(path=str(SCREENSHOTS / f"field-not-enrolled-vi-{width}.png"), full_page=True)
    anonymous.close()
    page = enrol(context, base, f"field-enrol-vi-{width}.png")
    if language == "en":
        page.locator("#language").click()
        expect(page.locator("h1")).to_contain_text("My cases")
        expect(page.locator("#cases a.case", has_text="Nguyễn Văn An")).to_contain_text("Not visited yet")
        assert page.evaluate("document.documentElement.lang") == "en"
    tag = f"{language}-{width}"
    page.screenshot(path=str(SCREENSHOTS / f"field-cases-{tag}.png"), full_page=True)
    expect(page.locator("#cases a.case", has_text="Trần Văn Bình").locator(".badge.conflict")).to_be_visible()
    open_case(page, "Nguyễn Văn An")
    page.locator("label.outcome").nth(5).click()
    page.screenshot(path=str(SCREENSHOTS / f"field-visit-{tag}.png"), full_page=True)
    # The photo: its big control appears once the consent is ticked, and the photo taken is shown small.
    expect(page.locator("#take-photo")).to_be_hidden()
    page.locator("#consent-photo").check()
    take = page.locator("#take-photo")
    expect(take).to_be_visible()
    assert (take.bounding_box() or {"height": 0})["height"] >= 44
    take.screenshot(path=str(SCREENSHOTS / f"field-take-photo-{tag}.png"))
    page.locator("#photo-input").set_input_files(camera_photo)
    expect(page.locator("#photo-previews img")).to_have_count(1)
    page.locator("#photo-consent").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"field-visit-photo-{tag}.png"), full_page=True)
    # The outcome buttons and the call button are big enough for a thumb.
    for box in [page.locator("label.outcome span").nth(i).bounding_box() for i in range(10)]:
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    call = page.locator("#call")
    assert re.fullmatch(r"tel:0\d{9}", call.get_attribute("href") or "")
    assert (call.bounding_box() or {"height": 0})["height"] >= 44
    page.locator("a.back").click()
    open_case(page, "Trần Văn Bình")
    expect(page.locator("#case-conflict")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"field-conflict-{tag}.png"), full_page=True)
    page.locator("a.back").click()
    page.locator("#add-found").click()
    page.screenshot(path=str(SCREENSHOTS / f"field-found-{tag}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_the_shell_transfers_under_300_kb_compressed_on_first_load(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    loaded: set[str] = set()
    context.on("request", lambda request: loaded.add(request.url))
    page.goto(f"{base}/field/")
    expect(page.locator("#not-enrolled")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    # What the service worker fetches to precache, and the manifest's icons, are part of the first load.
    precached = page.evaluate(
        "async () => { const out = []; for (const n of await caches.keys()) { const c = await caches.open(n);"
        " for (const r of await c.keys()) out.push(r.url); } return out; }"
    )
    manifest = json.loads(_fetch(f"{base}/field/manifest.webmanifest"))
    urls = {u.split("?")[0].split("#")[0] for u in loaded | set(precached)} | {
        f"{base}/field/sw.js",
        f"{base}/field/manifest.webmanifest",
        *(f"{base}{icon['src']}" for icon in manifest["icons"]),
    }
    urls = {u for u in urls if u.startswith(base) and "/api/" not in u}
    sizes = {url.removeprefix(base): len(gzip.compress(_fetch(url), compresslevel=6)) for url in urls}
    files = json.loads((Path(__file__).resolve().parents[1] / "build" / "field" / "files.json").read_text())
    for expected in (
        "/field/",
        f"/static/field/{files['app.js']}",
        f"/static/field/{files['app.css']}",
        "/field/sw.js",
    ):
        assert expected in sizes, (expected, sorted(sizes))
    total = sum(sizes.values())
    print(f"shell first load: {total} bytes gzip over {len(sizes)} files: {sizes}")
    assert total < SHELL_BUDGET_BYTES, sizes
    context.close()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (the live test server)
        body: bytes = response.read()
    return body
