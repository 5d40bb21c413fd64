"""The reader, header finder and problem type every import shares (``lib.sheets``), and what the villages
workbook and the activity sheet gain from it: real-world headers (title rows, other diacritics and case, merged
headers), totals rows and signatures that are not data, problems named by row and column in Vietnamese."""

from __future__ import annotations

import datetime
import zoneinfo
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import Workbook

from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import Aliases, Problem, find_header, reasons, row_label
from switchoff.reports.spreadsheets import parse_activity_sheet
from switchoff.units.spreadsheets import TEAM_SHEET, VILLAGE_SHEET, apply_workbook, parse_workbook
from tests.conftest import World
from tests.reporting import make_campaign
from tests.vn_encodings import to_cp1258

ALIASES = Aliases({"number": {"so thue bao", "sdt"}, "name": {"ho va ten"}, "village": {"thon to"}})


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# The shared pieces


def test_the_header_is_found_below_title_rows_whatever_its_diacritics_and_case() -> None:
    rows: list[list[object]] = [
        ["DANH SÁCH THUÊ BAO"],
        [],
        ["STT", "SỐ THUÊ BAO", "ho  va TEN", "Thôn / Tổ (*)"],
        [1, "0912345678", "Nguyễn Văn An", "Khối 1"],
    ]
    found = find_header(rows, ALIASES, needs=("number",))
    assert found is not None
    assert (found.header_row, found.columns) == (2, {"number": 1, "name": 2, "village": 3})


def test_a_merged_two_row_header_takes_its_sub_headers_and_a_data_row_never_is_one() -> None:
    rows: list[list[object]] = [
        ["STT", "Thông tin", None, "Địa chỉ"],
        [None, "SĐT", "Họ và tên", "Thôn/Tổ"],
        [1, "0912 345 678", "Họ và tên", "Thôn/tổ"],
    ]
    found = find_header(rows, ALIASES, needs=("number",))
    assert found is not None
    assert (found.header_row, found.columns) == (1, {"number": 1, "name": 2, "village": 3})
    # A single header whose first data row holds a header's words: the number in it says it is data.
    single = find_header([["SĐT", "Họ và tên"], ["0912 345 678", "Thôn/Tổ"]], ALIASES, needs=("number",))
    assert single is not None and (single.header_row, single.columns) == (0, {"number": 0, "name": 1})
    assert find_header(rows, ALIASES, needs=("other",)) is None


def test_totals_rows_and_signatures_are_told_from_data() -> None:
    assert row_label([None, "Tổng cộng", 430]) == "total"
    assert row_label(["Cộng: 12 thôn"]) == "total"
    assert row_label([None, "Người lập biểu", None, "Chủ tịch"]) == "footer"
    assert row_label([1, "Khối Cộng Hòa"]) == ""
    # A data row with a notes column is data, whatever the note says.
    assert row_label([1, "0912345678", "Nguyễn Văn An", "Khối 1", "Ghi chú: nhà bên"]) == ""


def test_a_problem_names_its_row_and_column_in_the_readers_language() -> None:
    problem = Problem("Thôn - Tổ dân phố", 5, "B", "khoi 4", "workbook_repeated", {"row": 2})
    assert problem.message == "Trang tính “Thôn - Tổ dân phố”, dòng 5, cột B: Trùng tên với dòng 2."
    with translation.override("en"):
        assert problem.message == "Sheet “Thôn - Tổ dân phố”, row 5, column B: Same name as row 2."
    assert Problem("", 7, "C", "", "activity_date").message.startswith("Dòng 7, cột C: ")


def test_a_refused_file_is_kept_as_a_code_and_read_in_the_readers_language() -> None:
    problem = Problem.refused(FileRefused("rows", limit="WORKBOOK_MAX_ROWS", value=20, sheet="Thôn"))
    assert (problem.code, problem.level) == ("file_refused", "error")
    assert "WORKBOOK_MAX_ROWS" in problem.reason and "Thôn" in problem.reason
    with translation.override("en"):
        assert problem.reason == "The sheet “Thôn” has more than 20 rows (limit WORKBOOK_MAX_ROWS)."


def test_a_problem_code_means_one_thing_across_the_imports() -> None:
    reasons({"workbook_repeated": ("error", Problem("", 0, "", "", "workbook_repeated").reason)})
    with pytest.raises(AssertionError):
        reasons({"workbook_repeated": ("warning", "Something else.")})
    with pytest.raises(AssertionError):
        Aliases({"name": {"ten"}, "team": {"ten"}})


# The villages workbook


def test_the_villages_workbook_reads_a_real_commune_sheet(world: World) -> None:
    content = xlsx(
        {
            "thôn - tổ DÂN PHỐ": [
                ["UBND PHƯỜNG LƯƠNG VĂN TRI"],
                ["DANH SÁCH THÔN, TỔ DÂN PHỐ"],
                [],
                ["TT", "Ghi chú", "TÊN THÔN, BẢN, KHỐI, TỔ DÂN PHỐ"],
                [1, None, "Khối 8"],
                [2, "mới", "Thôn Nà Chuông"],
                [None, None, "Tổng cộng: 2 thôn"],
                [None, "Người lập biểu", None],
                [None, None, "Hoàng Văn Bình"],
            ],
            "To cong nghe so": [
                ["DANH SÁCH TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"],
                ["STT", "Tên tổ công nghệ số", "Thôn/tổ phụ trách"],
                [1, "Tổ số 8", "khối 8; THÔN NÀ CHUÔNG"],
                [2, "Tổ số 9", "Thôn Không Có"],
                [None, "Cộng", None],
            ],
        }
    )
    parsed = parse_workbook(BytesIO(content), world.ward_a)
    assert parsed.villages == [(5, "Khối 8"), (6, "Thôn Nà Chuông")]
    assert [(p.sheet, p.row, p.column, p.message) for p in parsed.problems] == [
        (
            "To cong nghe so",
            4,
            "C",
            "Trang tính “To cong nghe so”, dòng 4, cột C: "
            "Phường Lương Văn Tri không có thôn/tổ dân phố nào mang tên này.",
        )
    ]
    assert [(row, name) for row, name, _covered in parsed.teams] == [(3, "Tổ số 8")]
    outcome = apply_workbook(actor=world.reporter_a, commune=world.ward_a, parsed=parsed)
    assert (outcome.villages_created, outcome.teams_created) == (2, 1)


