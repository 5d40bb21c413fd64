"""The device class in the registry (issue 15, point 4): set after a list and after a device table import,
shown on a subscriber's page and in the registry list, filtered there, in the API list and in the export."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from switchoff.audit.models import AuditEvent
from switchoff.devices.classes import DeviceClass, answer_of_class, class_of, class_sql
from switchoff.devices.importer import check_table
from switchoff.devices.radio import ALL_BITS
from switchoff.devices.services import devices_import
from switchoff.devices.verdicts import Stops, Verdict
from switchoff.lib.sheets import read_file
from switchoff.subscribers.models import ImportJob, Subscriber
from switchoff.subscribers.services import list_check, list_import
from tests.conftest import World, logged_in
from tests.devices_helpers import MODELS, gsma_table, imei_of
from tests.exporting import content, export
from tests.importing import check_on_page, confirm_on_page
from tests.reporting import make_campaign
from tests.security._importguard import api_client

AS_OF = datetime.date(2024, 8, 1)
# One subscriber per class: the four kinds of the helper table, a TAC nobody knows, and no IMEI at all.
PHONES = {
    "0868000001": (imei_of("35000001"), DeviceClass.G2_ONLY),
    "0868000002": (imei_of("35000002"), DeviceClass.G3),
    "0868000003": (imei_of("35000003"), DeviceClass.G4_NO_VOLTE),
    "0868000004": (imei_of("35000004"), DeviceClass.G4_VOLTE),
    "0868000005": (imei_of("86000000"), DeviceClass.UNKNOWN),
    "0868000006": ("", DeviceClass.NO_IMEI),
}
CSV = "Số thuê bao;Họ và tên;Địa chỉ;IMEI\n" + "".join(
    f"{number};Người Số {n};Khối 1, Phường Lương Văn Tri;{imei}\n"
    for n, (number, (imei, _c)) in enumerate(PHONES.items())
)
CONTENT = CSV.encode()


def _devices(content: bytes | None = None, *, now: datetime.datetime | None = None) -> None:
    devices_import(actor=None, checked=check_table(read_file(content or gsma_table(), "tac.txt")), source="tac.txt",
                   now=now)  # fmt: skip


def _now_through_the_service(world: World, content: bytes = CONTENT, as_of: datetime.date = AS_OF) -> None:
    """list_import: the command's and the API rows' path."""
    check = list_check(operator=world.operator, area=world.province, as_of=as_of, content=content, file_name="ds.csv")
    list_import(actor=None, operator=world.operator, area=world.province, as_of=as_of, check=check, content=content,
                file_name="ds.csv")  # fmt: skip


def _through_the_page(world: World, content: bytes = CONTENT) -> None:
    """The import page: upload (the check runs as a job), confirm, and the worker writes once the request commits."""
    client = logged_in(world.operator_staff)
    form = {"operator": world.operator.pk, "area": world.province.pk, "as_of": AS_OF.strftime("%d/%m/%Y")}
    page = check_on_page(client, form, SimpleUploadedFile("ds.csv", content))
    confirm_on_page(client, page)
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def _classes() -> dict[str, int]:
    return {f"0{m[3:]}": c for m, c in Subscriber.objects.values_list("msisdn", "device_class")}


EXPECTED = {number: int(c) for number, (_imei, c) in PHONES.items()}


def test_the_sql_rule_is_the_python_rule_for_every_radio_value(db: None) -> None:
    with connection.cursor() as cursor:
        for radio in [None, *range(ALL_BITS + 1)]:
            cursor.execute(f"SELECT {class_sql('r')} FROM (SELECT CAST(%s AS integer) AS r) AS t", [radio])
            assert cursor.fetchone()[0] == class_of(radio), radio


def test_each_class_has_the_verdict_of_its_kind_of_phone() -> None:
    stops = Stops(g2=datetime.date(2024, 9, 16), g3=datetime.date(2028, 1, 1))
    assert answer_of_class(DeviceClass.NO_IMEI, stops) is None
    verdicts = {c: answer_of_class(c, stops) for c in DeviceClass if c != DeviceClass.NO_IMEI}
    assert {c: a.verdict for c, a in verdicts.items() if a} == {
        DeviceClass.UNKNOWN: Verdict.UNKNOWN,
        DeviceClass.G2_ONLY: Verdict.STOPS,
        DeviceClass.G3: Verdict.UNTIL_3G,
        DeviceClass.G4_NO_VOLTE: Verdict.CALLS_STOP,
        DeviceClass.G4_VOLTE: Verdict.FINE,
    }
    # Calls of a 4G phone without VoLTE last until the later of 2G and 3G stops.
    answer = verdicts[DeviceClass.G4_NO_VOLTE]
    assert answer is not None and answer.on == datetime.date(2028, 1, 1)


@pytest.mark.parametrize("path", [_now_through_the_service, _through_the_page])
def test_a_list_with_imeis_gets_each_class_on_both_paths(world: World, path: object) -> None:
    _devices()
    path(world)  # type: ignore[operator]
    assert _classes() == EXPECTED


def test_a_list_written_before_the_device_table_is_classified_when_the_table_comes(world: World) -> None:
    _now_through_the_service(world)
    assert set(_classes().values()) == {DeviceClass.UNKNOWN, DeviceClass.NO_IMEI}
    _devices()
    assert _classes() == EXPECTED
    event = AuditEvent.objects.filter(action="devices.table.imported").latest("pk")
    assert event.data["reclassified"] == 4


def test_a_newer_device_table_reclassifies_only_the_subscribers_of_the_tacs_it_changed(world: World) -> None:
    _devices(now=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    _now_through_the_service(world)
    # The operator's tests found VoLTE on the 4G model; the 2G model's row comes again unchanged.
    beacon = ("35000003", "Beacon 4G", "Acme Mobile Ltd", "GSM 900,LTE FDD BAND 3,VoLTE", "NONE", "Acme", "Beacon")
    _devices(gsma_table([MODELS[0], beacon]), now=datetime.datetime(2024, 2, 1, tzinfo=datetime.UTC))
    classes = _classes()
    assert classes["0868000003"] == DeviceClass.G4_VOLTE
    assert {n: c for n, c in classes.items() if n != "0868000003"} == {
        n: c for n, c in EXPECTED.items() if n != "0868000003"
    }
    event = AuditEvent.objects.filter(action="devices.table.imported").latest("pk")
    assert (event.data["replaced"], event.data["reclassified"]) == (1, 1)


def test_a_later_list_with_another_imei_changes_the_class(world: World) -> None:
    _devices()
    _now_through_the_service(world)
    newer = CONTENT.replace(imei_of("35000001").encode(), imei_of("35000004").encode())
    _now_through_the_service(world, newer, AS_OF + datetime.timedelta(days=30))
    assert _classes()["0868000001"] == DeviceClass.G4_VOLTE


def test_a_device_table_imported_while_a_list_is_written_classifies_it_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new rows get their class from the device table read before the load; a table that changed meanwhile
    (here: read before its import) has the list classified again against it, in the same transaction."""
    from switchoff.devices import registry
    from switchoff.subscribers.importer import writing

    stale = registry.device_classes()  # the table as it was: empty
    _devices()
    monkeypatch.setattr(writing, "device_classes", lambda: stale)
    _now_through_the_service(world)
    assert _classes() == EXPECTED


