"""The field app never loses a visit, in Chromium at 360 × 740 with the network cut and restored.

Each test is one of the situations where a volunteer's work was lost or blocked (issue 22): a visit the
server refuses among good ones, a phone shared by two members, a revoked phone, a signal that comes back
weakly, a phone clock two hours fast, and a network that fails half of the requests. Each ends with every
visit on the server exactly once, or the member told which one did not get there and why.
"""

from __future__ import annotations

import datetime
import itertools
import os
import threading
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize, expect

from switchoff.fieldwork import limits
from switchoff.fieldwork.models import Case, FieldDevice, HeldVisit, Visit
from switchoff.fieldwork.services import device_revoke, held_visits_decide
from switchoff.people.roles import Role
from tests.conftest import CHROMIUM, World, build_world, make_user
from tests.fieldwork_helpers import Field, open_field
from tests.test_browser import SCREENSHOTS, log_in
from tests.test_browser_field import PUT_OUTBOX, READ_IDB, choose, open_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")

PHONE: ViewportSize = {"width": 360, "height": 740}
API = "**/api/v1/field/**"


@pytest.fixture
def field_world(transactional_db: None, settings: Any) -> tuple[World, Field]:
    # Quick retries, so that a test waits seconds rather than the minutes a phone would.
    settings.FIELD_RETRY_FIRST_S = 1
    settings.FIELD_RETRY_MAX_S = 3
    world = build_world()
    return world, open_field(world)


def phone(browser: Browser, **extra: Any) -> BrowserContext:
    return browser.new_context(viewport=PHONE, locale="vi-VN", **extra)


