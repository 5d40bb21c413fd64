"""SMS in Chromium, in Vietnamese: an operator's staff sends a message to its subscribers not yet visited in a ward
(the count and the SMS parts shown as it types), a subscriber who replied "TC" is skipped, and the operator's monthly
report shows the count (screenshots in var/screenshots). First through the log channel, then through an SMSC on
loopback (``tests/smpp_server.py``): the delivery receipts arrive on the batch's page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from switchoff.fieldwork.services import visits_record
from switchoff.sms.models import SmsMessage
from switchoff.sms.services import sms_reply_receive
from tests.conftest import CHROMIUM, World, build_world
from tests.fieldwork_helpers import Field, open_field, visit
from tests.smpp_server import SmppServer
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def sms_world(transactional_db: None, settings: Any) -> tuple[World, Field]:
    world = build_world()
    return world, open_field(world)


def test_an_operator_messages_its_subscribers_not_yet_visited_and_its_report_counts_them(
    browser: Browser, live_server: object, sms_world: tuple[World, Field]
) -> None:
    world, field = sms_world
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed")])
    hoa = field.hoa.subscriber
    assert hoa is not None
    sms_reply_receive(operator=world.operator, msisdn=hoa.msisdn, text="TC")
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN").new_page()
    log_in(page, base, "viettel")
    page.goto(f"{base}/sms/operators/{world.operator.pk}/")
    page.get_by_label("Xã, phường").select_option(label="Phường Lương Văn Tri")
    page.get_by_label("Nội dung tin nhắn").fill("Từ 16/9 nhà mạng dừng sóng 2G. Quý khách hãy đổi máy 4G.")
    expect(page.locator("#recipients")).to_contain_text("3 thuê bao sẽ nhận được tin nhắn.")
    expect(page.locator("#parts")).to_contain_text("UCS-2")
    expect(page.locator("#plain")).to_contain_text("Tu 16/9 nha mang dung song 2G.")
    page.screenshot(path=str(SCREENSHOTS / "sms-compose-vi-360.png"), full_page=True)
    page.get_by_role("button", name="Gửi").click()
    expect(page.locator(".messages")).to_contain_text("Tin nhắn đang được gửi tới 3 số.")
    expect(page.locator("#states")).to_contain_text("2")
    expect(page.locator("#messages")).to_contain_text("Bỏ qua (đã từ chối nhận tin)")
    page.screenshot(path=str(SCREENSHOTS / "sms-batch-vi-360.png"), full_page=True)
    assert SmsMessage.objects.get(msisdn=hoa.msisdn).state == "skipped"
    assert SmsMessage.objects.filter(state="sent").count() == 2
    month = timezone.localdate().strftime("%Y-%m")
    page.goto(f"{base}/campaigns/{field.campaign.pk}/units/{world.operator.pk}/reports/{month}/")
    expect(page.locator("body")).to_contain_text("Tin nhắn gửi thuê bao")
    expect(page.locator("body")).to_contain_text("2 tin nhắn")
    page.screenshot(path=str(SCREENSHOTS / "sms-report-line-vi-360.png"), full_page=True)
    page.context.close()


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmppServer]:
    server = SmppServer().start()
    yield server
    server.stop()


def test_an_operator_sees_the_receipts_of_its_smsc_arrive(
    browser: Browser, live_server: object, sms_world: tuple[World, Field], smsc: SmppServer, settings: Any
) -> None:
    world, field = sms_world
    address = {"host": "127.0.0.1", "port": smsc.port, "system_id": "switchoff", "password": "secret"}
    settings.SMS_SMSC = {world.operator.pk: {**address, "source": "Viettel", "tps": 10, "window": 2}}
    settings.SMS_RECEIPT_WAIT_S = 5.0
    binh = field.binh.subscriber
    assert binh is not None
    smsc.reset(throttle_first=1, undeliverable={binh.msisdn.lstrip("+")})
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed")])
    base = str(live_server)
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    log_in(page, base, "viettel")
    page.goto(f"{base}/sms/operators/{world.operator.pk}/")
    page.get_by_label("Xã, phường").select_option(label="Phường Lương Văn Tri")
    page.get_by_label("Nội dung tin nhắn").fill("Từ 16/9 nhà mạng dừng sóng 2G. Quý khách hãy đổi máy 4G.")
    expect(page.locator("#recipients")).to_contain_text("3 thuê bao sẽ nhận được tin nhắn.")
    page.get_by_role("button", name="Gửi").click()
    expect(page.locator(".muted").first).to_contain_text("qua tổng đài tin nhắn của nhà mạng")
    # Two delivered, Bình's refused by the network (its receipt says why), one submit throttled and tried again.
    expect(page.locator("#states")).to_contain_text("Đã đến máy")
    expect(page.locator("#messages")).to_contain_text("UNDELIV err:001")
    page.screenshot(path=str(SCREENSHOTS / "sms-receipts-vi-1366.png"), full_page=True)
    states = sorted(SmsMessage.objects.values_list("state", flat=True))
    assert states == ["delivered", "delivered", "failed"] and smsc.throttled == 1 and len(smsc.submitted) == 3
    month = timezone.localdate().strftime("%Y-%m")
    page.goto(f"{base}/campaigns/{field.campaign.pk}/units/{world.operator.pk}/reports/{month}/")
    expect(page.locator("body")).to_contain_text("2 tin nhắn")
    page.context.close()  # no request of this page outlives the test's database
