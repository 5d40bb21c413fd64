"""Referrals and shop inspections from the field app, in Chromium, in Vietnamese, on a 360 px phone without signal:
a member refers a visited person and another of the same household, and records a shop selling two 2G-only phones;
all is kept on the phone across a reload, then sent with the visits' sync once: the first referral waits for
approval, the second is refused with the reason (kept until discarded), the inspection's verdicts are shown, and
the commune's monthly report counts the inspection and the shop informed (screenshots in var/screenshots)."""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Browser, expect

from switchoff.devices.importer import check_table
from switchoff.devices.services import devices_import
from switchoff.fieldwork.models import Case
from switchoff.fieldwork.services.visits import record_batch
from switchoff.lib.sheets import read_file
from switchoff.people.access import visible_units
from switchoff.people.roles import Perm
from switchoff.programmes import services as programmes
from switchoff.programmes.models import Benefit, Referral, Sponsor
from switchoff.reports.models import Activity
from switchoff.shops.models import Inspection
from switchoff.shops.services import ShopInput, shop_register
from switchoff.subscribers.services import household_confirm
from tests.conftest import CHROMIUM, World, build_world
from tests.devices_helpers import gsma_table, imei_of
from tests.fieldwork_helpers import Field, open_field, visit
from tests.test_browser_field import READ_IDB
from tests.test_browser_field_sync import enrol_as, phone, shot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def support_world(transactional_db: None, settings: Any) -> tuple[World, Field]:
    settings.FIELD_RETRY_FIRST_S = 1
    settings.FIELD_RETRY_MAX_S = 3
    world = build_world()
    devices_import(actor=None, checked=check_table(read_file(gsma_table(), "tac.txt")), source="tac.txt")
    field = open_field(world)
    ids = [i for i in (field.an.subscriber_id, field.hoa.subscriber_id) if i is not None]
    household_confirm(actor=world.reporter_a, unit=world.ward_a, subscriber_ids=ids)
    # An was visited: he needs support to switch.
    with transaction.atomic():
        record_batch(
            actor=world.member_a, member=world.member_a, visits=[visit(field.an, "needs_support")], device=None,
            sent_at=None, scope=Case.objects.filter(campaign=field.campaign),
            villages=lambda: visible_units(world.member_a, Perm.VISIT),
        )  # fmt: skip
    today = timezone.localdate()
    programmes.programme_create(
        actor=world.operator_staff,
        campaign=field.campaign,
        fields={
            "name": "Tặng điện thoại 4G cho hộ khó khăn", "sponsor": Sponsor.OPERATOR, "sponsor_name": "Viettel",
            "owner": world.operator, "benefit": Benefit.FEATURE_PHONE, "area": world.province,
            "starts_on": today - datetime.timedelta(days=5), "ends_on": today + datetime.timedelta(days=90),
            "documents": "CCCD của chủ hộ",
        },
        stock=[programmes.StockLine(unit=world.ward_a, quantity=10)],
    )  # fmt: skip
    shop_register(actor=world.reporter_a, place=world.villages_a[0], given=ShopInput(name="Minh Anh Mobile"))
    return world, field


def test_a_member_refers_and_inspects_offline_and_one_sync_sends_each_once(
    browser: Browser, live_server: object, support_world: tuple[World, Field]
) -> None:
    world, field = support_world
    base = str(live_server)
    context = phone(browser)
    page = enrol_as(context, base, "member.a")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    expect(page.locator("#send-now")).to_be_enabled()
    context.set_offline(True)

    # An's case: referred to Viettel's programme, without signal.
    page.locator(f'a[data-case="{field.an.pk}"]').click()
    page.locator("#refer").click()
    page.get_by_label("Chương trình").select_option(label="Tặng điện thoại 4G cho hộ khó khăn (Viettel)")
    expect(page.locator("#programme-documents")).to_contain_text("CCCD của chủ hộ")
    page.get_by_label("Ghi chú cho người duyệt (không bắt buộc)").fill("Hộ nghèo, cần máy 4G")
    shot(page, "field-refer-vi-360.png")
    page.locator("#save-referral").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu đề nghị trên máy")
    # Hoa, of An's household, too: the server will refuse her.
    page.goto(f"{base}/field/#/refer/{field.hoa.pk}")
    page.get_by_label("Chương trình").select_option(label="Tặng điện thoại 4G cho hộ khó khăn (Viettel)")
    page.locator("#save-referral").click()
    expect(page.locator("#flash")).to_contain_text("Đã lưu đề nghị trên máy")  # saved: its page is drawn

    # A shop of Khối 1 selling two 2G-only phones.
    page.goto(f"{base}/field/#/")
    page.locator("#shops").click()
    page.locator("#shops-list a").filter(has_text="Minh Anh Mobile").click()
    page.get_by_label("Máy không có 4G đang bán: mỗi dòng một IMEI hoặc một mẫu máy").fill(
        f"{imei_of('35000001')}\n{imei_of('35000001', '777777')}"
    )
    shot(page, "field-inspect-vi-360.png")
    page.locator("#save-inspection").click()
    expect(page.locator("#inspections-unsent")).to_contain_text("1 lượt kiểm tra chưa gửi")
    # Kept on the phone across a reload without signal; nothing reached the server.
    page.reload()
    expect(page.locator("#inspections-unsent")).to_contain_text("1 lượt kiểm tra chưa gửi")
    expect(page.locator("#unsent")).to_contain_text("3 đề nghị, kiểm tra chưa gửi")
    stored = page.evaluate(READ_IDB)
    assert len(stored["referrals"]) == 2 and len(stored["inspections"]) == 1
    assert not Referral.objects.exists() and not Inspection.objects.exists()

    # Signal again: one sync sends both; the verdicts come back.
    context.set_offline(False)
    page.locator("#send-now").click()
    expect(page.locator("#inspections-unsent")).to_have_count(0)
    done = page.locator("#inspections-done")
    expect(done.locator("[data-verdict=stops]")).to_have_count(2)
    expect(done).to_contain_text("2 máy không có 4G")
    expect(page.locator("#support-problems")).to_contain_text("Nguyễn Thị Hoa")
    shot(page, "field-shops-verdicts-vi-360.png")
    # Sent again (the sync retried): still one referral, one inspection, counted once.
    page.locator("#send-now").click()
    expect(page.locator("#send-now")).to_be_enabled()
    referral = Referral.objects.get()
    assert referral.case == field.an and referral.state == Referral.State.REFERRED and referral.client_key
    assert referral.note == "Hộ nghèo, cần máy 4G"
    inspection = Inspection.objects.get()
    assert inspection.informed and inspection.found == 2
    assert sorted(inspection.items.values_list("verdict", flat=True)) == ["stops", "stops"]
    stored = page.evaluate(READ_IDB)
    assert stored["inspections"] == [] and [e["state"] for e in stored["referrals"]] == ["refused"]
    counted = sorted(Activity.objects.filter(unit=world.committee_a).values_list("form__code", flat=True))
    assert counted == ["shop_informed", "shop_inspection"]

    # The refused referral stays with its reason until the member discards it.
    page.goto(f"{base}/field/#/")
    problems = page.locator("#support-problems")
    expect(problems).to_contain_text("Nguyễn Thị Hoa")
    shot(page, "field-referral-refused-vi-360.png")
    problems.get_by_role("button", name="Bỏ").click()
    expect(page.locator("#support-problems")).to_have_count(0)
    assert page.evaluate(READ_IDB)["referrals"] == []
    assert not [e for e in errors if "favicon" not in e], errors
    context.close()