def enrol_as(context: BrowserContext, base: str, username: str, page: Page | None = None) -> Page:
    page = page or context.new_page()
    log_in(page, base, username)
    page.goto(f"{base}/field/enrol/")
    page.get_by_role("button", name="Dùng máy này để đi thực địa").click()
    page.wait_for_url(f"{base}/field/")
    expect(page.locator("#cases")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return page


def unsent(page: Page) -> Any:
    return page.locator("#unsent")


def record(page: Page, name: str, outcome: str, **fields: str) -> None:
    open_case(page, name)
    choose(page, outcome)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.locator("#save-visit").click()
    expect(page.locator("#cases")).to_be_visible()


def ids_on_server() -> list[str]:
    return sorted(str(pk) for pk in Visit.objects.values_list("pk", flat=True))


def outbox_ids(page: Page) -> list[str]:
    return sorted(entry["id"] for entry in page.evaluate(READ_IDB)["outbox"])


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


# ---------------------------------------------------------------- finding 1


def test_a_refused_visit_is_corrected_and_sent_again_while_the_others_go_on(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    _world, field = field_world
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    # The form holds the server's limits: what it accepts, the server accepts.
    open_case(page, "Trần Văn Bình")
    choose(page, "Từ chối")
    assert page.get_by_label("Lý do từ chối (không bắt buộc)").get_attribute("maxlength") == str(limits.REASON_MAX)
    page.locator("a.back").click()
    context.set_offline(True)
    record(page, "Nguyễn Văn An", "Đã thông tin")
    record(page, "Nguyễn Thị Hoa", "Không có nhà")
    # A visit an older version of the app let through: a reason of 400 characters (its form took 500).
    visit_id = "5b1f0c1e-8d2f-4c59-9a51-2f8f0d6b7a10"
    too_long: dict[str, Any] = {
        "id": "5b1f0c1e-8d2f-4c59-9a51-2f8f0d6b7a10",
        "queuedAt": "2000-01-01T00:00:00.000Z",
        "who": "Trần Văn Bình",
        "state": "pending",
        "code": None,
        "message": None,
        "visit": {
            "id": "5b1f0c1e-8d2f-4c59-9a51-2f8f0d6b7a10",
            "case_id": field.binh.pk,
            "case_version": field.binh.version,
            "visited_at": (timezone.localtime() - datetime.timedelta(hours=1)).isoformat(),
            "outcome": "refuses",
            "reason": "Máy cũ vẫn dùng tốt. " * 20,
            "note": "",
            "moved_to": "",
            "device_model": "",
            "household": [],
            "found": None,
            "consent_photo": False,
            "consent_location": False,
            "lat": None,
            "lon": None,
        },
    }
    page.evaluate(PUT_OUTBOX, [too_long])
    # A person found at the door needs their village: the form says so before anything is saved.
    page.locator("#add-found").click()
    page.get_by_label("Họ và tên", exact=True).fill("Lò Văn Tám")
    choose(page, "Đã thông tin")
    page.locator("#save-found").click()
    expect(page.locator("#found-form .field-error")).to_have_text("Hãy chọn thôn, khối phố hoặc tổ dân phố.")
    page.get_by_label("Thôn, khối phố hoặc tổ dân phố").select_option(label="Khối 2")
    page.locator("#save-found").click()
    expect(page.locator("#cases a.case.pending-found")).to_contain_text("Lò Văn Tám")
    page.reload()
    expect(unsent(page)).to_have_attribute("data-count", "4")

    context.set_offline(False)
    page.locator("#send-now").click()
    # The three good visits are on the server; the one refused waits, saying why, with "Sửa" and "Bỏ".
    expect(unsent(page)).to_have_attribute("data-count", "0")
    expect(unsent(page)).to_have_attribute("data-refused", "1")
    assert Visit.objects.count() == 3
    problem = page.locator("#problems li[data-code='reason_too_long']")
    expect(problem).to_contain_text("Trần Văn Bình")
    expect(problem).to_contain_text("tối đa 300 ký tự (đang có 420)")
    shot(page, "field-refused-correct-vi-360.png")
    problem.get_by_role("link", name="Sửa").click()
    reason = page.get_by_label("Lý do từ chối (không bắt buộc)")
    expect(reason).to_be_focused()
    expect(page.locator("#refusal")).to_contain_text("tối đa 300 ký tự")
    shot(page, "field-edit-refused-vi-360.png")
    reason.fill("Máy cũ vẫn dùng tốt, con cháu sẽ mua máy mới.")
    page.locator("#save-edit").click()
    expect(unsent(page)).to_have_text("Đã gửi hết các lượt thăm")
    stored = Visit.objects.get(pk=visit_id)
    assert stored.reason == "Máy cũ vẫn dùng tốt, con cháu sẽ mua máy mới."
    assert Visit.objects.count() == 4 and outbox_ids(page) == []
    assert Case.objects.get(found_in_field=True).found_name == "Lò Văn Tám"
    context.close()


# ---------------------------------------------------------------- finding 2


def test_a_second_member_on_a_shared_phone_sends_the_first_members_visits_first(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    world, _field = field_world
    make_user("member.c", world.team_a, Role.TEAM_MEMBER)
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    context.set_offline(True)
    record(page, "Nguyễn Văn An", "Đồng ý chuyển đổi")
    record(page, "Trần Văn Bình", "Không có nhà")
    waiting = outbox_ids(page)
    assert len(waiting) == 2
    # The signal is back but too weak for the API; member A's session on the site ended (it does when the
    # browser closes), and member C logs in on the same phone.
    page.route(API, lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    context.clear_cookies()
    log_in(page, base, "member.c")
    page.goto(f"{base}/field/enrol/")
    # The page tries to send them first, fails, and says whose and how many wait.
    expect(page.locator("#shared-phone-text")).to_have_text(
        "Mất sóng: 2 lượt thăm của Member A vẫn ở trên máy. Hãy thử lại ở nơi có sóng; thành viên khác chưa dùng "
        "được máy này khi chúng chưa được gửi."
    )
    expect(page.locator("#enrol")).to_be_disabled()
    shot(page, "field-shared-phone-vi-360.png")
    assert outbox_ids(page) == waiting and not Visit.objects.exists()
    # Where there is signal, they go first (as Member A's), then the phone is C's.
    page.unroute(API)
    page.locator("#send-first").click()
    expect(page.locator("#shared-phone-text")).to_contain_text("Đã gửi các lượt thăm của Member A")
    expect(page.locator("#enrol")).to_be_enabled()
    assert ids_on_server() == waiting
    assert set(Visit.objects.values_list("member__username", flat=True)) == {"member.a"}
    page.locator("#enrol").click()
    page.wait_for_url(f"{base}/field/")
    expect(page.locator(".app-foot .who")).to_have_text("Member C")
    assert outbox_ids(page) == [] and ids_on_server() == waiting
    context.close()


# ---------------------------------------------------------------- finding 3


def test_a_revoked_phone_hands_its_visits_to_the_leader_and_says_what_became_of_them(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    world, _field = field_world
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    context.set_offline(True)
    record(page, "Nguyễn Văn An", "Đồng ý chuyển đổi")
    record(page, "Nguyễn Thị Hoa", "Đã thông tin")
    before = outbox_ids(page)
    # The phone is lost; the leader revokes it. The finder records one more visit afterwards.
    device_revoke(actor=world.leader_a, device=FieldDevice.objects.get(user=world.member_a))
    page.wait_for_timeout(1500)  # a visit's time is to the second
    record(page, "Trần Văn Bình", "Đã chuyển sang 4G")
    context.set_offline(False)
    signed_out = page.locator("#signed-out")
    expect(signed_out).to_contain_text("Đã gửi 2 lượt thăm ghi trước đó cho tổ trưởng")
    expect(signed_out).to_contain_text("Không được giữ (ghi sau khi máy bị đăng xuất): Trần Văn Bình.")
    shot(page, "field-revoked-handed-over-vi-360.png")
    held = HeldVisit.objects.all()
    assert sorted(str(h.pk) for h in held) == before and not Visit.objects.exists()
    # Offline, the app still opens, to the same words.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#signed-out")).to_contain_text("Đã gửi 2 lượt thăm ghi trước đó cho tổ trưởng")
    stored = page.evaluate(READ_IDB)
    assert stored["cases"] == [] and stored["outbox"] == []
    # The leader accepts them: on the server once, as the member's.
    done = held_visits_decide(actor=world.leader_a, team=world.team_a, ids=[h.pk for h in held], accept=True)
    assert done.accepted == 2
    assert ids_on_server() == before
    assert set(Visit.objects.values_list("member__username", flat=True)) == {"member.a"}
    context.close()


def test_a_phone_signed_out_by_a_changed_password_keeps_its_visits_and_says_so(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    """The server answers 401 device_revoked, reason password_changed (a password reset signs phones out)."""
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    context.set_offline(True)
    record(page, "Nguyễn Văn An", "Đã thông tin")
    body = (
        '{"error": {"code": "device_revoked", "message": "This phone was signed out.", '
        '"details": {"reason": "password_changed"}}}'
    )
    page.route(API, lambda route: route.fulfill(status=401, content_type="application/json", body=body))
    context.set_offline(False)
    expect(page.locator("#expired")).to_contain_text("Mật khẩu của bạn đã được đổi")
    expect(unsent(page)).to_have_attribute("data-count", "1")
    assert len(outbox_ids(page)) == 1
    context.close()


# ---------------------------------------------------------------- finding 6


def test_unsent_visits_go_by_themselves_when_the_first_tries_fail(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    failures = itertools.count()

    def weak_signal(route: Route) -> None:
        # The signal is back, but the first three requests for visits die on the way.
        if route.request.method == "POST" and next(failures) < 3:
            route.abort("timedout")
        else:
            route.continue_()

    page.route("**/api/v1/field/visits", weak_signal)
    record(page, "Nguyễn Văn An", "Đồng ý chuyển đổi")
    # The bar says when it tries again; nobody taps "Gửi ngay".
    expect(page.locator("#last-sync")).to_contain_text("Tự gửi lại lúc")
    shot(page, "field-retry-vi-360.png")
    # Meanwhile the member types the next visit: the retries behind it never draw the form again.
    open_case(page, "Trần Văn Bình")
    choose(page, "Từ chối")
    page.get_by_label("Lý do từ chối (không bắt buộc)").fill("Chưa có tiền mua máy")
    expect(unsent(page)).to_have_attribute("data-count", "0", timeout=30_000)
    expect(page.locator("input[name=outcome][value=refuses]")).to_be_checked()
    expect(page.get_by_label("Lý do từ chối (không bắt buộc)")).to_have_value("Chưa có tiền mua máy")
    page.locator("#save-visit").click()
    # Sent: the list shows what the server made of it.
    expect(page.locator("#cases a.case", has_text="Trần Văn Bình")).to_contain_text("Từ chối")
    expect(unsent(page)).to_have_attribute("data-count", "0")
    assert next(failures) >= 4
    assert len(ids_on_server()) == 2
    expect(page.locator("#last-sync")).to_contain_text("Đồng bộ lần cuối")
    context.close()


# ---------------------------------------------------------------- finding 9


def test_a_phone_clock_two_hours_fast_gets_its_visits_taken_at_the_right_time(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    base = str(live_server)
    context = phone(browser)
    real = datetime.datetime.now(datetime.UTC)
    context.clock.install(time=real + datetime.timedelta(hours=2))
    page = enrol_as(context, base, "member.a")
    context.set_offline(True)
    record(page, "Nguyễn Văn An", "Đã thông tin")
    context.set_offline(False)
    page.locator("#send-now").click()
    expect(unsent(page)).to_have_text("Đã gửi hết các lượt thăm")
    expect(unsent(page)).to_have_attribute("data-refused", "0")
    visit = Visit.objects.get()
    assert visit.phone_visited_at is not None and visit.phone_visited_at - real > datetime.timedelta(minutes=110)
    assert abs(visit.visited_at - timezone.now()) < datetime.timedelta(minutes=5)
    context.close()


# ---------------------------------------------------------------- a network failing half of the requests


def test_a_network_failing_half_the_requests_ends_with_every_visit_on_the_server_once(
    browser: Browser,
    live_server: object,
    field_world: tuple[World, Field],
) -> None:
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    turn = itertools.count()
    lock = threading.Lock()
    sent: set[str] = set()

    def flaky(route: Route) -> None:
        with lock:
            n = next(turn)
            if route.request.method == "POST" and route.request.url.endswith("/visits"):
                body = route.request.post_data_json or {}
                sent.update(visit["id"] for visit in body.get("visits", []))
        if n % 2 == 0:
            route.continue_()
        elif n % 4 == 1:
            route.abort("connectionreset")  # lost on the way there
        else:
            # Reached the server, the answer lost on the way back: the phone must not send it twice.
            route.fetch()
            route.abort("connectionreset")

    page.route(API, flaky)
    names = ["Nguyễn Văn An", "Nguyễn Thị Hoa", "Trần Văn Bình"]
    outcomes = ["Không có nhà", "Đã thông tin", "Đồng ý chuyển đổi"]
    for round_ in range(3):
        context.set_offline(round_ % 2 == 1)
        for name, outcome in zip(names, outcomes, strict=True):
            record(page, name, outcome)
    context.set_offline(False)
    # Nobody taps anything: the app keeps trying until nothing waits.
    page.wait_for_function(
        "() => { const u = document.querySelector('#unsent');"
        " return u && u.dataset.count === '0' && u.dataset.refused === '0'; }",
        timeout=90_000,
    )
    assert page.evaluate(READ_IDB)["outbox"] == []
    # Nine visits recorded, nine on the server, each once, and they are the ones the phone sent.
    assert len(sent) == 9
    assert ids_on_server() == sorted(sent)
    assert next(turn) > 4
    context.close()
