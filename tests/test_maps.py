"""The map: boundaries imported from a GIS office's GeoJSON (problems named per feature), served to those who may
see the dashboard, and coloured by the figures of the child units' table, which equal the raw rows' counts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.fieldwork.models import Case, Visit
from switchoff.fieldwork.rules import Stage
from switchoff.maps import geojson, svg
from switchoff.maps.models import Boundary
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.test_dashboard import _raw_listed, _work

FIXTURE = Path(__file__).parent / "fixtures" / "maps" / "lang_son_communes.geojson"


def _feature(properties: dict[str, Any], ring: list[list[float]] | None = None) -> dict[str, Any]:
    ring = ring or [[106.70, 21.80], [106.72, 21.80], [106.72, 21.82], [106.70, 21.80]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(*features: dict[str, Any], crs: str | None = None) -> bytes:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data, ensure_ascii=False).encode()


def _upload(client: Any, unit: Unit, content: bytes, name: str = "ranh_gioi_xa.geojson") -> Any:
    return client.post(
        reverse("maps:import", args=[unit.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="application/geo+json")},
    )


def import_fixture(world: World) -> None:
    """The fixture's two wards imported by the administrator, through the page: check, then confirm."""
    client = logged_in(world.admin)
    checked = _upload(client, world.province, FIXTURE.read_bytes(), "RG_Xa_LangSon_2025.geojson")
    assert checked.status_code == 200
    parsed = checked.context["parsed"]
    assert parsed.problems == [], parsed.problems
    confirmed = client.post(
        reverse("maps:import", args=[world.province.pk]),
        {"upload_id": checked.context["upload_id"], "source_name": "RG_Xa_LangSon_2025.geojson"},
    )
    assert confirmed.status_code == 302


def test_a_realistic_gis_export_is_matched_by_code_simplified_and_stored(world: World) -> None:
    parsed = geojson.parse(FIXTURE.read_bytes(), world.province)
    assert parsed.features == 2 and parsed.problems == []
    by_unit = {m.unit: m for m in parsed.matched}
    # "05983" by its code; 5977, a number that lost its leading zero, still finds Phường Đông Kinh.
    assert set(by_unit) == {world.ward_a, world.ward_b}
    assert by_unit[world.ward_a].vertices == 901 and by_unit[world.ward_a].kept <= geojson.KEEP_VERTICES
    assert by_unit[world.ward_b].geometry["type"] == "MultiPolygon"
    assert len(by_unit[world.ward_b].geometry["coordinates"]) == 2
    for m in parsed.matched:
        for polygon in m.geometry["coordinates"]:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4
    import_fixture(world)
    stored = {b.unit_id: b for b in Boundary.objects.all()}
    assert set(stored) == {world.ward_a.pk, world.ward_b.pk}
    assert stored[world.ward_a.pk].imported_by == world.admin
    assert stored[world.ward_a.pk].source_name == "RG_Xa_LangSon_2025.geojson"
    event = AuditEvent.objects.get(action="maps.boundaries.imported")
    assert event.data["units"] == 2 and event.unit_id == world.province.pk
    # Imported again: replaced, not doubled.
    import_fixture(world)
    assert Boundary.objects.count() == 2


def test_names_match_with_or_without_diacritics_and_prefixes(world: World) -> None:
    for name in ("Phường Lương Văn Tri", "P. Lương Văn Tri", "phuong luong van tri", "Luong Van Tri", "LƯƠNG VĂN TRI"):
        parsed = geojson.parse(_collection(_feature({"TenXa": name, "MaTinh": "20"})), world.province)
        assert [m.unit for m in parsed.matched] == [world.ward_a], name


