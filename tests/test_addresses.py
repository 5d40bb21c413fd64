"""Addresses as operators write them, resolved to the exact unit: the real Lạng Sơn and the test world.

The real province (2025 communes and the 2024 structure) is loaded once for the
module; the resolver reads every unit it needs up front, so the table's tests
ask it without the database.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from switchoff.units.addresses import AddressResolver, split_level
from switchoff.units.kinds import ensure_default_kinds
from switchoff.units.loaders import load_province
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World

END = datetime.date(2025, 6, 30)

# One worker builds the province once for the whole module (a module fixture), instead of each worker
# building it again every time the module's tests come back to it.
pytestmark = pytest.mark.xdist_group("addresses")


@dataclass
class LangSon:
    """Resolvers for lists of the whole province and of single communes, and the units by label."""

    units: dict[str, int]  # a 2025 commune by its name, a village by "commune › village"
    names: dict[int, str]
    resolvers: dict[str, AddressResolver]  # by the list's area: "province" or a 2025 commune's name


@pytest.fixture(scope="module")
def lang_son(django_db_setup: None, django_db_blocker: object) -> Iterator[LangSon]:
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        ensure_default_kinds(UnitKind)
        province = load_province("20", legacy=True).province
        current = {u.name: u for u in Unit.objects.current().filter(parent=province, kind__code="commune")}
        legacy = {u.name: u for u in Unit.objects.filter(code_system="2024", kind__code="commune")}
        village = UnitKind.objects.get(code="village")

        def make(name: str, parent: Unit, **extra: object) -> Unit:
            return unit_create(actor=None, kind=village, name=name, parent=parent, log=False, **extra)  # type: ignore[arg-type]

        villages = {
            # Recorded under the legacy commune (the 2024 structure), and under the 2025 ward.
            "Xã Hoàng Đồng (2024) › Thôn Pắc Mòng": make("Thôn Pắc Mòng", legacy["Xã Hoàng Đồng"], valid_to=END),
            "Phường Tam Thanh › Tổ dân phố 3": make("Tổ dân phố 3", current["Phường Tam Thanh"]),
            "Phường Đông Kinh › Khối 5": make("Khối 5", current["Phường Đông Kinh"]),
        }
        areas = {"province": province} | {name: current[name] for name in ("Xã Chi Lăng", "Xã Thất Khê")}
        resolvers = {label: AddressResolver(area) for label, area in areas.items()}
        units = {name: unit.pk for name, unit in current.items()} | {k: v.pk for k, v in villages.items()}
        names = {pk: name for name, pk in units.items()}
        transaction.set_rollback(True)
    yield LangSon(units=units, names=names, resolvers=resolvers)


# (written form, the list's area, the unit expected: a 2025 commune, or "commune › village").
RESOLVED = [
    # 2024, the commune named without district or city: its 2025 successor.
    ("Khối 7, Phường Vĩnh Trại", "province", "Phường Đông Kinh"),
    ("Thôn Khòn Khuyên, Xã Hoàng Đồng", "province", "Phường Tam Thanh"),
    ("Phường Chi Lăng", "province", "Phường Lương Văn Tri"),  # never the rural Xã Chi Lăng
    ("Phường Hoàng Văn Thụ", "province", "Phường Kỳ Lừa"),  # never the rural Xã Hoàng Văn Thụ
    ("Xã Mai Pha", "province", "Phường Đông Kinh"),
    # 2024 with the district or city, written out or abbreviated.
    ("Phường Chi Lăng, Thành phố Lạng Sơn", "province", "Phường Lương Văn Tri"),
    ("Số 12, P.Chi Lăng, TP. Lạng Sơn, Tỉnh Lạng Sơn", "province", "Phường Lương Văn Tri"),
    ("Xã Chi Lăng, Huyện Tràng Định", "province", "Xã Thất Khê"),
    ("Xã Chi Lăng, Huyện Chi Lăng, Lạng Sơn", "province", "Xã Chi Lăng"),
    ("Xã Hoàng Văn Thụ, H. Văn Lãng", "province", "Xã Hoàng Văn Thụ"),
    ("Xã Hoàng Văn Thụ, Huyện Bình Gia", "province", "Xã Bình Gia"),
    ("TT. Đồng Đăng, H. Cao Lộc", "province", "Xã Đồng Đăng"),
    # Abbreviated level words, and dashes between the parts.
    ("Khối 3 - P. Chi Lăng", "province", "Phường Lương Văn Tri"),
    ("Khối 3 - F.Chi Lăng", "province", "Phường Lương Văn Tri"),
    ("TT Đồng Đăng", "province", "Xã Đồng Đăng"),
    ("X. Mai Pha - TP Lạng Sơn", "province", "Phường Đông Kinh"),
    ("khoi 7, phuong vinh trai, tp lang son", "province", "Phường Đông Kinh"),  # written without diacritics
    # 2025 addresses.
    ("Phường Lương Văn Tri, Tỉnh Lạng Sơn", "province", "Phường Lương Văn Tri"),
    ("Phường Kỳ Lừa", "province", "Phường Kỳ Lừa"),
    ("Thôn Bản Ròn, Xã Thất Khê, Lạng Sơn", "province", "Xã Thất Khê"),
    ("Phường Đông Kinh", "province", "Phường Đông Kinh"),  # 2024 and 2025 readings agree
    # A 2024 name that two units answer to, told apart by the list's area.
    ("Xã Chi Lăng", "Xã Chi Lăng", "Xã Chi Lăng"),
    ("Xã Chi Lăng", "Xã Thất Khê", "Xã Thất Khê"),
    # Villages the system knows: under the legacy commune, and under the 2025 ward, with the level word.
    ("Thôn Pắc Mòng, Xã Hoàng Đồng", "province", "Xã Hoàng Đồng (2024) › Thôn Pắc Mòng"),
    ("Thôn Pắc Mòng - Xã Hoàng Đồng - TP Lạng Sơn", "province", "Xã Hoàng Đồng (2024) › Thôn Pắc Mòng"),
    ("Khối Pắc Mòng, Xã Hoàng Đồng", "province", "Phường Tam Thanh"),  # a khối is not the thôn
    ("TDP 03, P. Tam Thanh", "province", "Phường Tam Thanh › Tổ dân phố 3"),
    ("Tổ 3, Phường Tam Thanh", "province", "Phường Tam Thanh › Tổ dân phố 3"),
    ("Thôn 3, Phường Tam Thanh", "province", "Phường Tam Thanh"),  # a thôn is not the tổ dân phố
    ("Khối 5, Phường Vĩnh Trại", "province", "Phường Đông Kinh › Khối 5"),  # under the successor
    ("Khối 5, Phường Đông Kinh", "province", "Phường Đông Kinh › Khối 5"),
]


@pytest.mark.parametrize(("written", "area", "expected"), RESOLVED)
def test_address_resolves_to_the_exact_unit(lang_son: LangSon, written: str, area: str, expected: str) -> None:
    resolver = lang_son.resolvers[area]
    found = resolver.resolve(written)
    assert lang_son.names.get(found or 0, found) == expected
    assert resolver.candidates(written) == []


# The level word contradicts the name's only match, or the place is not in the province: never a unit.
UNRESOLVED = [
    "Xã Lương Văn Tri",
    "Thị trấn Kỳ Lừa",
    "Phường Mai Pha",
    "Khối 3 - X. Tam Thanh",
    "Xã Chi Lăng, Huyện Văn Lãng",  # no Xã Chi Lăng was in Văn Lãng
    "Phường Chi Lăng, Tỉnh Cao Bằng",
    "Xã Không Có, Huyện Ma",
    "",
]


@pytest.mark.parametrize("written", UNRESOLVED)
def test_address_that_contradicts_its_only_match_stays_unresolved(lang_son: LangSon, written: str) -> None:
    resolver = lang_son.resolvers["province"]
    assert resolver.resolve(written) is None
    assert resolver.candidates(written) == []


# Two units answer equally: nothing is guessed, the candidates are listed for a person to pick.
AMBIGUOUS = [
    ("Xã Chi Lăng", {"Xã Chi Lăng", "Xã Thất Khê"}),  # the 2025 commune, and the 2024 one of Tràng Định
    ("Thôn Nà Lừa, Xã Hoàng Văn Thụ, Tỉnh Lạng Sơn", {"Xã Hoàng Văn Thụ", "Xã Bình Gia"}),
]


@pytest.mark.parametrize(("written", "candidates"), AMBIGUOUS)
def test_ambiguous_address_is_unresolved_with_its_candidates(
    lang_son: LangSon, written: str, candidates: set[str]
) -> None:
    resolver = lang_son.resolvers["province"]
    assert resolver.resolve(written) is None
    assert {lang_son.names[pk] for pk in resolver.candidates(written)} == candidates
    assert {resolver.labels[pk] for pk in resolver.candidates(written)} == candidates


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("Phường Chi Lăng", ("commune", "phuong", "chi lang")),
        ("P.Chi Lăng", ("commune", "phuong", "chi lang")),
        ("F. Chi Lăng", ("commune", "phuong", "chi lang")),
        ("X. Mai Pha", ("commune", "xa", "mai pha")),
        ("TT. Đồng Đăng", ("commune", "thi tran", "dong dang")),
        ("Đặc khu Cô Tô", ("commune", "dac khu", "co to")),
        ("Thị xã Sơn Tây", ("district", "thi xa", "son tay")),
        ("TP Lạng Sơn", ("district", "thanh pho", "lang son")),
        ("Tổ dân phố 05", ("village", "to", "5")),
        ("TDP 5", ("village", "to", "5")),
        ("Khối 5", ("village", "khoi", "5")),
        ("K.5", ("village", "khoi", "5")),
        ("Xóm Chợ", ("village", "xom", "cho")),
        ("Ấp 3", ("village", "ap", "3")),
        ("Bản Ròn", ("village", "ban", "ron")),
        ("Lạng Sơn", ("", "", "lang son")),  # a name, not the village "Làng Sơn"
        ("Phượng Hoàng", ("", "", "phuong hoang")),  # a name: "Phượng" is not "Phường"
        ("phuong chi lang", ("commune", "phuong", "chi lang")),  # written without any diacritics
    ],
)
def test_level_words_and_abbreviations(part: str, expected: tuple[str, str, str]) -> None:
    assert split_level(part) == expected


def test_resolver_in_the_test_world(world: World) -> None:
    resolver = AddressResolver(world.province)
    assert resolver.resolve("Khối Bà Triệu (cũ), Phường Chi Lăng") == world.legacy_village.pk
    assert resolver.resolve("Khối 3 - P. Chi Lăng") == world.villages_a[2].pk
    assert resolver.resolve("", village="Khối 1", commune="Phường Lương Văn Tri") == world.villages_a[0].pk
    assert resolver.resolve("", village="Khối 1", commune="Lương Văn Tri") == world.villages_a[0].pk
    assert resolver.resolve("", commune="Phường Chi Lăng", district="TP Lạng Sơn") == world.ward_a.pk
    assert resolver.resolve("Nà Chuông, Đông Kinh") == world.village_b.pk
    assert resolver.resolve("Xã Lương Văn Tri") is None
    # A ward's list that names only the village: the ward's village.
    assert AddressResolver(world.ward_a).resolve("Khối 2") == world.villages_a[1].pk
    assert resolver.resolve("Khối 2") is None


def test_two_communes_of_the_same_name_and_level_are_not_guessed(world: World) -> None:
    kind = UnitKind.objects.get(code="commune")
    twin = unit_create(actor=None, kind=kind, name="Phường Lương Văn Tri", parent=world.legacy_district,
                       code="99999", code_system="2024", valid_to=END, log=False)  # fmt: skip
    resolver = AddressResolver(world.province)
    assert resolver.resolve("Phường Lương Văn Tri") is None
    assert set(resolver.candidates("Phường Lương Văn Tri")) == {world.ward_a.pk, twin.pk}
    # Inside the list's area, the ward's own name wins.
    assert AddressResolver(world.ward_a).resolve("Phường Lương Văn Tri") == world.ward_a.pk


def test_resolver_without_vietnamadminunits(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library reads forms this parser cannot split; everything else works without it."""
    from switchoff.units import addresses

    def refuse(*args: object, **kwargs: object) -> object:
        raise RuntimeError("no library")

    monkeypatch.setattr(addresses, "parse_address", refuse)
    resolver = AddressResolver(world.province)
    assert resolver.resolve("Khối 3 - P. Chi Lăng") == world.villages_a[2].pk
    assert resolver.resolve("Khoi 1 P Luong Van Tri") is None


