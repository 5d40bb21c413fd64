"""The device check, told right (issue 21, findings 7 and 8): what a person who typed a digit too few or too many
is told, and what is said of certification when the table does not say it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from switchoff.devices.imei import parse_imei
from switchoff.lib.sheets import read_file
from switchoff.people.services import api_token_create
from tests.conftest import World, logged_in
from tests.devices_helpers import gsma_table, imei_of
from tests.reporting import make_campaign
from tests.test_devices import _import

TORCH = imei_of("35000001")  # the table's 2G-only model: 350000011234563


@pytest.fixture
def table(world: World) -> World:
    make_campaign(world)
    _import(gsma_table())
    return world


def test_every_imei_with_a_digit_left_out_or_doubled_is_told_so() -> None:
    """Python-stdnum takes 14 digits (no check digit) and 16 (an IMEISV): a person who typed them missed a digit."""
    for imei in (TORCH, imei_of("86012345", "654321"), "352099001761481"):
        for i in range(15):
            assert parse_imei(imei[:i] + imei[i + 1 :]).reason == "short"
            assert parse_imei(imei[:i] + imei[i] + imei[i:]).reason == "long"
    # Written as people write it, with spaces.
    assert parse_imei("35 209900 176148").reason == "short"
    # An IMEISV where the caller says it is one: its IMEI is its first 14 digits and their check digit.
    assert parse_imei(TORCH[:14] + "07", imeisv=True).imei == TORCH


@pytest.mark.django_db
def test_the_public_page_says_a_digit_is_missing_not_unknown_model(table: World) -> None:
    page = Client().post(reverse("devices:check"), {"imei": TORCH[:7] + TORCH[8:]}).content.decode()
    assert "Thiếu một chữ số" in page and "*#06#" in page
    assert "Chưa có thông tin mẫu máy" not in page
    page = Client().post(reverse("devices:check"), {"imei": TORCH + "7"}).content.decode()
    assert "Thừa một chữ số" in page


@pytest.mark.django_db
def test_the_bulk_file_reads_an_imeisv_column_as_imeis_and_an_imei_column_strictly(table: World) -> None:
    client = logged_in(table.reporter_a)

    def verdicts(text: str) -> list[tuple[str, str]]:
        answer = client.post(reverse("devices:bulk"), {"file": SimpleUploadedFile("may.csv", text.encode())})
        sheet = load_workbook(io.BytesIO(answer.content)).active
        assert sheet is not None
        return [(str(row[2]), str(row[3])) for row in sheet.iter_rows(min_row=2, values_only=True)]

    rows = verdicts(f"Khách hàng,IMEI\nAn,{TORCH[:14]}\nBình,{TORCH}7\nCúc,{TORCH}\n")
    assert rows[0][0] == "Số IMEI không hợp lệ" and "Thiếu một chữ số" in rows[0][1]
    assert rows[1][0] == "Số IMEI không hợp lệ" and "Thừa một chữ số" in rows[1][1]
    assert rows[2][0] != "Số IMEI không hợp lệ"
    # The same phones in a column named IMEISV (16 digits: the IMEI's 14 and a software version).
    rows = verdicts(f"Khách hàng,IMEISV\nAn,{TORCH[:14]}07\nCúc,{TORCH[:14]}12\n")
    assert rows[0] == rows[1] and rows[0][0] == "Ngừng hoạt động khi dừng sóng"
    assert read_file(b"IMEI\n1\n", "x.csv").sheets  # the reader itself is unchanged


@pytest.mark.django_db
def test_the_api_reads_an_imeisv_only_when_told(table: World) -> None:
    _token, raw = api_token_create(user=table.operator_staff, name="shop")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    imeisv = TORCH[:14] + "07"
    assert client.get(f"/api/v1/devices/imei/{TORCH[:14]}").json()["reason"] == "short"
    assert client.get(f"/api/v1/devices/imei/{imeisv}").json()["reason"] == "long"
    assert client.get(f"/api/v1/devices/imei/{imeisv}?imeisv=true").json()["verdict"] == "stops"
    batch = client.post(
        "/api/v1/devices/classify", {"imeis": [imeisv, TORCH], "imeisv": True}, content_type="application/json"
    ).json()
    assert [r["verdict"] for r in batch["results"]] == ["stops", "stops"]
