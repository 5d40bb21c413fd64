"""The aggregated report as Word and Excel files: layout per Decree 30/2020/NĐ-CP, numbers, speed.

Plain functions over a hand-built ``AggregateReport``: no database. The files
are read back with python-docx and openpyxl.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from io import BytesIO

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from switchoff.reports.aggregate import AggregateReport, FormMediumTotal, OtherResult, UnitTotal
from switchoff.reports.documents import (
    FORM_MEDIUM_HEADERS,
    date_line,
    report_docx,
    report_xlsx,
    vietnamese_date,
    vn_number,
)

LVT = "Ủy ban nhân dân phường Lương Văn Tri"
DK = "Ủy ban nhân dân phường Đông Kinh"
VIETTEL = "Viettel Lạng Sơn"
RECIPIENT = "Sở Khoa học và Công nghệ tỉnh Lạng Sơn"
JULY = datetime.date(2024, 7, 1)
FORMS = [
    ("loudspeaker", "Tuyên truyền trên hệ thống loa truyền thanh", "lượt"),
    ("website_article", "Bài viết trên trang thông tin điện tử", "bài"),
    ("home_visit", "Đến từng hộ gia đình", "hộ"),
    ("meeting", "Lồng ghép trong các cuộc họp", "buổi"),
]


def make_report(**changes: object) -> AggregateReport:
    report = AggregateReport(
        campaign_name="Lộ trình dừng công nghệ di động 2G trên địa bàn tỉnh Lạng Sơn",
        technology="2G",
        issuing_body_lines=["Ủy ban nhân dân tỉnh Lạng Sơn", "Phòng Văn hóa và Thông tin"],
        document_symbol="BC-VHTT",
        place_name="Lạng Sơn",
        recipient_name=RECIPIENT,
        signer_title="Trưởng phòng",
        signer_name="Lương Thị Thu Hà",
        month_from=datetime.date(2024, 7, 1),
        month_to=datetime.date(2024, 7, 1),
        cumulative=False,
        generated_on=datetime.date(2024, 8, 5),
        forms=FORMS,
        by_form_medium=[
            FormMediumTotal(
                form=FORMS[0][1], count_unit="lượt", medium="Loa di động", count=1000, people_reached=10_000
            ),
            FormMediumTotal(form=FORMS[1][1], count_unit="bài", medium="", count=14, people_reached=2_000),
            FormMediumTotal(form=FORMS[2][1], count_unit="hộ", medium="", count=220, people_reached=345),
        ],
        by_unit=[
            UnitTotal(unit=DK, counts={"loudspeaker": 600, "home_visit": 20}),
            UnitTotal(unit=LVT, counts={"loudspeaker": 400, "website_article": 14, "home_visit": 200}),
        ],
        on_time=[LVT],
        late=[DK],
        missing=[],
        expected=3,
        other_results=[
            OtherResult(JULY, LVT, "Đã hướng dẫn 12 hộ chuyển sang điện thoại 4G.\nHỗ trợ 3 hộ nghèo nhận máy.")
        ],
    )
    return dataclasses.replace(report, **changes)  # type: ignore[arg-type]


def big_report(units: int, forms: int) -> AggregateReport:
    catalogue = [(f"form{i}", f"Hình thức truyền thông số {i}", "lượt") for i in range(forms)]
    by_unit = [
        UnitTotal(
            unit=f"Ủy ban nhân dân xã Hữu Lũng {i:04d}",
            counts={code: (i * 7 + j * 13) % 3000 for j, (code, _n, _u) in enumerate(catalogue)},
        )
        for i in range(units)
    ]
    names = [t.unit for t in by_unit]
    return make_report(
        forms=catalogue,
        by_form_medium=[
            FormMediumTotal(form=name, count_unit="lượt", medium="", count=1, people_reached=1)
            for _c, name, _u in catalogue
        ],
        by_unit=by_unit,
        on_time=names[: units // 2],
        late=names[units // 2 : units - 10],
        missing=names[units - 10 :],
        expected=units,
    )


def read_docx(report: AggregateReport) -> DocxDocument:
    return Document(BytesIO(report_docx(report)))


def paragraphs(container: DocxDocument | Table) -> Iterator[Paragraph]:
    """Every paragraph, those in table cells included, in document order."""
    items = container.iter_inner_content() if isinstance(container, DocxDocument) else [container]
    for item in items:
        if isinstance(item, Paragraph):
            yield item
        else:
            for row in item.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # A merged cell appears once per grid column it spans.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    for inner in cell.iter_inner_content():
                        yield from paragraphs(inner) if isinstance(inner, Table) else [inner]


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in paragraphs(doc)]


def data_tables(doc: DocxDocument) -> list[Table]:
    """The bordered tables, not the layout ones of the header and signature blocks."""
    return [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]


def cell_texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2024, 8, 5), "ngày 05 tháng 8 năm 2024"),
        (datetime.date(2025, 2, 15), "ngày 15 tháng 02 năm 2025"),
        (datetime.date(2024, 11, 20), "ngày 20 tháng 11 năm 2024"),
        (datetime.date(2025, 1, 9), "ngày 09 tháng 01 năm 2025"),
        (datetime.date(2025, 3, 31), "ngày 31 tháng 3 năm 2025"),
    ],
)
def test_dates_take_a_leading_zero_below_day_10_and_month_3(day: datetime.date, expected: str) -> None:
    assert vietnamese_date(day) == expected
    assert date_line("Lạng Sơn", day) == f"Lạng Sơn, {expected}"


def test_numbers_use_a_dot_between_thousands() -> None:
    assert [vn_number(n) for n in (0, 999, 1234, 1_234_567)] == ["0", "999", "1.234", "1.234.567"]


def test_docx_page_is_a4_with_decree_30_margins() -> None:
    doc = read_docx(make_report())
    section = doc.sections[0]
    measured = {
        name: getattr(section, name).mm
        for name in ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin", "right_margin")
    }
    expected = dict(page_width=210, page_height=297, top_margin=20, bottom_margin=20, left_margin=30, right_margin=15)
    for name, value in expected.items():
        assert measured[name] == pytest.approx(value, abs=0.5), name
    assert section.orientation == WD_ORIENT.PORTRAIT
    # A report this small stays on portrait pages.
    assert len(doc.sections) == 1


def test_docx_header_block_has_issuing_body_number_motto_and_date() -> None:
    doc = read_docx(make_report())
    header = doc.tables[0]
    left, right = (cell.paragraphs for cell in header.rows[0].cells)
    left_texts = [p.text for p in left if p.text]
    assert left_texts == ["ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "PHÒNG VĂN HÓA VÀ THÔNG TIN", "Số:      /BC-VHTT"]
    # The parent body is in regular type, the issuing body in bold.
    assert not any(r.bold for r in left[0].runs) and all(r.bold for r in left[1].runs)
    right_texts = [p.text for p in right if p.text]
    assert right_texts == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lạng Sơn, ngày 05 tháng 8 năm 2024",
    ]
    date = next(p for p in right if p.text.startswith("Lạng Sơn"))
    assert all(r.italic for r in date.runs)
    assert next(p for p in right if p.text.startswith("CỘNG")).runs[0].font.size.pt == 12
    # The short lines under the issuing body and under the motto are paragraph borders.
    borders = header._tbl.xpath(".//w:pBdr/w:bottom")
    assert len(borders) == 2
    # The header block has no borders of its own.
    assert header._tbl.xpath("./w:tblPr/w:tblBorders") == [] and header.style.name == "Normal Table"  # type: ignore[union-attr]


def test_docx_title_and_body() -> None:
    all_texts = texts(read_docx(make_report()))
    title = all_texts.index("BÁO CÁO")
    assert all_texts[title + 1] == (
        "Kết quả thực hiện công tác truyền thông về lộ trình dừng công nghệ di động 2G tháng 07/2024"
    )
    assert "1. Kết quả theo hình thức và phương tiện truyền thông" in all_texts
    assert "2. Kết quả theo đơn vị báo cáo" in all_texts
    assert "- Số đơn vị phải báo cáo: 3 đơn vị." in all_texts
    assert f"- Gửi báo cáo đúng hạn: 1 đơn vị, gồm: {LVT}." in all_texts
    assert f"- Gửi báo cáo muộn: 1 đơn vị, gồm: {DK}." in all_texts
    assert "- Chưa gửi báo cáo: Không có." in all_texts
    # Each line of a unit's other results is a paragraph of its own.
    assert f"- {LVT}: Đã hướng dẫn 12 hộ chuyển sang điện thoại 4G." in all_texts
    assert "Hỗ trợ 3 hộ nghèo nhận máy." in all_texts


def test_docx_cumulative_title_names_both_months() -> None:
    report = make_report(cumulative=True, month_from=datetime.date(2024, 3, 1))
    assert (
        "Kết quả thực hiện công tác truyền thông về lộ trình dừng công nghệ di động 2G "
        "từ tháng 03/2024 đến tháng 07/2024"
    ) in texts(read_docx(report))


def effective_font(doc: DocxDocument, paragraph: Paragraph, run_font: str | None) -> str | None:
    if run_font:
        return run_font
    style = paragraph.style
    while style is not None:
        if style.font.name:
            return style.font.name
        style = style.base_style
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    return defaults.find(".//" + qn("w:rFonts")).get(qn("w:ascii"))


def test_docx_is_times_new_roman_everywhere_east_asian_font_included() -> None:
    doc = read_docx(make_report())
    runs = [(p, r) for p in paragraphs(doc) for r in p.runs if r.text]
    assert len(runs) > 50
    for paragraph, run in runs:
        assert effective_font(doc, paragraph, run.font.name) == "Times New Roman", run.text
    styles_xml = doc.styles.element.xml
    body_xml = doc.element.xml
    # A theme font would win over the named one.
    assert "asciiTheme" not in styles_xml.split("</w:docDefaults>")[0] and "asciiTheme" not in body_xml
    for fonts in [*doc.element.iter(qn("w:rFonts")), doc.styles["Normal"].element.rPr.rFonts]:
        assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    # Black text.
    assert str(doc.styles["Normal"].font.color.rgb) == "000000"


def test_docx_tables_total_with_vietnamese_thousands_and_repeat_their_header() -> None:
    doc = read_docx(make_report())
    by_form, by_unit = data_tables(doc)
    rows = cell_texts(by_form)
    assert rows[0] == list(FORM_MEDIUM_HEADERS)
    assert rows[1] == ["1", FORMS[0][1], "Loa di động", "lượt", "1.000", "10.000"]
    # 1.000 broadcasts, 14 articles and 220 visits are not 1.234 of anything; a unit of count with
    # a single line needs no total of its own.
    assert rows[-1] == ["3", FORMS[2][1], "", "hộ", "220", "345"]
    assert not any(row[0] == "Tổng cộng" for row in rows)
    more = make_report(
        by_form_medium=[
            *make_report().by_form_medium,
            FormMediumTotal(form=FORMS[0][1], count_unit="lượt", medium="Loa", count=234, people_reached=None),
        ]
    )
    more_rows = cell_texts(data_tables(read_docx(more))[0])
    # Both broadcast lines in "lượt": one "Tổng cộng", people reached summed over the lines that say,
    # and said to be for the 1.000 broadcasts that gave a figure, not for all 1.234.
    assert more_rows[-1] == [
        "Tổng cộng",
        "Tổng cộng",
        "Tổng cộng",
        "lượt",
        "1.234",
        "10.000 (1.000/1.234 lượt có số liệu)",
    ]
    assert all(
        run.bold for cell in data_tables(read_docx(more))[0].rows[-1].cells for p in cell.paragraphs for run in p.runs
    )
    assert all(run.bold for cell in by_form.rows[0].cells for p in cell.paragraphs for run in p.runs)

    rows = cell_texts(by_unit)
    # Only the forms someone reported get a column ("meeting" has none), each naming its unit of count.
    # No "Tổng" column across forms: their units of count differ.
    assert rows[0] == ["STT", "Đơn vị", *(f"{name} ({unit})" for _code, name, unit in FORMS[:3])]
    assert rows[1] == ["1", DK, "600", "0", "20"]
    assert rows[2] == ["2", LVT, "400", "14", "200"]
    assert rows[-1] == ["Tổng cộng", "Tổng cộng", "1.000", "14", "220"]
    for table in (by_form, by_unit):
        assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
        assert table.rows[1].cells[-1].paragraphs[0].alignment == 2  # right


def test_docx_signature_block() -> None:
    doc = read_docx(make_report())
    signature = doc.tables[-1]
    left, right = signature.rows[0].cells
    assert [p.text for p in left.paragraphs] == ["Nơi nhận:", f"- {RECIPIENT};", "- Lưu: VT."]
    heading = left.paragraphs[0].runs[0]
    assert heading.bold and heading.italic and heading.font.size.pt == 12
    assert left.paragraphs[1].runs[0].font.size.pt == 11
    signer = [p.text for p in right.paragraphs]
    assert signer[0] == "TRƯỞNG PHÒNG" and signer[-1] == "Lương Thị Thu Hà"
    assert signer[1:-1] == ["", "", "", ""]
    # The whole block moves to the next page rather than split.
    assert signature.rows[0]._tr.xpath("./w:trPr/w:cantSplit")


def test_docx_page_numbers_in_the_header_but_not_on_the_first_page() -> None:
    section = read_docx(make_report()).sections[0]
    assert section.different_first_page_header_footer
    header = section.header
    assert not header.is_linked_to_previous
    assert "PAGE" in "".join(t.text for t in header._element.iter(qn("w:instrText")))
    assert header.paragraphs[0].alignment == 1  # centre
    assert not list(section.first_page_header._element.iter(qn("w:instrText")))


def test_docx_puts_a_wide_unit_table_on_a_landscape_page() -> None:
    doc = read_docx(big_report(units=30, forms=10))
    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    landscape = doc.sections[1]
    assert landscape.page_width.mm == pytest.approx(297, abs=0.5)  # type: ignore[union-attr]
    # The landscape page shows its number: it is not the document's first page.
    assert not landscape.different_first_page_header_footer and landscape.header.is_linked_to_previous
    assert doc.sections[2].left_margin.mm == pytest.approx(30, abs=0.5)  # type: ignore[union-attr]
    by_unit = data_tables(doc)[1]
    assert len(by_unit.rows) == 32 and len(by_unit.columns) == 12  # STT, unit, 10 forms; no cross-form total


def test_docx_without_data_and_with_odd_text() -> None:
    report = make_report(
        by_form_medium=[],
        by_unit=[],
        on_time=[],
        late=[],
        missing=[LVT, VIETTEL],
        other_results=[],
        signer_title="",
        issuing_body_lines=["Phòng Văn hóa và Thông tin"],
        campaign_name="Chiến dịch <2G> & \x0bđiện thoại",
    )
    doc = read_docx(report)
    all_texts = texts(doc)
    assert all_texts.count("Không có số liệu.") == 2
    assert f"- Chưa gửi báo cáo: 2 đơn vị, gồm: {LVT}; {VIETTEL}." in all_texts
    assert "- Gửi báo cáo đúng hạn: Không có." in all_texts
    assert all_texts[all_texts.index("4. Kết quả khác") + 1] == "Không có."
    assert any("Chiến dịch <2G> & điện thoại" in text for text in all_texts)
    # A single issuing body line is the bold one.
    assert doc.tables[0].rows[0].cells[0].paragraphs[0].runs[0].bold


def test_xlsx_sheets_numbers_totals_and_frozen_headers() -> None:
    book = load_workbook(BytesIO(report_xlsx(make_report())))
    assert book.sheetnames == ["Theo hình thức", "Theo đơn vị", "Tình hình gửi báo cáo", "Kết quả khác"]

    sheet = book["Theo hình thức"]
    assert sheet["A1"].value == "Kết quả theo hình thức và phương tiện truyền thông, tháng 07/2024"
    assert sheet["A1"].font.b and "A1:F1" in sheet.merged_cells
    assert [c.value for c in sheet[2]] == list(FORM_MEDIUM_HEADERS)
    assert all(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[3]] == [1, FORMS[0][1], "Loa di động", "lượt", 1000, 10000]
    # No sum over different units of count; each has a single line here, so no total row; under the
    # table, which reports the figures hold.
    assert sheet.max_row == 7 and sheet["A6"].value is None
    assert sheet["B7"].value == "Số liệu tổng hợp từ các báo cáo đã được chấp nhận."
    more = make_report(
        by_form_medium=[
            *make_report().by_form_medium,
            FormMediumTotal(form=FORMS[0][1], count_unit="lượt", medium="Loa", count=234, people_reached=None),
        ]
    )
    more_sheet = load_workbook(BytesIO(report_xlsx(more)))["Theo hình thức"]
    assert [c.value for c in more_sheet[7]] == [
        None, "Tổng cộng", None, "lượt", 1234, "10.000 (1.000/1.234 lượt có số liệu)"
    ]  # fmt: skip
    assert [c.value for c in more_sheet[6]][-1] == "Chưa báo cáo"
    assert type(more_sheet["E7"].value) is int
    assert more_sheet["E7"].number_format == "#,##0" and more_sheet["E7"].font.b
    assert sheet["E3"].border.left.style == "thin"

    sheet = book["Theo đơn vị"]
    assert [c.value for c in sheet[2]] == ["STT", "Đơn vị", *(f"{name} ({unit})" for _code, name, unit in FORMS[:3])]
    assert sheet.freeze_panes == "C3"
    assert [c.value for c in sheet[3]] == [1, DK, 600, 0, 20]
    assert [c.value for c in sheet[5]] == [None, "Tổng cộng", 1000, 14, 220]

    sheet = book["Tình hình gửi báo cáo"]
    assert [c.value for c in sheet[2]][:3] == ["STT", "Đơn vị", "Tình hình"]
    assert [c.value for c in sheet[3]][:3] == [1, LVT, "Đúng hạn"]
    assert [c.value for c in sheet[4]][:3] == [2, DK, "Gửi muộn"]
    assert [sheet.cell(row=r, column=6).value for r in range(3, 7)] == [3, 1, 1, 0]
    assert sheet.freeze_panes == "A3"

    sheet = book["Kết quả khác"]
    assert [c.value for c in sheet[2]] == ["STT", "Tháng", "Đơn vị", "Kết quả"]
    assert sheet["B3"].value == "07/2024" and sheet["C3"].value == LVT and sheet["D3"].value.startswith("Đã hướng dẫn")
    # Two lines of text get a taller row.
    assert (sheet.row_dimensions[3].height or 0) > 30


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text() -> None:
    report = make_report(other_results=[OtherResult(JULY, LVT, '=HYPERLINK("http://example.com")\x07')])
    sheet = load_workbook(BytesIO(report_xlsx(report)))["Kết quả khác"]
    # Quoted by the one guard of every workbook (lib/xlsx.py): text, and text again if the cell is edited.
    assert sheet["D3"].data_type == "s" and sheet["D3"].value == '\'=HYPERLINK("http://example.com")'


def test_long_lists_of_units_become_a_count_in_word() -> None:
    names = [f"Ủy ban nhân dân xã Số {n:03d}" for n in range(61)]
    document = Document(BytesIO(report_docx(make_report(on_time=names))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "61 đơn vị (danh sách chi tiết tại tệp Excel kèm theo)" in text
    assert "Số 060" not in text
