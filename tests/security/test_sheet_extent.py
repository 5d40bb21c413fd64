"""A workbook whose few cells span a huge grid is refused before any reader allocates it (issue 21, finding 1).

The hostile workbooks (``HOSTILE_WORKBOOKS`` of tests/security/hostile_files.py, generated here) go
through every upload path of the project; the operator's list paths and the small workbooks have their
loop in test_hostile_files.py (the corpus holds them), the device check's bulk file and the device
import theirs here. The memory the reading takes is measured in a process of its own (``VmHWM``, which
unlike ``ru_maxrss`` does not count the test process that started it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from switchoff.devices.models import DeviceModel
from switchoff.lib.filelimits import FileRefused, bulk_limits, workbook_limits
from switchoff.lib.sheets.reading import read_file, read_in_child
from tests.conftest import World, logged_in
from tests.security.hostile_files import HEADER, HOSTILE_WORKBOOKS, ROW, HostileFile, sparse_xlsx, xlsx

ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20

# The whole reading of one file (the checks before it and the child), in a fresh process that tells its peak.
READ_ALONE = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "switchoff.test_settings"
django.setup()
from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets.reading import read_file
from switchoff.lib.sheets.child import peak_bytes
content = sys.stdin.buffer.read()
base = peak_bytes()
try:
    read_file(content, sys.argv[1])
    refused = ""
except FileRefused as exc:
    refused = exc.reason
print(json.dumps({"refused": refused, "base": base, "peak": peak_bytes()}))
"""


def read_alone(hostile: HostileFile) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", READ_ALONE, hostile.name],
        input=hostile.content,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=True,
    )
    answer: dict[str, object] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return answer


@pytest.mark.parametrize("hostile", HOSTILE_WORKBOOKS, ids=repr)
def test_each_hostile_workbook_is_refused_within_300_mb(hostile: HostileFile) -> None:
    answer = read_alone(hostile)
    assert answer["refused"], f"{hostile.name} was read"
    peak, base = int(str(answer["peak"])), int(str(answer["base"]))
    assert peak < 300 * MB, f"{hostile.name}: {peak / MB:.0f} MB"
    assert peak - base < 50 * MB, f"{hostile.name}: reading took {(peak - base) / MB:.0f} MB"


def test_a_workbook_that_would_abort_ends_the_child_not_this_process() -> None:
    """Past the checks (called directly here), the far cell makes calamine ask for 549 GB and abort: the child
    it runs in ends, this process refuses the file and goes on."""
    far = sparse_xlsx("XFD1048576")
    with pytest.raises(FileRefused) as refused:
        read_in_child(far, memory_bytes=300 * MB)
    assert refused.value.reason == "memory" and refused.value.limit == "FILE_READER_MAX_BYTES"
    with translation.override("vi"):
        assert "FILE_READER_MAX_BYTES" in refused.value.message and "300" in refused.value.message
    # A grid of 15 million cells (460 MB read whole) is too much for a child limited to 300 MB.
    with pytest.raises(FileRefused):
        read_in_child(sparse_xlsx("CV150000"), memory_bytes=300 * MB)
    # This process is still here, and reads a real workbook with the child's help, measured.
    good = xlsx([HEADER, ROW])
    assert read_in_child(good, memory_bytes=300 * MB).peak_bytes < 100 * MB
    assert read_file(good, "ds.xlsx").sheets[0].head[1][1] == "0868123456"


def test_a_real_sheet_with_empty_columns_and_a_dimension_is_read() -> None:
    """Not every gap is an attack: a list whose header starts at row 3 and whose notes column is mostly empty."""
    rows: list[list[object]] = [["Danh sách thuê bao"], [], [*HEADER, "Ghi chú"]]
    rows += [[n, f"0868{n:06d}", "Nguyễn Văn An", "Khối 1", ""] for n in range(1, 3000)]
    rows[5][4] = "chuyển đi"
    for limits in (None, workbook_limits()):
        read = read_file(xlsx(rows), "ds.xlsx", limits=limits)
        assert list(read.sheets[0].rows())[-1][1] == "0868002999"


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE_WORKBOOKS, ids=repr)
def test_the_device_check_bulk_file(world: World, hostile: HostileFile) -> None:
    client = logged_in(world.reporter_a)  # any signed-in person reaches the bulk check
    page = client.post(reverse("devices:bulk"), {"file": SimpleUploadedFile(hostile.name, hostile.content)})
    assert page.status_code == 200, "refused on the page, not a download"
    errors = [str(m) for m in page.context["messages"]]
    assert errors, hostile.name
    if hostile.name.startswith("far_cell"):
        assert "DEVICE_BULK_MAX_ROWS" in errors[0]
    with pytest.raises(FileRefused):
        read_file(hostile.content, hostile.name, limits=bulk_limits())


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE_WORKBOOKS, ids=repr)
def test_the_device_import(world: World, hostile: HostileFile) -> None:
    client = logged_in(world.coordinator)
    page = client.post(reverse("devices:import"), {"file": SimpleUploadedFile(hostile.name, hostile.content)})
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]], hostile.name
    assert "checked" not in page.context
    assert DeviceModel.objects.count() == 0