def test_the_villages_workbook_without_a_header_it_knows_is_read_in_the_exports_layout(world: World) -> None:
    content = xlsx({VILLAGE_SHEET: [["Số", "Tên gọi"], [1, "Khối 11"]], TEAM_SHEET: [["Số", "Tổ", "Nơi"]]})
    parsed = parse_workbook(BytesIO(content), world.ward_a)
    assert parsed.villages == [(2, "Khối 11")] and parsed.problems == []


# The activity sheet


def activity_campaign(world: World) -> tuple[object, datetime.datetime]:
    campaign = make_campaign(world, lock_days=60)
    return campaign, datetime.datetime(2024, 8, 5, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))


def test_the_activity_sheet_takes_a_merged_header_and_headers_in_capitals_without_diacritics(world: World) -> None:
    campaign, now = activity_campaign(world)
    content = xlsx(
        {
            "Tháng 7": [
                ["BẢNG THEO DÕI TUYÊN TRUYỀN"],
                ["STT", "NGAY THUC HIEN", "HINH THUC TUYEN TRUYEN", "Kết quả", None],
                [None, None, None, "SỐ LƯỢT", "so nguoi tiep can"],
                [1, "03/07/2024", "Họp dân", 4, 30],
                [2, "04/07/2024", "Họp dân", "bốn", None],
                ["Cộng", None, None, 4, 30],
            ]
        }
    )
    parsed = parse_activity_sheet(content, "thang7.xlsx", campaign=campaign, unit=world.committee_a, now=now)  # type: ignore[arg-type]
    assert parsed.mapping is not None and parsed.mapping.header_row == 2
    assert [(r.row, r.form.code, r.count, r.people_reached) for r in parsed.rows] == [(4, "meeting", 4, 30)]
    assert [p.message for p in parsed.problems] == [
        "Trang tính “Tháng 7”, dòng 5, cột D: Phải là số nguyên, ít nhất là 1."
    ]


def test_the_activity_sheet_reads_a_windows_1258_csv_with_a_title_row_and_a_totals_row(world: World) -> None:
    campaign, now = activity_campaign(world)
    text = "\r\n".join(
        [
            "SỔ THEO DÕI HOẠT ĐỘNG TUYÊN TRUYỀN;;;",
            "Ngày tháng;Hình thức;Số lượt;Nội dung",
            "05/07/2024;Họp dân;2;Chợ Giếng Vuông",
            "06/07/2024;Múa rối;1;",
            "Tổng cộng;;3;",
        ]
    )
    parsed = parse_activity_sheet(to_cp1258(text), "so.csv", campaign=campaign, unit=world.committee_a, now=now)  # type: ignore[arg-type]
    assert [(r.row, r.form.code, r.count, r.description) for r in parsed.rows] == [(3, "meeting", 2, "Chợ Giếng Vuông")]
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(4, "B", "Múa rối")]
    assert parsed.problems[0].message.startswith("Dòng 4, cột B: Không phải là hình thức truyền thông")


def test_problem_lines_keep_every_cell_as_read_back(tmp_path: object) -> None:
    """What a check writes is what a page reads: text with diacritics, dates, floats, and what orjson does not
    take (a whole number beyond 64 bits, a lazy translation) through the fallback."""
    from pathlib import Path

    from django.utils.translation import gettext_lazy

    from switchoff.lib.sheets.problems import ProblemLines, read_problem_lines

    path = Path(str(tmp_path)) / "problems.jsonl"
    written = [
        Problem("Trang 1", 5, "B", "0163 000 0003", "number_legacy", {"number": "0330000003"}, None),
        Problem("", 6, "C", "x", "number_invalid", {}, ["Nguyễn Thị Gấm", datetime.date(2024, 8, 1), 1.5, None]),
        Problem("", 7, "B", str(10**30), "number_invalid", {}, [10**30, "Khối 3"]),
        Problem("", 8, "", "", "number_invalid", {"why": gettext_lazy("Row %(row)s")}, None),
    ]
    with path.open("w", encoding="utf-8") as handle:
        lines = ProblemLines(handle)
        for problem in written:
            lines(problem)
    assert lines.count == 4
    back = list(read_problem_lines(path))
    assert back[0] == written[0]
    assert back[1].cells == ["Nguyễn Thị Gấm", "2024-08-01", 1.5, None]
    assert back[2].cells == [10**30, "Khối 3"]
    assert back[3].params == {"why": str(gettext_lazy("Row %(row)s"))}
    assert [p.row for p in read_problem_lines(path, offset=1, limit=2)] == [6, 7]
