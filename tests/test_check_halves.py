"""The check of a long text list reads its two halves at once (``importer.parallel.check_in_two``): the same
findings as one reading of the whole file, row for row, problem for problem."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from switchoff.lib.sheets import read_file
from switchoff.subscribers import importer
from switchoff.subscribers.importer import parallel
from tests.conftest import World
from tests.vn_encodings import to_cp1258

HEADER = "STT;Số thuê bao;Họ và tên;Địa chỉ;IMEI"
VALID_IMEI = "490154203237518"


def messy_list(rows: int = 3000, *, seed: int = 7) -> list[str]:
    """Rows whose numbers repeat across the whole file (so across the cut), some written the old way or without
    their 0, with invalid IMEIs, unknown addresses, other carriers' prefixes and bad numbers among them."""
    rng = random.Random(seed)
    lines = ["DANH SÁCH THUÊ BAO", HEADER]
    for n in range(1, rows + 1):
        number = rng.randrange(1, rows // 3)  # about three times each, anywhere in the file
        style = rng.randrange(10)
        written = {0: f"0163{number:07d}", 1: f"868{number:06d}", 2: f"0912{number:06d}", 3: "09l2"}.get(
            style, f"0868{number:06d}"
        )
        address = "Nơi chưa ai biết" if rng.random() < 0.1 else "Khối 1, Phường Lương Văn Tri"
        imei = rng.choice(["", VALID_IMEI, "12345"])
        lines.append(f"{n};{written};Người Thứ {n};{address};{imei}")
    return lines


def check(world: World, content: bytes, *, halves: bool, sink: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(parallel, "PARALLEL_CHECK_FROM", 1 if halves else 10**12)
    used: list[bool] = []
    real = parallel.check_in_two

    def spied(*args: Any, **kwargs: Any) -> bool:
        used.append(real(*args, **kwargs))
        return used[-1]

    monkeypatch.setattr(parallel, "check_in_two", spied)
    problems: list[tuple[object, ...]] = []
    rows = io.BytesIO()
    checked = importer.check_list(
        read_file(content, "ds.csv"), content=content, operator=world.operator, area=world.province, rows_to=rows,
        sink=(lambda p: problems.append((p.sheet, p.row, p.column, p.value, p.code, p.params, p.cells))) if sink
        else None,
    )  # fmt: skip
    if not sink:
        problems = [(p.sheet, p.row, p.column, p.value, p.code, p.params, p.cells) for p in checked.problems]
    rows.seek(0)
    saved = [row for batch in importer.saved_rows(rows) for row in batch]
    found = (checked.summary(), problems, saved, dict(checked.by_unit), dict(checked.codes), checked.communes,
             list(checked.seen_numbers), list(checked.seen_where))  # fmt: skip
    return found, used == [True]


@pytest.mark.parametrize("sink", [True, False])
def test_the_halves_find_what_one_reading_finds(world: World, monkeypatch: pytest.MonkeyPatch, sink: bool) -> None:
    content = ("\n".join(messy_list()) + "\n").encode()
    whole, _ = check(world, content, halves=False, sink=sink, monkeypatch=monkeypatch)
    halved, used = check(world, content, halves=True, sink=sink, monkeypatch=monkeypatch)
    assert used
    summary = whole[0]
    # The list has what the merge must get right: duplicates across the cut, warnings on their rows.
    assert summary["rejected"]["number_duplicate"] > 500 and summary["warned"]["imei_invalid"] > 100
    assert summary["warned"]["number_legacy"] > 100 and summary["unresolved"] > 50
    for part_whole, part_halved in zip(whole, halved, strict=True):
        assert part_whole == part_halved


def test_quoted_cells_and_windows_1258(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cells quoted because they hold the separator, in Windows-1258: still read in halves, the same findings."""
    lines = [
        line.replace("Khối 1, Phường Lương Văn Tri", '"Khối 1; Phường Lương Văn Tri"') for line in messy_list(seed=11)
    ]
    content = to_cp1258("\r\n".join(lines) + "\r\n")
    whole, _ = check(world, content, halves=False, sink=True, monkeypatch=monkeypatch)
    halved, used = check(world, content, halves=True, sink=True, monkeypatch=monkeypatch)
    assert used and whole == halved


@pytest.mark.parametrize("where", ["line break in a cell", "note in the middle", "lone carriage returns"])
def test_files_not_cut_are_checked_whole(world: World, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """A cell with a line break, a note below which numberless rows are not errors, old Mac line ends: the halves
    would not read as the whole does, so the whole file is read in one process, with the same findings."""
    lines = messy_list(seed=3)
    middle = len(lines) // 2
    if where == "line break in a cell":
        lines[middle - 40] = lines[middle - 40].replace("Người Thứ", '"Người\nThứ') + '"'
    elif where == "note in the middle":
        lines[middle - 10 : middle - 10] = ["Ghi chú: số liệu tạm", ";;Không có số;;", "Người lập biểu"]
    separator = "\r" if where == "lone carriage returns" else "\n"
    content = (separator.join(lines) + separator).encode()
    whole, _ = check(world, content, halves=False, sink=True, monkeypatch=monkeypatch)
    halved, used = check(world, content, halves=True, sink=True, monkeypatch=monkeypatch)
    assert not used and whole == halved
