"""Operators' lists as they really come, imported in two phases, as snapshots."""

from __future__ import annotations

import datetime
from io import BytesIO
from typing import Any

import pytest
from openpyxl import Workbook

from switchoff.lib.sheets import read_file
from switchoff.subscribers import importer
from switchoff.subscribers.guards import OutOfOrder
from switchoff.subscribers.importer import check_list, import_list
from switchoff.subscribers.models import Subscriber, SubscriberEvent
from switchoff.subscribers.selectors import unit_counts
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World
from tests.vn_encodings import to_cp1258

AUG = datetime.date(2024, 8, 1)
SEP = datetime.date(2024, 9, 1)


def messy_workbook() -> bytes:
    """Title rows, a two-row merged header, blank rows, a totals row, a second sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Lạng Sơn"
    sheet.append(["DANH SÁCH THUÊ BAO 2G ONLY TRÊN ĐỊA BÀN TỈNH LẠNG SƠN"])
    sheet.append(["(Kèm theo công văn số 123/VTLS)"])
    sheet.append([])
    sheet.append(["STT", "Số thuê bao", "Họ và tên", "Địa chỉ", None, None, "IMEI", "Loại máy"])
    sheet.append([None, None, None, "Thôn/Tổ", "Phường/Xã", "Huyện", None, None])
    sheet.merge_cells("D4:F4")
    rows = [
        (
            1,
            "0912 345 678",
            "Nguyễn Văn An",
            "Khối Bà Triệu (cũ)",
            "Phường Chi Lăng",
            "TP Lạng Sơn",
            "490154203237518",
            "Nokia 1280",
        ),
        (2, 868123456, "Hoàng Thị Bình", "Khối 1", "Phường Lương Văn Tri", "", "", "Nokia 105"),
        (3, "01623456789", "Nông Văn Cường", "", "Phường Chi Lăng", "Thành phố Lạng Sơn", "123456789012345", ""),
        (4, "0912.345.678", "Nguyễn Văn An", "", "", "", "", ""),
        (5, "09l2345679", "Lỗi Số", "", "", "", "", ""),
        (6, "0987654321", "Vi Thị Dung", "", "Xã Không Có", "Huyện Ma", "", ""),
    ]
    for row in rows:
        sheet.append(list(row))
    sheet.append([])
    sheet.append([None, None, "Tổng cộng", None, None, None, None, None])
    second = book.create_sheet("Bổ sung")
    second.append(["STT", "SĐT", "Tên khách hàng"])
    second.append([1, "+84 33 999 8877", "Lò Văn Em"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(
    world: World, content: bytes, name: str, as_of: datetime.date, area: Unit | None = None, **options: Any
) -> tuple[object, object]:
    read = read_file(content, name)
    area = area or world.province
    checked = check_list(read, content=content, operator=world.operator, area=area)
    return checked, import_list(
        read, content=content, operator=world.operator, area=area, as_of=as_of, file_name=name, **options
    )


def test_messy_workbook_is_checked_row_by_row(world: World) -> None:
    content = messy_workbook()
    checked = check_list(
        read_file(content, "ds.xlsx"), content=content, operator=world.operator, area=world.province, keep_rows=True
    )
    assert checked.rows_read == 7
    assert (checked.rows_read, checked.good) == (7, 5)
    # The good rows, in the file's order: sheet "Lạng Sơn" rows 6, 7, 8 and 11, then row 2 of "Bổ sung".
    assert [r.msisdn for r in checked.rows] == [
        "+84912345678",
        "+84868123456",
        "+84323456789",
        "+84987654321",
        "+84339998877",
    ]
    assert [(p.level, p.row, p.column, p.code) for p in checked.problems] == [
        ("warning", 6, "B", "number_other_carrier"),
        ("warning", 8, "B", "number_legacy"),
        ("warning", 8, "G", "imei_invalid"),
        ("error", 9, "B", "number_duplicate"),
        ("error", 10, "B", "number_not_a_number"),
        ("warning", 11, "E", "address_unresolved"),
        ("warning", 2, "", "address_unresolved"),  # the second sheet has no address at all
    ]
    by_row = dict(zip((6, 7, 8, 11), checked.rows, strict=False))
    # "Khối Bà Triệu (cũ)" of Phường Chi Lăng (2024) is the legacy village; Lương Văn Tri's "Khối 1" the new one.
    assert by_row[6].unit_id == world.legacy_village.pk
    assert by_row[7].unit_id == world.villages_a[0].pk
    # Phường Chi Lăng of 2024, no village named: its 2025 successor, where the door-to-door teams are now.
    assert by_row[8].unit_id == world.ward_a.pk
    assert by_row[11].unit_id is None
    assert by_row[8].original == "01623456789"


def test_duplicate_reason_names_the_first_row(world: World) -> None:
    content = messy_workbook()
    checked = check_list(
        read_file(content, "ds.xlsx"), content=content, operator=world.operator, area=world.province, keep_rows=True
    )
    duplicate = next(p for p in checked.problems if p.code == "number_duplicate")
    assert duplicate.reason == "Số này đã có ở một dòng phía trên của tệp (dòng 6)."


@pytest.mark.parametrize(
    ("content", "name", "encoding", "separator"),
    [
        (
            to_cp1258("STT;Số thuê bao;Họ và tên;Địa chỉ\n1;0912345678;Nguyễn Văn Ánh;Phường Chi Lăng, TP Lạng Sơn\n"),
            "a.csv",
            "cp1258",
            ";",
        ),
        ("\ufeffSTT,SĐT,Họ tên\n1,0912345678,Nguyễn Văn Ánh\n".encode(), "a.csv", "utf-8-sig", ","),
        ("STT\tMSISDN\tName\n1\t84912345678\tNguyễn Văn Ánh\n".encode("utf-16"), "a.txt", "utf-16", "\t"),
        (b"stt,so dien thoai,ho va ten\n1,0912345678,Nguyen Van Anh\n", "a.csv", "utf-8", ","),
    ],
)
def test_text_files_in_every_usual_encoding(
    world: World, content: bytes, name: str, encoding: str, separator: str
) -> None:
    read = read_file(content, name)
    assert (read.encoding, read.separator) == (encoding, separator)
    checked = check_list(read, content=content, operator=world.operator, area=world.province, keep_rows=True)
    assert [(r.msisdn, r.name.startswith("Ngu")) for r in checked.rows] == [("+84912345678", True)]


def test_a_newer_list_records_who_left_and_the_same_list_twice_changes_nothing(world: World) -> None:
    content = messy_workbook()
    _checked, first = run(world, content, "ds.xlsx", AUG)
    assert (first.new, first.left) == (5, 0)  # type: ignore[attr-defined]
    counts = unit_counts(world.ward_a)
    assert counts.listed == 3  # two in Chi Lăng (2024), rolled up, and one in Khối 1
    _checked, again = run(world, content, "ds.xlsx", AUG)
    assert again.already_imported  # type: ignore[attr-defined]
    # First listings are on the subscriber (first_list), not events: nothing else was written.
    assert Subscriber.objects.filter(first_list=first.source).count() == 5  # type: ignore[attr-defined]
    assert SubscriberEvent.objects.count() == 0
    newer = "STT;Số thuê bao;Họ và tên\n1;0912345678;Nguyễn Văn An\n2;0339998877;Lò Văn Em\n".encode()
    # Three of five leave, above the share a list may remove unconfirmed (see tests/security/test_registry_guards.py).
    _checked, second = run(world, newer, "ds-thang9.csv", SEP, allow_mass_leave=True)
    assert (second.new, second.unchanged, second.left) == (0, 2, 3)  # type: ignore[attr-defined]
    gone = Subscriber.objects.get(msisdn="+84868123456")
    assert (gone.status, gone.left_on) == ("left", SEP)
    assert gone.first_list is not None and gone.first_seen == gone.first_list.as_of
    assert [e.kind for e in gone.events.all()] == ["left"]
    assert unit_counts(world.ward_a).listed == 1 and unit_counts(world.ward_a).left == 2
    with pytest.raises(OutOfOrder):
        run(world, content + b" ", "old.xlsx", AUG)


def test_a_list_for_one_commune_leaves_other_communes_alone(world: World) -> None:
    kind = UnitKind.objects.get(code="village")
    unit_create(actor=None, kind=kind, name="Thôn Nà Chuông 2", parent=world.ward_b)
    province_list = "STT;SĐT;Địa chỉ\n1;0912345678;Phường Đông Kinh\n2;0912345679;Phường Lương Văn Tri\n".encode()
    run(world, province_list, "tinh.csv", AUG)
    commune_list = "STT;SĐT;Địa chỉ\n1;0977777777;Phường Lương Văn Tri\n".encode()
    _checked, result = run(world, commune_list, "phuong.csv", SEP, area=world.ward_a)
    assert result.left == 0  # type: ignore[attr-defined]
    assert Subscriber.objects.filter(status="listed").count() == 3


@pytest.mark.parametrize("viettel_rows", [1, 3], ids=["fewer-others-read", "more-others-probed"])
def test_the_same_number_from_two_operators_is_flagged(
    world: World, viettel_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flagged both ways: by reading the other operators' numbers (fewer than the file's) or by probing."""
    viettel = "".join(f"{n};091234567{8 - n + 1}\n" for n in range(1, viettel_rows + 1))
    run(world, f"STT;SĐT\n{viettel}".encode(), "viettel.csv", AUG)
    probes: list[int] = []
    probe = importer.others._probe_other_operators
    # append() returns None, so ``or`` goes on to the real probe.
    monkeypatch.setattr(importer.others, "_probe_other_operators", lambda *a: probes.append(1) or probe(*a))  # type: ignore[func-returns-value]
    kind = UnitKind.objects.get(code="operator_branch")
    vnpt = unit_create(actor=None, kind=kind, name="VNPT Lạng Sơn", parent=world.province)
    content = "STT;SĐT\n1;0888000111\n2;0912345678\n".encode()
    checked = check_list(read_file(content, "vnpt.csv"), content=content, operator=vnpt, area=world.province)
    assert [(p.row, p.code, p.reason) for p in checked.problems if p.code != "address_unresolved"] == [
        (3, "number_other_operator", "Số này cũng có trong danh sách của Viettel Lạng Sơn.")
    ]
    assert len(probes) == (viettel_rows > 2)


def test_a_nul_character_in_a_cell_is_dropped(world: World) -> None:
    """A damaged file may hold NUL characters: PostgreSQL text cannot, so they are dropped on reading."""
    content = (
        "STT;Số thuê bao;Họ và tên;Địa chỉ\n1;0868123456;Nguyễn\x00 Văn An;Khối 1, Phường Lương Văn Tri\n".encode()
    )
    run(world, content, "nul.csv", AUG)
    assert Subscriber.objects.get().name == "Nguyễn Văn An"
