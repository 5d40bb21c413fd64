"""The device check: radio bits, IMEI parsing, verdicts, the device table import, the public page, bulk, API."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from stdnum import imei as stdnum_imei

from switchoff.audit.models import AuditEvent
from switchoff.campaigns.models import Campaign
from switchoff.devices.bulk import Classifier
from switchoff.devices.imei import clean, parse_imei
from switchoff.devices.importer import NoTacColumn, check_table
from switchoff.devices.models import DeviceModel, DeviceModelVersion, VerdictTally
from switchoff.devices.radio import ALL_BITS, Radio, bands_bits, yes_no
from switchoff.devices.selectors import build_classifier
from switchoff.devices.services import devices_import
from switchoff.devices.verdicts import Stops, Verdict, stops_of, verdict_of
from switchoff.lib.filelimits import FileRefused
from switchoff.lib.sheets import read_file
from switchoff.people.services import api_token_create
from tests.conftest import World, logged_in
from tests.devices_helpers import MODELS, gsma_table, imei_of
from tests.reporting import make_campaign

CUTOFF = datetime.date(2024, 9, 16)
STOPS = Stops(g2=CUTOFF, g3=None)
G, U, L, V, N = Radio.GSM, Radio.UMTS, Radio.LTE, Radio.VOLTE, Radio.NR


# Radio bits ---------------------------------------------------------------------------------------------


def test_bands_text_becomes_bits_by_dirbs_keywords() -> None:
    assert bands_bits("GSM 900,GSM 1800,WCDMA FDD Band I,LTE FDD BAND 3") == G | U | L
    assert bands_bits("GSM850 (GSM800),EGSM900,DCS1800,PCS1900") == G
    assert bands_bits("GPRS, EDGE") == G
    assert bands_bits("HSPA+,CDMA2000,EVDO") == U
    assert bands_bits("CA_1A-3A") == L
    assert bands_bits("NR n78, 5G SA") == N
    assert bands_bits("VoLTE") == V
    assert bands_bits("Bluetooth, WLAN") == 0


def test_yes_no_cells() -> None:
    assert [yes_no(v) for v in ("Yes", "Có", "x", 1, "No", "Không", "", None, 0)] == [True] * 4 + [False] * 5
    assert yes_no("perhaps") is None


@given(st.text(max_size=300))
def test_bands_bits_never_fails_and_stays_in_the_mask(text: str) -> None:
    assert 0 <= bands_bits(text) <= ALL_BITS


@given(st.lists(st.sampled_from(["GSM 900", "WCDMA FDD Band I", "LTE FDD BAND 3", "NR n78", "VoLTE"]), max_size=5))
def test_bands_bits_are_the_union_of_their_parts(parts: list[str]) -> None:
    expected = 0
    for part in parts:
        expected |= bands_bits(part)
    assert bands_bits(",".join(parts)) == expected


# IMEI parsing -------------------------------------------------------------------------------------------


def test_imei_reasons() -> None:
    assert parse_imei("35-209900-176148-1").imei == "352099001761481"
    assert parse_imei("3520990017614").reason == "length"
    assert parse_imei("35209900176148A").reason == "letters"
    assert parse_imei("352099001761482").reason == "luhn"
    assert parse_imei("  ").reason == "empty"
    assert parse_imei("٣٥٢٠٩٩٠٠١٧٦١٤٨١").reason == "letters"  # Arabic-Indic digits are not an IMEI's


@given(st.text(max_size=40))
def test_imei_parser_agrees_with_stdnum(text: str) -> None:
    parsed = parse_imei(text)
    compact = clean(text)
    assert parsed.valid == (compact.isascii() and stdnum_imei.is_valid(compact))


_CLASSIFIER = Classifier([("35000001", int(G), False), ("35000004", int(G | L | V), False)], STOPS)
imei_texts = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="0123456789", min_size=13, max_size=17),
    st.text(alphabet="0123456789 -x", min_size=15, max_size=15),
    st.builds(imei_of, st.sampled_from(["35000001", "35000004", "86000000"]), st.from_regex(r"\A[0-9]{6}\Z")),
)


@given(st.lists(imei_texts, max_size=30))
def test_bulk_classifier_agrees_with_the_one_by_one_parser(imeis: list[str]) -> None:
    result = _CLASSIFIER.classify(imeis)
    for i, text in enumerate(imeis):
        parsed = parse_imei(text)
        assert result.reason(i) == parsed.reason, text
        if not parsed.valid:
            assert result.verdict(i) == Verdict.INVALID
        else:
            expected = {"35000001": Verdict.STOPS, "35000004": Verdict.FINE}.get(parsed.tac, Verdict.UNKNOWN)
            assert result.verdict(i) == expected, text


# Verdicts -----------------------------------------------------------------------------------------------


def test_verdicts_from_capabilities_and_the_campaign_dates() -> None:
    g3 = datetime.date(2028, 1, 1)
    both = Stops(g2=CUTOFF, g3=g3)
    assert verdict_of(int(G), both).verdict == Verdict.STOPS and verdict_of(int(G), both).on == CUTOFF
    assert verdict_of(int(G), both, certified_2g_only=False).uncertified
    # Unknown (the table does not say) is not "no": nothing is said of certification.
    assert not verdict_of(int(G), both).uncertified and not verdict_of(int(G), both, certified_2g_only=True).uncertified
    assert verdict_of(int(G | U), both).verdict == Verdict.UNTIL_3G and verdict_of(int(G | U), both).on == g3
    assert verdict_of(int(G | U), STOPS).on is None
    assert verdict_of(int(G | U | L), both).verdict == Verdict.CALLS_STOP
    assert verdict_of(int(G | U | L), both).on == g3
    assert verdict_of(int(G | L), both).on == CUTOFF
    assert verdict_of(int(G | U | L), STOPS).on is None  # 3G's end not announced
    assert verdict_of(int(G | L | V), both).verdict == Verdict.FINE
    assert verdict_of(int(G | N), both).verdict == Verdict.FINE
    assert verdict_of(None, both).verdict == Verdict.UNKNOWN
    assert verdict_of(0, both).verdict == Verdict.UNKNOWN


def test_a_3g_campaign_stops_3g_at_its_cutoff() -> None:
    stops = stops_of(technology="3G", cutoff=datetime.date(2028, 6, 1), g3_stop=None)
    assert stops.g3 == datetime.date(2028, 6, 1)
    assert verdict_of(int(G | U), stops).on == datetime.date(2028, 6, 1)


def test_answers_speak_of_the_past_once_the_network_has_stopped() -> None:
    from django.utils import timezone, translation

    from switchoff.devices.answers import explain
    from switchoff.devices.verdicts import Answer

    today = timezone.localdate()
    before, after = today + datetime.timedelta(days=1), today - datetime.timedelta(days=1)
    with translation.override("en"):
        coming = explain(Answer(Verdict.STOPS, before))
        assert "stops working on" in coming.headline and "before that day" in coming.todo
        gone = explain(Answer(Verdict.STOPS, after))
        assert "stopped working on" in gone.headline and after.strftime("%d/%m/%Y") in gone.headline
        assert "before that day" not in gone.todo and gone.tone == "bad"
        assert "stopped working" in explain(Answer(Verdict.UNTIL_3G, after)).headline
        assert "calls stopped on" in explain(Answer(Verdict.CALLS_STOP, after)).headline
        assert "stops working on" in explain(Answer(Verdict.STOPS, today)).headline  # the day itself: not yet past
    with translation.override("vi"):
        assert "đã ngừng hoạt động" in explain(Answer(Verdict.STOPS, after)).headline


def test_radio_names_are_the_generations_the_answers_speak_of() -> None:
    from switchoff.devices.radio import names

    assert names(int(G | U | L | V)) == ["2G", "3G", "4G", "VoLTE"]
    assert names(int(G | N)) == ["2G", "5G"]


# Import -------------------------------------------------------------------------------------------------


def _import(content: bytes, name: str = "gsma.txt", **extra: object) -> None:
    checked = check_table(read_file(content, name))
    devices_import(actor=None, checked=checked, source=name, **extra)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_gsma_export_is_read_with_its_pipe_header() -> None:
    checked = check_table(read_file(gsma_table(), "tac.txt"))
    assert checked.problems == []
    by_tac = {r.tac: r for r in checked.rows}
    assert by_tac["35000001"].radio == G
    assert by_tac["35000002"].radio == G | U
    assert by_tac["35000003"].radio == G | U | L
    assert by_tac["35000004"].radio == G | L | N
    assert by_tac["35000003"].brand == "Acme" and by_tac["35000003"].model == "Beacon"
    assert by_tac["35000001"].device_type == "Mobile Phone/Feature phone"


def test_vietnamese_headers_yes_no_columns_and_problems_by_row_and_column() -> None:
    content = (
        "DANH SÁCH THIẾT BỊ\n"
        "Mã TAC;Hãng sản xuất;Tên thương mại;2G;3G;4G;VoLTE;Hợp chuẩn\n"
        "35000001;Acme;Torch;Có;Không;Không;Không;Có\n"
        "35000009;Acme;Beacon V;Có;Có;Có;Có;\n"
        "3500;Acme;Short;Có;;;;\n"
        "35000001;Acme;Again;Có;;;;\n"
        "35000010;Acme;Odd;hmm;;;;\n"
    ).encode()
    checked = check_table(read_file(content, "thiet-bi.csv"))
    rows = {r.tac: r for r in checked.rows}
    assert rows["35000001"].radio == G and rows["35000001"].certified_2g_only
    assert rows["35000009"].radio == G | U | L | V
    problems = [(p.row, p.column, p.code) for p in checked.problems]
    assert (5, "A", "tac_invalid") in problems
    assert (6, "A", "tac_repeated") in problems
    assert (7, "D", "yes_no") in problems
    assert (7, "A", "no_radio") in problems


def test_a_table_without_a_tac_column_is_refused() -> None:
    with pytest.raises(NoTacColumn):
        check_table(read_file(b"IMEI;Model\n1;2\n", "x.csv"))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400), st.sampled_from([b"TAC|Bands|Model Name\n", b"Ma TAC;2G;4G;VoLTE\n", b""]))
def test_random_tables_never_crash_the_check(text: str, header: bytes) -> None:
    try:
        checked = check_table(read_file(header + text.encode("utf-8", "surrogatepass"), "x.csv"))
    except (FileRefused, NoTacColumn):
        return
    for row in checked.rows:
        assert len(row.tac) == 8 and row.tac.isdigit()
    for problem in checked.problems:
        assert problem.reason


@pytest.mark.django_db
def test_a_newer_import_replaces_a_tac_and_keeps_its_history() -> None:
    _import(gsma_table())
    assert DeviceModel.objects.count() == 4
    changed = [("35000001", "Torch 2G", "Acme Mobile Ltd", "GSM 900,LTE FDD BAND 3", "VoLTE", "Acme", "Torch 2")]
    _import(gsma_table(changed + MODELS[1:]), name="gsma-2.txt")
    current = DeviceModel.objects.get(tac="35000001")
    assert current.radio == G | L | V and current.source == "gsma-2.txt" and current.model == "Torch 2"
    old = DeviceModelVersion.objects.get()
    assert old.tac == "35000001" and old.radio == G and old.source == "gsma.txt"
    assert DeviceModel.objects.count() == 4
    event = AuditEvent.objects.filter(action="devices.table.imported").order_by("-pk").first()
    assert event is not None and event.data["replaced"] == 1 and event.data["unchanged"] == 3


@pytest.mark.django_db
def test_import_command(tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "tac.txt"
    path.write_bytes(gsma_table())
    out = io.StringIO()
    call_command("import_devices", str(path), stdout=out)
    assert "created 4" in out.getvalue()
    assert DeviceModel.objects.count() == 4


# Pages --------------------------------------------------------------------------------------------------


@pytest.fixture
def table(world: World) -> World:
    make_campaign(world)
    _import(gsma_table())
    return world


def _check(client: Client, **data: str) -> str:
    response = client.post(reverse("devices:check"), data)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_public_page_answers_each_kind_of_phone(table: World) -> None:
    client = Client()
    assert client.get(reverse("devices:check")).status_code == 200
    assert "16/09/2024" in _check(client, imei=imei_of("35000001"))
    page = _check(client, imei=imei_of("35000001"))
    assert "verdict bad" in page and 'id="uncertified"' not in page  # a GSMA export says nothing of certification
    assert "verdict warn" in _check(client, imei=imei_of("35000002"))
    assert "2G/3G" in _check(client, imei=imei_of("35000003"))
    assert "verdict good" in _check(client, imei=imei_of("35000004"))
    assert "unknown" in _check(client, imei=imei_of("86000000"))
    refused = _check(client, imei="35000001123456X")
    assert "verdict unknown" in refused
    tallies = dict(VerdictTally.objects.values_list("verdict", "count"))
    assert tallies == {"stops": 2, "until_3g": 1, "calls_stop": 1, "fine": 1, "unknown": 1, "invalid": 1}


@pytest.mark.django_db
def test_public_page_in_english_and_by_model_without_diacritics(table: World) -> None:
    client = Client(headers={"accept-language": "en"})
    client.cookies["django_language"] = "en"
    page = _check(client, imei="352099001761482")
    assert "check digit" in page
    page = _check(client, model="acme beacon")
    assert "Beacon" in page and "Torch" not in page


@pytest.mark.django_db
def test_public_page_searches_the_model_asked_for_and_answers_an_empty_check(table: World) -> None:
    client = Client()
    # An IMEI left in its box by the check before does not hide the model searched for.
    page = _check(client, imei=imei_of("35000001"), model="acme beacon", by="model")
    assert 'id="models"' in page and "Beacon" in page and 'id="answer"' not in page
    # A 2G-only model of a GSMA export (no certification column) found by name: nothing said of certification.
    assert "uncertified" not in _check(client, model="acme torch", by="model")
    page = _check(client, imei=imei_of("35000001"), by="imei")
    assert 'id="answer"' in page and "Torch" in page
    # Nothing typed: the page says so, and nothing is counted.
    before = sum(VerdictTally.objects.values_list("count", flat=True))
    page = _check(client, imei="", by="imei")
    assert 'id="answer"' in page and "*#06#" in page
    assert 'id="models"' in _check(client, model="", by="model")
    assert sum(VerdictTally.objects.values_list("count", flat=True)) == before
    # The test campaign's cut-off (16/09/2024) has gone by: the page speaks of it in the past.
    assert "đã dừng từ ngày 16/09/2024" in client.get(reverse("devices:check")).content.decode()
    assert "đã ngừng hoạt động từ ngày 16/09/2024" in _check(client, imei=imei_of("35000001"))
    Campaign.objects.update(cutoff_date=datetime.date(2999, 1, 1), end_date=datetime.date(2999, 12, 31))
    assert "sẽ dừng từ ngày 01/01/2999" in client.get(reverse("devices:check")).content.decode()
    assert "trước ngày đó" in _check(client, imei=imei_of("35000001"))


@pytest.mark.django_db
def test_public_page_reveals_nothing_of_the_registry(table: World) -> None:
    from switchoff.subscribers.importer import import_list

    content = f"Số thuê bao;Họ và tên;IMEI\n0868123456;Hoàng Thị Bình;{imei_of('35000001')}\n".encode()
    import_list(
        read_file(content, "a.csv"), content=content, operator=table.operator, area=table.province,
        as_of=datetime.date(2024, 8, 1),
    )  # fmt: skip
    client = Client()
    for data in ({"imei": imei_of("35000001")}, {"model": "hoang thi binh"}, {"model": "0868123456"}):
        page = _check(client, **data).replace(f'value="{data.get("model", "")}"', "")
        assert "Hoàng" not in page, data
        assert "0868" not in page, data


@pytest.mark.django_db
@override_settings(DEVICE_CHECK_LIMIT_PER_MIN=2, TRUSTED_PROXIES=["10.0.0.1"])
def test_public_page_is_rate_limited_per_client_behind_the_proxy(table: World) -> None:
    client = Client(REMOTE_ADDR="10.0.0.1")

    def post(ip: str) -> int:
        response = client.post(reverse("devices:check"), {"imei": imei_of("35000001")}, HTTP_X_FORWARDED_FOR=ip)
        return response.status_code

    assert [post("1.2.3.4") for _ in range(3)] == [200, 200, 429]
    assert post("5.6.7.8") == 200  # another client behind the same proxy


@pytest.mark.django_db
def test_bulk_file_comes_back_with_each_verdict(table: World) -> None:
    client = logged_in(table.reporter_b)
    content = "STT,IMEI\n1,{}\n2,{}\n3,12345\n".format(imei_of("35000001"), imei_of("35000004")).encode()
    response = client.post(reverse("devices:bulk"), {"file": SimpleUploadedFile("imeis.csv", content)})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("STT", "IMEI")
    assert [r[2] for r in rows[1:]] == [str(Verdict.STOPS.label), str(Verdict.FINE.label), str(Verdict.INVALID.label)]
    assert sum(VerdictTally.objects.values_list("count", flat=True)) == 3


@pytest.mark.django_db
def test_import_page_two_phases_and_permission(world: World, django_capture_on_commit_callbacks: Any) -> None:
    assert logged_in(world.reporter_a).get(reverse("devices:import")).status_code == 403
    client = logged_in(world.coordinator)
    upload = SimpleUploadedFile("tac.txt", gsma_table() + b"123|Bad|X|Y|GSM||||||||||||\n")
    page = client.post(reverse("devices:import"), {"file": upload})
    assert page.status_code == 200 and DeviceModel.objects.count() == 0
    text = page.content.decode()
    assert "TAC" in text and "8" in text
    upload_id = page.context["upload_id"]
    form = {"upload_id": upload_id, "file_name": "tac.txt", "confirm": "1"}
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, queued once the job is committed
        done = client.post(reverse("devices:import"), form)
    assert done.status_code == 302
    assert DeviceModel.objects.count() == 4
    listed = client.get(reverse("devices:import")).content.decode()
    assert 'class="job-done"' in listed and "tac.txt" in listed


@pytest.mark.django_db
def test_support_contacts_are_editable_and_shown(world: World) -> None:
    campaign = make_campaign(world)
    client = logged_in(world.coordinator)
    response = client.post(
        reverse("devices:support", kwargs={"campaign_id": campaign.pk}),
        {"support_contacts": "Đường dây nóng 1800 0000", "g3_stop_date": "01/01/2028"},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.g3_stop_date == datetime.date(2028, 1, 1)
    assert "Đường dây nóng 1800 0000" in Client().get(reverse("devices:check")).content.decode()
    page = client.get(reverse("devices:support", kwargs={"campaign_id": campaign.pk})).content.decode()
    assert f'<a href="{reverse("devices:check")}" id="see-check">' in page


# API ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_classifies_one_and_a_batch(table: World) -> None:
    _token, raw = api_token_create(user=table.operator_staff, name="shop")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    one = client.get(f"/api/v1/devices/imei/{imei_of('35000002')}").json()
    assert one["verdict"] == "until_3g"
    bad = client.get("/api/v1/devices/imei/352099001761482").json()
    assert bad["verdict"] == "invalid" and bad["reason"] == "luhn"
    post: Callable[[object], object] = lambda body: client.post(  # noqa: E731
        "/api/v1/devices/classify", json.dumps(body), content_type="application/json"
    )
    batch = post({"imeis": [imei_of("35000003"), "abc", imei_of("86000000")]}).json()  # type: ignore[attr-defined]
    assert [r["verdict"] for r in batch["results"]] == ["calls_stop", "invalid", "unknown"]
    assert batch["results"][1]["reason"] == "letters"
    too_many = post({"imeis": ["1"] * 10_001})
    assert too_many.status_code == 422  # type: ignore[attr-defined]


def test_demo_models_are_fictitious_marked_demo_and_answer(demo: None) -> None:
    # The demo as load_demo loads it, written again from the rows of the worker's first load (tests/conftest.py).
    from switchoff.devices.selectors import campaign_stops, check_imei, current_campaign

    assert not DeviceModel.objects.filter(is_demo=False).exists()
    stops = campaign_stops(current_campaign())
    expected = {
        "990000011234566": Verdict.STOPS,
        "990000031234562": Verdict.UNTIL_3G,
        "990000041234560": Verdict.CALLS_STOP,
        "990000051234567": Verdict.FINE,
    }
    assert {imei: check_imei(imei, stops).answer.verdict for imei in expected} == expected


@pytest.mark.django_db
def test_consecutive_bulk_calls_reuse_the_classifier_until_the_table_changes() -> None:
    _import(gsma_table(), now=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    first = build_classifier(STOPS)
    assert build_classifier(STOPS) is first
    # Other stop dates are another classifier (the verdicts are computed with them).
    assert build_classifier(Stops(g2=CUTOFF, g3=datetime.date(2028, 1, 1))) is not first
    first = build_classifier(STOPS)
    # A replaced TAC: as many rows as before, one verdict different.
    beacon = ("35000003", "Beacon 4G", "Acme Mobile Ltd", "GSM 900,LTE FDD BAND 3,VoLTE", "NONE", "Acme", "Beacon")
    _import(gsma_table([beacon]), now=datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC))
    again = build_classifier(STOPS)
    assert again is not first
    assert again.classify([imei_of("35000003")]).verdict(0) == Verdict.FINE
    assert first.classify([imei_of("35000003")]).verdict(0) == Verdict.CALLS_STOP
    # A row more, and a row deleted: each is a new table.
    _import(gsma_table([("35000009", "Spark", "Acme", "GSM 900", "NONE", "Acme", "Spark")]))
    third = build_classifier(STOPS)
    assert third is not again and third.classify([imei_of("35000009")]).verdict(0) == Verdict.STOPS
    DeviceModel.objects.filter(tac="35000001").delete()
    assert build_classifier(STOPS).classify([imei_of("35000001")]).verdict(0) == Verdict.UNKNOWN


@pytest.mark.django_db
def test_the_support_page_is_linked_from_the_campaign_page_and_the_answers(table: World) -> None:
    campaign = Campaign.objects.get()
    support = reverse("devices:support", kwargs={"campaign_id": campaign.pk})
    detail = reverse("campaigns:detail", args=[campaign.pk])
    assert support in logged_in(table.coordinator).get(detail).content.decode()
    page = logged_in(table.reporter_a).get(detail).content.decode()
    assert reverse("devices:check") in page and support not in page
    # The answers point to where to get help, except the one that needs none.
    assert 'href="#support"' in _check(Client(), imei=imei_of("35000001"))
    assert 'href="#support"' not in _check(Client(), imei=imei_of("35000004"))
    assert 'id="edit-support"' not in Client().get(reverse("devices:check")).content.decode()
    assert 'id="edit-support"' in logged_in(table.coordinator).get(reverse("devices:check")).content.decode()


@pytest.mark.django_db
@override_settings(DEVICE_BULK_MAX_ROWS=3)
def test_a_bulk_file_beyond_its_rows_is_refused_before_it_is_read(table: World) -> None:
    client = logged_in(table.reporter_b)
    lines = "IMEI\n" + "".join(f"{imei_of('35000001', f'{n:06d}')}\n" for n in range(5))
    csv_page = client.post(reverse("devices:bulk"), {"file": SimpleUploadedFile("imeis.csv", lines.encode())})
    assert csv_page.status_code == 200 and "DEVICE_BULK_MAX_ROWS" in csv_page.content.decode()
    book = Workbook()
    for n in range(5):
        book.active.append([imei_of("35000001", f"{n:06d}")])
    content = io.BytesIO()
    book.save(content)
    xlsx_page = client.post(reverse("devices:bulk"), {"file": SimpleUploadedFile("imeis.xlsx", content.getvalue())})
    assert "DEVICE_BULK_MAX_ROWS" in xlsx_page.content.decode()
    assert not VerdictTally.objects.exists()


@pytest.mark.django_db
@override_settings(DEVICE_BULK_UPLOAD_MAX_BYTES=1024)
def test_a_bulk_file_larger_than_its_limit_is_refused_by_the_form(table: World) -> None:
    content = b"IMEI\n" + (imei_of("35000001").encode() + b"\n") * 100
    page = logged_in(table.reporter_b).post(reverse("devices:bulk"), {"file": SimpleUploadedFile("i.csv", content)})
    assert page.status_code == 200 and "DEVICE_BULK_UPLOAD_MAX_BYTES" in page.content.decode()