def test_problems_are_named_per_feature_and_property(world: World) -> None:
    metres = [[433_120.5, 2_417_300.2], [434_000.0, 2_417_300.2], [434_000.0, 2_418_000.0], [433_120.5, 2_417_300.2]]
    many = [[106.7 + 0.01 * math.cos(i / 1000), 21.8 + 0.01 * math.sin(i / 1000)] for i in range(200_001)]
    content = _collection(
        _feature({"ma_xa": "05983", "ten_xa": "Phường Lương Văn Tri"}),
        _feature({"ma_xa": "99999", "ten_xa": "Xã Không Có"}),
        _feature({"ma_xa": "05977", "ten_xa": "Phường Đông Kinh"}, metres),
        _feature({"ma_xa": "05977", "ten_xa": "Phường Đông Kinh"}, [*many, many[0]]),
        {
            "type": "Feature",
            "properties": {"ma_xa": "05977"},
            "geometry": {"type": "Point", "coordinates": [106.7, 21.8]},
        },
        _feature({"OBJECTID": 7}),
        _feature({"ten_xa": "Lương Văn Tri"}),
        crs="EPSG:4326",
    )
    client = logged_in(world.admin)
    response = _upload(client, world.province, content)
    parsed = response.context["parsed"]
    assert [m.unit for m in parsed.matched] == [world.ward_a]
    problems = {p.feature: p for p in parsed.problems}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7]
    assert problems[2].field == "ma_xa, ten_xa" and "Tỉnh Lạng Sơn" in problems[2].reason
    assert problems[2].label == "99999 · Xã Không Có"
    assert problems[3].field == "geometry" and "VN-2000" in problems[3].reason and "EPSG:4326" in problems[3].reason
    assert problems[4].field == "geometry" and "200.002" in problems[4].reason and "200.000" in problems[4].reason
    assert "Point" in problems[5].reason
    assert problems[6].field == "properties"
    assert problems[7].field == "ten_xa" and "đã có đối tượng 1" in problems[7].reason
    page = response.content.decode()
    assert "Xã Không Có" in page and "VN-2000" in page
    # Confirmed: the one good feature is stored, the others listed and left out.
    client.post(reverse("maps:import", args=[world.province.pk]), {"upload_id": response.context["upload_id"]})
    assert list(Boundary.objects.values_list("unit_id", flat=True)) == [world.ward_a.pk]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"type": "FeatureCollection", "features": [', "dòng 1"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b'{"type": "Topology", "objects": {}}', "FeatureCollection"),
        (_collection(_feature({"ma_xa": "05983"}), crs="urn:ogc:def:crs:EPSG::3405"), "EPSG::3405"),
        (
            _collection(
                _feature(
                    {"ma_xa": "05983"},
                    [[433_120.5, 2_417_300.2], [434_000, 2_417_300], [434_000, 2_418_000], [433_120.5, 2_417_300.2]],
                )
            ),
            "VN-2000",
        ),
        (_collection(), "không có đối tượng"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(world: World, content: bytes, words: str) -> None:
    response = _upload(logged_in(world.admin), world.province, content)
    assert response.status_code == 200 and response.context["parsed"] is None
    assert words in response.context["refused"], response.context["refused"]
    assert Boundary.objects.count() == 0


def test_the_limits_name_their_values(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geojson, "MAX_FEATURES", 2)
    content = _collection(*[_feature({"ma_xa": "05983"})] * 3)
    response = _upload(logged_in(world.admin), world.province, content)
    assert "3 đối tượng" in response.context["refused"] and "2" in response.context["refused"]
    monkeypatch.setattr(geojson, "MAX_BYTES", 100)
    response = _upload(logged_in(world.admin), world.province, FIXTURE.read_bytes())
    assert "100" in response.content.decode() and Boundary.objects.count() == 0


def test_only_an_administrator_imports_and_only_below_their_unit(world: World) -> None:
    content = FIXTURE.read_bytes()
    for user, status in ((world.coordinator, 403), (world.reporter_a, 404), (world.viewer, 403)):
        assert _upload(logged_in(user), world.province, content).status_code == status, user
    assert logged_in(world.admin).get(reverse("maps:import", args=[world.ward_a.pk])).status_code == 404
    assert Boundary.objects.count() == 0


def test_simplification_keeps_the_shape_closed_and_within_tolerance() -> None:
    ring = [(math.cos(2 * math.pi * i / 500), math.sin(2 * math.pi * i / 500)) for i in range(500)]
    ring.append(ring[0])
    simple = geojson.simplify_ring(ring, 0.01)
    assert simple[0] == simple[-1] and 4 <= len(simple) < 60
    # Every dropped point lies within the tolerance of the kept outline (a circle of radius 1: the kept
    # chords' middles are at most 0.01 inside).
    for x, y in ring:
        assert min(math.hypot(x - a, y - b) for a, b in simple) < 0.2
    assert geojson.simplify_line([(0, 0), (1, 0.001), (2, 0)], 0.01) == [(0, 0), (2, 0)]
    assert geojson.simplify_line([(0, 0), (1, 0.5), (2, 0)], 0.01) == [(0, 0), (1, 0.5), (2, 0)]
    tiny = [(0.0, 0.0), (1e-7, 0.0), (1e-7, 1e-7), (0.0, 1e-7), (0.0, 0.0)]
    assert len(geojson.simplify_ring(tiny, 1.0)) >= 4


def test_the_dashboard_shows_no_map_without_boundaries(world: World) -> None:
    field = _work(world)
    response = logged_in(world.coordinator).get(
        reverse("dashboard:unit", args=[world.province.pk]), {"campaign": field.campaign.pk}
    )
    assert response.context["map"] is None
    assert 'id="section-map"' not in response.content.decode()


def test_the_maps_figures_equal_the_raw_rows_and_its_geojson_follows_access(world: World) -> None:
    field = _work(world)
    import_fixture(world)
    client = logged_in(world.coordinator)
    response = client.get(reverse("dashboard:unit", args=[world.province.pk]), {"campaign": field.campaign.pk})
    page = response.content.decode()
    assert 'id="section-map"' in page and 'id="map-table"' in page
    data = response.context["map"]["data"]
    units = {u["id"]: u for u in data["units"]}
    assert set(units) == {world.ward_a.pk, world.ward_b.pk}
    for ward in (world.ward_a, world.ward_b):
        under = Q(unit__rollup_path__startswith=ward.rollup_path)
        stages = list(Case.objects.filter(under).values_list("stage", flat=True))
        switched = sum(1 for s in stages if s >= Stage.SWITCHED)
        listed = _raw_listed(ward)
        visits = Visit.objects.filter(Q(case__unit__rollup_path__startswith=ward.rollup_path)).count()
        assert units[ward.pk]["switched_share"] == (round(100.0 * switched / len(stages), 1) if stages else None)
        assert units[ward.pk]["listed"] == listed
        assert units[ward.pk]["visits_per_1000"] == (round(1000.0 * visits / listed, 1) if listed else None)
    # The served boundaries: the children of the unit asked for, for whoever may see its dashboard.
    geo = client.get(data["geo"])
    assert geo.status_code == 200 and geo["Content-Type"] == "application/json"
    features = geo.json()["features"]
    assert {f["properties"]["name"] for f in features} == {str(world.ward_a.pk), str(world.ward_b.pk)}
    assert {f["properties"]["unit"] for f in features} == {world.ward_a.name, world.ward_b.name}
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in features)
    # The ward official sees their ward's dashboard (its villages have no boundary: no map), not the province's.
    reporter = logged_in(world.reporter_a)
    assert reporter.get(reverse("maps:geo", args=[world.province.pk])).status_code == 404
    assert reporter.get(reverse("maps:geo", args=[world.ward_b.pk])).status_code == 404
    own = reporter.get(reverse("dashboard:unit", args=[world.ward_a.pk]), {"campaign": field.campaign.pk})
    assert own.context["map"] is None
    assert reporter.get(reverse("maps:geo", args=[world.ward_a.pk])).json()["features"] == []
    assert client.post(data["geo"]).status_code == 405


def test_the_province_page_leads_the_administrator_to_the_import(world: World) -> None:
    link = reverse("maps:import", args=[world.province.pk])
    assert link in logged_in(world.admin).get(reverse("units:detail", args=[world.province.pk])).content.decode()
    assert (
        link not in logged_in(world.coordinator).get(reverse("units:detail", args=[world.province.pk])).content.decode()
    )
    ward = logged_in(world.admin).get(reverse("units:detail", args=[world.ward_a.pk])).content.decode()
    assert reverse("maps:import", args=[world.ward_a.pk]) not in ward


def test_the_printed_map_colours_each_ward_on_the_pages_scale_and_labels_it(world: World) -> None:
    field = _work(world)
    import_fixture(world)
    client = logged_in(world.coordinator)
    printed = client.get(reverse("dashboard:print", args=[world.province.pk]), {"campaign": field.campaign.pk})
    page = printed.content.decode()
    section = page.split('id="print-map"')[1].split("</section>")[0]
    shares = {r.unit.name: r.switched_share for r in printed.context["map"]["rows"]}
    low, high = svg.scale(list(shares.values()))
    for name, share in shares.items():
        # Each ward's shape: its colour on the page's scale (green is the most switched), its name and figure.
        colour = svg.colour_of(share, low, high, better="high")
        shown = "–" if share is None else f"{share:.1f}".replace(".", ",") + " %"
        assert (
            f'fill="{colour}" fill-rule="evenodd" stroke="#ffffff" stroke-width="1"><title>{name}: {shown}' in section
        )
        assert f'fill="#111">{name}</text>' in section or f": {name}" in section
    assert "Tỉ lệ đã chuyển" in section or "(%)" in section
    assert "RG_Xa_LangSon_2025.geojson" in section
    pdf = client.get(reverse("dashboard:pdf", args=[world.province.pk]), {"campaign": field.campaign.pk})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_colour_scale_is_the_pages() -> None:
    assert svg.colour_of(0, 0, 100, better="high") == "#c0392b"
    assert svg.colour_of(50, 0, 100, better="high") == "#f0b429"
    assert svg.colour_of(100, 0, 100, better="high") == "#2e8540"
    assert svg.colour_of(100, 0, 100, better="low") == "#c0392b"
    assert svg.colour_of(None, 0, 100, better="high") == svg.NO_FIGURE
    assert svg.scale([None, 5, 5]) == (5.0, 6.0)


def test_the_demo_draws_its_communes_from_schematic_shapes_said_to_be_illustrative(demo: None) -> None:
    from switchoff.audit.models import AuditEvent as Event
    from switchoff.demo.boundaries import SOURCE_NAME
    from switchoff.people.models import User

    province = Unit.objects.get(kind__category="province", valid_to__isnull=True)
    communes = Unit.objects.filter(parent=province, valid_to__isnull=True, kind__category="commune")
    # Every current commune has its shape, stored as an administrator's import is (the service, its audit row).
    assert communes.count() > 60
    assert set(Boundary.objects.values_list("unit_id", flat=True)) == set(communes.values_list("pk", flat=True))
    assert set(Boundary.objects.values_list("source_name", flat=True)) == {SOURCE_NAME}
    assert Event.objects.filter(action="maps.boundaries.imported", object_id=str(province.pk)).count() == 1
    client = logged_in(User.objects.get(username="coordinator"))
    page = client.get(reverse("dashboard:unit", args=[province.pk])).content.decode()
    assert 'id="section-map"' in page
    caption = page.split('id="map-sources"')[1].split("</p>")[0]
    assert "minh họa" in caption and "không phải ranh giới" in caption