def test_unsplit_text_read_by_the_library_keeps_the_level_word(world: World) -> None:
    resolver = AddressResolver(world.province)
    assert resolver.resolve("Khoi 1 P Luong Van Tri Lang Son") == world.ward_a.pk
    assert resolver.resolve("Khoi 1 Xa Luong Van Tri Lang Son") is None


def test_check_lists_the_candidates_of_an_ambiguous_address(world: World) -> None:
    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.importer import check_list

    kind = UnitKind.objects.get(code="commune")
    unit_create(actor=None, kind=kind, name="Phường Lương Văn Tri", parent=world.legacy_district,
                code="99999", code_system="2024", valid_to=END, log=False)  # fmt: skip
    content = "Số thuê bao;Họ và tên;Địa chỉ\n0912345678;Nguyễn Văn An;Phường Lương Văn Tri\n".encode()
    checked = check_list(read_file(content, "ds.csv"), content=content, operator=world.operator, area=world.province)
    [problem] = [p for p in checked.problems if p.code.startswith("address")]
    assert (problem.code, problem.column, problem.level) == ("address_ambiguous", "C", "warning")
    assert "(Phường Lương Văn Tri, Phường Lương Văn Tri (2024))" in problem.reason


def test_an_address_naming_a_market_is_placed_by_a_partial_match(world: World) -> None:
    """Issue 21, finding 9: a market named after the ward is placed by its words, and says so; a ward named
    after its level word is an exact match."""
    resolver = AddressResolver(world.province)
    assert resolver.resolve("Chợ Đông Kinh, ki ốt 12") == world.ward_b.pk
    assert resolver.partial_match("Chợ Đông Kinh, ki ốt 12") == world.ward_b.pk
    assert resolver.resolve("Khoi 1 P Luong Van Tri Lang Son") == world.ward_a.pk
    assert resolver.partial_match("Khoi 1 P Luong Van Tri Lang Son") is None
    assert resolver.resolve("Khối 1, Phường Lương Văn Tri") == world.villages_a[0].pk
    assert resolver.partial_match("Khối 1, Phường Lương Văn Tri") is None


def test_the_resolvers_and_the_import_refusals_name_what_each_must_say_as_abstract() -> None:
    """A resolver without ``resolve_cells`` cannot be made; each refusal must say its ``message`` (mypy holds
    the subclasses of an exception to it: Python does not check an exception's abstract methods)."""
    import inspect

    from switchoff.subscribers.guards import ImportRefusal
    from switchoff.units.addresses import FormAnswers

    class Forgetful(FormAnswers):
        pass

    with pytest.raises(TypeError):
        Forgetful()  # type: ignore[abstract]
    assert FormAnswers.__abstractmethods__ == frozenset({"resolve_cells"})
    assert inspect.isabstract(ImportRefusal) and ImportRefusal.__abstractmethods__ == frozenset({"message"})