@pytest.fixture
def classified(world: World) -> World:
    make_campaign(world)
    _devices()
    _now_through_the_service(world)
    return world


def _masked_in(body: str) -> set[str]:
    table = body[body.index('id="subscribers"') :]
    return {number for number in PHONES if f"{number[:3]}****{number[-3:]}" in table}


def test_the_registry_list_shows_the_class_and_filters_by_it(classified: World) -> None:
    client = logged_in(classified.coordinator)
    url = reverse("subscribers:registry")
    page = client.get(url, {"unit": classified.province.pk})
    body = page.content.decode()
    assert "Chỉ có 2G" in body and "Chưa có thông tin mẫu máy" in body
    for c in DeviceClass:
        filtered = client.get(url, {"unit": classified.province.pk, "class": int(c.value)}).content.decode()
        assert _masked_in(filtered) == {n for n, v in EXPECTED.items() if v == c}, c
    # A class that does not exist filters nothing, like an unknown status.
    assert _masked_in(client.get(url, {"unit": classified.province.pk, "class": 9}).content.decode()) == set(PHONES)


def test_the_subscriber_page_says_what_the_class_means(classified: World) -> None:
    client = logged_in(classified.coordinator)
    two_g = Subscriber.objects.get(msisdn="+84868000001")
    body = client.get(reverse("subscribers:detail", args=[two_g.pk])).content.decode()
    assert 'id="device-class">Chỉ có 2G<' in body and "16/09/2024" in body and "verdict bad" in body
    none = Subscriber.objects.get(msisdn="+84868000006")
    body = client.get(reverse("subscribers:detail", args=[none.pk])).content.decode()
    assert "không có IMEI" in body and "*#06#" in body


def test_the_api_list_and_the_export_filter_by_class(classified: World) -> None:
    client = api_client(classified.reporter_a)
    answer = client.get("/api/v1/registry/subscribers", {"unit": classified.ward_a.pk, "device_class": 3})
    assert answer.status_code == 200
    assert [(i["number_masked"], i["device_class"]) for i in answer.json()["items"]] == [("086****002", 3)]
    bad = client.get("/api/v1/registry/subscribers", {"unit": classified.ward_a.pk, "device_class": 6})
    assert bad.status_code == 422
    exported = export(
        logged_in(classified.coordinator), {"unit": classified.province.pk, "class": DeviceClass.G2_ONLY.value}
    )
    rows = list(load_workbook(io.BytesIO(content(exported))).active.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[7]) for r in rows] == [("086****001", "Chỉ có 2G")]
