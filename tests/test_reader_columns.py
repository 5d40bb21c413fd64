"""Columns as operators head them, columns found from their content, and rows that are not subscribers."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from switchoff.lib.sheets import read_file, row_label
from switchoff.subscribers.importer import check_list
from switchoff.subscribers.importer.columns import propose_mapping
from switchoff.subscribers.models import Subscriber
from tests.conftest import World, logged_in
from tests.importing import check_on_page, recheck_on_page


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Họ và tên chủ thuê bao", "name"),
        ("Tên khách hàng", "name"),
        ("Tên thuê bao", "name"),
        ("Customer name", "name"),
        ("HỌ VÀ TÊN CHỦ THUÊ BAO", "name"),
        ("Thôn/Khối", "village"),
        ("Khối/Tổ", "village"),
        ("Thôn, xóm", "village"),
        ("Thôn - Xóm", "village"),
        ("Địa chỉ thường trú", "address"),
        ("Địa chỉ liên hệ", "address"),
        ("Dia chi lien he:", "address"),
        ("Phường/Xã/Thị trấn", "commune"),
        ("Huyện/Thị xã/Thành phố", "district"),
    ],
)
def test_header_alias_names_its_field(header: str, field: str) -> None:
    mapping = propose_mapping([["STT", "Số thuê bao", header], [1, "0912345678", "x"]])
    assert mapping is not None
    assert mapping.columns == {"msisdn": 1, field: 2}
    assert mapping.from_content == []


@pytest.mark.parametrize("header", ["Số TB", "Số máy", "ISDN", "Số thuê bao (*)", "SỐ ĐIỆN THOẠI"])
def test_number_header_aliases(header: str) -> None:
    mapping = propose_mapping([["STT", header, "Họ và tên"], [1, "0912345678", "Nguyễn Văn An"]])
    assert mapping is not None
    assert (mapping.header_row, mapping.columns, mapping.from_content) == (0, {"msisdn": 1, "name": 2}, [])


def test_columns_nobody_named_are_proposed_from_their_content() -> None:
    rows: list[list[object]] = [
        ["DANH SÁCH THUÊ BAO 2G"],
        ["STT", "Khách", "Liên lạc", "Nơi ở", "Máy"],
        [1, "Nguyễn Văn An", "0912 345 678", "Khối 1, Phường Lương Văn Tri", "Nokia 1280"],
        [2, "Hoàng Thị Bình", 868123456, "Thôn Nà Chuông, Phường Đông Kinh", "Nokia 105"],
        [3, "Lò Văn Em", "+84339998877", "Khối 3", "Itel"],
    ]
    mapping = propose_mapping(rows)
    assert mapping is not None
    assert mapping.header_row == 1
    assert mapping.columns == {"msisdn": 2, "name": 1, "address": 3}
    assert mapping.from_content == ["msisdn", "name"]


def test_name_column_proposed_from_content_beside_a_named_number_column() -> None:
    rows: list[list[object]] = [["Số thuê bao", "Khách", "Ghi chú"], ["0912345678", "Vi Thị Dung", "Nokia"]]
    mapping = propose_mapping(rows)
    assert mapping is not None
    assert (mapping.columns, mapping.from_content) == ({"msisdn": 0, "name": 1}, ["name"])


def test_addresses_and_devices_are_not_taken_for_names() -> None:
    rows: list[list[object]] = [
        ["Số thuê bao", "Nơi ở", "Máy"],
        ["0912345678", "Khối 1, Phường Lương Văn Tri", "Nokia 1280"],
        ["0912345679", "Thôn Nà Chuông", "Itel 2160"],
    ]
    mapping = propose_mapping(rows)
    assert mapping is not None
    assert mapping.columns == {"msisdn": 0, "address": 1}


NO_NAMES = "Số thuê bao;Khách;Địa chỉ\n0912345678;KH01;Khối 1, Phường Lương Văn Tri\n0868123456;KH02;\n".encode()


def test_a_list_without_a_name_column_is_said_so_before_confirming(world: World) -> None:
    checked = check_list(read_file(NO_NAMES, "ds.csv"), content=NO_NAMES, operator=world.operator, area=world.province)
    [warning] = checked.column_warnings()
    assert "tên" in warning  # in Vietnamese, the default language
    client = logged_in(world.operator_staff)
    data = {"operator": world.operator.pk, "area": world.province.pk, "as_of": "01/08/2024"}
    page = check_on_page(client, data, SimpleUploadedFile("ds.csv", NO_NAMES))
    assert page.status_code == 200
    assert warning in page.content.decode()
    # Choosing the column (the check runs again, as a job) takes the warning away.
    again = recheck_on_page(client, page, **{"map-msisdn": "0", "map-name": "1"})
    assert again.context["checked"].column_warnings() == []


def test_a_list_with_names_has_no_column_warning(world: World) -> None:
    content = "Số thuê bao;Tên khách hàng\n0912345678;Nguyễn Văn An\n".encode()
    checked = check_list(read_file(content, "ds.csv"), content=content, operator=world.operator, area=world.province)
    assert checked.column_warnings() == []


@pytest.mark.parametrize("column", ["B", "b", "Khách", "khach"])
def test_command_line_maps_a_column_by_letter_or_header(world: World, tmp_path: Path, column: str) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(NO_NAMES)
    call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of="2024-08-01", area="20",
                 columns=[f"name={column}"])  # fmt: skip
    assert sorted(Subscriber.objects.values_list("name", flat=True)) == ["KH01", "KH02"]


def test_command_line_warns_of_a_list_without_names(world: World, tmp_path: Path) -> None:
    from io import StringIO

    path = tmp_path / "ds.csv"
    path.write_bytes(NO_NAMES)
    out = StringIO()
    call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of="2024-08-01", area="20",
                 stdout=out)  # fmt: skip
    assert "--map name=COLUMN" in out.getvalue()


@pytest.mark.parametrize("pair", ["nom=B", "name", "name=Không có cột này"])
def test_command_line_refuses_a_wrong_map(world: World, tmp_path: Path, pair: str) -> None:
    path = tmp_path / "ds.csv"
    path.write_bytes(NO_NAMES)
    with pytest.raises(CommandError, match="--map"):
        call_command("import_subscribers", str(path), operator="Viettel Lạng Sơn", as_of="2024-08-01", area="20",
                     columns=[pair])  # fmt: skip
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    ("cells", "label"),
    [
        (["Tổng cộng", "430 thuê bao"], "total"),
        ([None, "Tổng cộng", None, 430], "total"),
        (["Cộng: 430"], "total"),
        (["TỔNG SỐ THUÊ BAO: 430"], "total"),
        (["", "Người lập biểu", "", "Giám đốc"], "footer"),
        (["Ghi chú: danh sách gồm các thuê bao 2G only"], "footer"),
        (["(Ký, ghi rõ họ tên)"], "footer"),
        (["Nguyễn Văn Công", "Khối 1"], ""),
        (["Tổng Văn A", "Khối 1"], ""),  # Tổng is a family name too
        ([1, "09l2345679", "Lỗi Số", "Khối 1", "Ghi chú: gọi lại"], ""),  # a notes column of a real row
    ],
)
def test_rows_that_are_not_subscribers(cells: list[object], label: str) -> None:
    assert row_label(cells) == label


def test_totals_signatures_and_notes_are_neither_rows_nor_errors(world: World) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["STT", "Số thuê bao", "Họ và tên", "Địa chỉ"])
    sheet.append([1, "0968123456", "Nguyễn Văn An", "Khối 1, Phường Lương Văn Tri"])
    sheet.append([2, "0868123456", "Hoàng Thị Bình", "Thôn Nà Chuông, Phường Đông Kinh"])
    sheet.append([None, "Tổng cộng", "430 thuê bao"])  # the label where the number goes
    sheet.append([None, 430, "Cộng: 430"])  # the number cell not empty
    sheet.append([])
    sheet.append(["Ghi chú: số liệu đến ngày 31/7/2024"])
    sheet.append([None, "Người lập biểu", None, "Giám đốc"])
    sheet.append([None, "(Ký, ghi rõ họ tên)", None, "(Ký tên, đóng dấu)"])
    sheet.append([None, "Nông Văn Lập", None, "Lương Thị Duyệt"])  # the signers' names, no number
    buffer = BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    checked = check_list(read_file(content, "ds.xlsx"), content=content, operator=world.operator, area=world.province)
    assert (checked.rows_read, checked.good, checked.error_count) == (2, 2, 0)
    assert checked.problems == []


def test_a_bad_number_above_the_totals_is_still_an_error(world: World) -> None:
    content = "Số thuê bao;Họ và tên\n09l2345679;Lỗi Số\nTổng cộng;1\n".encode()
    checked = check_list(read_file(content, "ds.csv"), content=content, operator=world.operator, area=world.province)
    assert [(p.row, p.code) for p in checked.problems] == [(2, "number_not_a_number")]
