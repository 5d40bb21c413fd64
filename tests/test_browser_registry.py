"""The registry end to end in the browser: upload, correct a column, check, download rejects, import, search."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, expect

from switchoff.subscribers.models import Subscriber
from tests.conftest import CHROMIUM, World, build_world
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.fixture
def registry_world(transactional_db: None) -> World:
    return build_world()


def messy_file(folder: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH THUÊ BAO 2G ONLY - VIETTEL LẠNG SƠN"])
    sheet.append([])
    # "Tên KH" is not a header the importer knows: the person points the name at column C.
    sheet.append(["STT", "Số thuê bao", "Tên KH", "Địa chỉ", "IMEI"])
    sheet.append([1, 868123456, "Nguyễn Văn An", "Khối 1, Phường Lương Văn Tri", "490154203237518"])
    sheet.append([2, "0868 123 457", "Nguyễn Văn Bảo", "Khối 2, Phường Lương Văn Tri", ""])
    sheet.append([3, "086812345X", "Hà Văn Sai", "Khối 2, Phường Lương Văn Tri", ""])
    sheet.append([None, None, "Tổng cộng", None, None])
    path = folder / "DS_2G_Viettel.xlsx"
    book.save(path)
    return path


def test_operator_imports_a_messy_list_and_a_reporter_finds_a_subscriber(
    browser: Browser,
    live_server: object,
    registry_world: World,
    tmp_path: Path,
) -> None:
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "viettel")
    page.goto(f"{base}/registry/import/")
    page.get_by_label("Danh sách tính đến ngày (dd/mm/yyyy)").fill("01/08/2024")
    page.locator("#id_file").set_input_files(str(messy_file(tmp_path)))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("#check-summary")).to_contain_text("Số dòng đã đọc: 3")
    page.locator("#map-name").select_option(label="C — Tên KH")
    page.get_by_role("button", name="Kiểm tra lại với các cột này").click()
    expect(page.locator("#check-summary")).to_contain_text("Lỗi: 1")
    page.screenshot(path=str(SCREENSHOTS / "registry-check-1366.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về các dòng bị loại (Excel)").click()
    rejected = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
    assert [c.value for c in rejected[2]][:4] == ["Sheet", 6, "B", "Số có chứa chữ cái hoặc ký hiệu."]
    page.get_by_role("button", name="Nhập các dòng hợp lệ").click()
    expect(page.locator("#job-status")).to_have_text("Đã xong")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-summary")).to_contain_text("2")
    assert sorted(Subscriber.objects.values_list("name", flat=True)) == ["Nguyễn Văn An", "Nguyễn Văn Bảo"]
    context.close()

    reporter = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    log_in(reporter, base, "reporter.a")
    reporter.goto(f"{base}/registry/")
    reporter.get_by_label("Số thuê bao hoặc họ tên").fill("nguyen van")
    reporter.get_by_role("button", name="Xem").click()
    expect(reporter.locator("#subscribers")).to_contain_text("Nguyễn Văn An")
    expect(reporter.locator("#subscribers")).to_contain_text("086****456")
    reporter.screenshot(path=str(SCREENSHOTS / "registry-360.png"), full_page=True)
    reporter.context.close()


def test_ward_filters_exports_and_confirms_a_household_in_the_browser(
    browser: Browser,
    live_server: object,
    registry_world: World,
) -> None:
    import datetime

    from switchoff.audit.models import AuditEvent
    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.importer import import_list
    from switchoff.subscribers.models import Household

    world = registry_world
    content = (
        "STT;Số thuê bao;Họ và tên;Địa chỉ;Loại máy\n"
        "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri;Nokia 1280\n"
        "2;0868123457;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri;Nokia 105\n"
        "3;0868123458;Lò Thị Cúc;Khối 2, Phường Lương Văn Tri;Nokia 1280\n"
    ).encode()
    import_list(
        read_file(content, "v.csv"),
        content=content,
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
    )
    base = str(live_server)
    context = browser.new_context(viewport={"width": 360, "height": 800}, accept_downloads=True)
    page = context.new_page()
    log_in(page, base, "reporter.a")
    page.goto(f"{base}/registry/?unit={world.ward_a.pk}")
    page.get_by_text("Thêm điều kiện lọc").click()
    page.get_by_label("Loại máy").fill("nokia 1280")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#subscribers tbody tr")).to_have_count(2)
    expect(page.locator("#subscribers")).not_to_contain_text("086****457")
    page.screenshot(path=str(SCREENSHOTS / "registry-filters-360.png"), full_page=True)
    # Made by the worker (at once here) and listed on the page for its download.
    page.get_by_role("button", name="Xuất Excel (số đã che)").click()
    expect(page.locator("#exports tr.export-done")).to_contain_text("Sẵn sàng")
    page.screenshot(path=str(SCREENSHOTS / "registry-exports-360.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải xuống (2 dòng)").click()
    sheet = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
    assert [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)] == ["086****456", "086****458"]
    assert AuditEvent.objects.filter(action="subscribers.list.exported", actor=world.reporter_a).count() == 1
    page.get_by_role("link", name="Hộ gia đình").click()
    expect(page.locator(".household")).to_contain_text("086****457")
    page.screenshot(path=str(SCREENSHOTS / "households-360.png"), full_page=True)
    page.get_by_role("button", name="Xác nhận là một hộ").click()
    expect(page.locator("main")).to_contain_text("Đã xác nhận hộ: Nguyễn Văn An, 2 số thuê bao.")
    assert Household.objects.get().members.count() == 2
    context.close()
