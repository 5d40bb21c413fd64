"""A national list: read once, each address placed in the province it names, split into one snapshot per province.

The country is loaded once for the whole story (34 provinces, 3,321 communes, the 2024 structure mapped): loading
it takes seconds, and every step below reads what the one before wrote.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import transaction
from django.template.loader import render_to_string

from switchoff.counts.selectors import count_totals, total
from switchoff.counts.verify import rollup_differences
from switchoff.lib.sheets import read_file
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.subscribers.counts import LEFT, LISTED
from switchoff.subscribers.importer import CheckedList, check_list, import_list
from switchoff.subscribers.models import Subscriber
from switchoff.subscribers.selectors import import_choices
from switchoff.units.loaders import load_country
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import unit_create

AUG, SEP = datetime.date(2024, 8, 1), datetime.date(2024, 9, 1)

# Addresses as clerks write them: abbreviations, no diacritics, 2024 names, a district or a province alone.
NATIONAL = [
    (
        "0981000001",
        "Nông Văn An",
        "Khoi 5, P. Chi Lang, TP Lang Son, Lang Son",
        "20",
        "Phường Lương Văn Tri",
    ),  # 2024 ward
    (
        "0981000002",
        "Hoàng Thị Bình",
        "Thôn Pắc Mòng, Xã Hoàng Đồng, TP Lạng Sơn, Tỉnh Lạng Sơn",
        "20",
        "Phường Tam Thanh",
    ),
    ("0981000003", "Lý Văn Cường", "Huyen Cao Loc, T. Lang Son", "20", None),  # a district only
    ("0981000004", "Nguyen Van Dung", "P. Trang Tien, Q. Hoan Kiem, Ha Noi", "01", "Phường Cửa Nam"),  # 2024 ward
    ("0981000005", "Tran Thi Em", "Phuong Hoan Kiem, TP Ha Noi", "01", "Phường Hoàn Kiếm"),
    ("0981000006", "Le Van Phuc", "P. Ben Nghe, Q.1, TP.HCM", "79", "Phường Sài Gòn"),  # 2024 ward, TP.HCM
    ("0981000007", "Pham Thi Giang", "Phuong Sai Gon, TP Ho Chi Minh", "79", "Phường Sài Gòn"),
    ("0981000008", "Giàng A Hạnh", "TT Yen Minh, huyen Yen Minh, Ha Giang", "08", "Xã Yên Minh"),  # a 2024 province
    ("0981000009", "Ma Văn Ích", "P. Duc Xuan, TP Bac Kan, Bac Kan", "19", "Phường Đức Xuân"),  # a 2024 province
    ("0981000010", "Hà Thị Kim", "Huyen Ba Be, Tinh Bac Kan", "19", None),  # a 2024 district only
]
NO_PROVINCE = ("0981000011", "Vi Văn Lâm", "Xa Mai Pha")
TWO_PROVINCES = ("0981000012", "Đinh Thị Mai", "Xa Mai Pha, Lang Son, Ha Noi")


def csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["STT;Số thuê bao;Họ và tên;Địa chỉ", *(f"{i};{n};{name};{a}" for i, (n, name, a) in enumerate(rows, 1))]
    return "\n".join(lines).encode()


def listed(province: Unit) -> int:
    return total(count_totals(unit=province, keys=[LISTED]), LISTED)


@pytest.mark.django_db
def test_a_national_list_is_split_by_province_and_a_later_province_list_replaces_only_its_part() -> None:
    country = load_country(legacy=True).country
    provinces = Unit.objects.filter(parent=country, kind__category=UnitKind.Category.PROVINCE)
    assert provinces.count() == 34
    assert Unit.objects.current().filter(parent__in=provinces, kind__category="commune").count() == 3321
    assert (
        not Unit.objects.filter(code_system="2024", kind__category="commune", merged_into__isnull=False)
        .exclude(rollup_path__startswith=country.rollup_path)
        .exists()
    )
    by_code = {unit.code: unit for unit in provinces}
    operator = unit_create(actor=None, kind=UnitKind.objects.get(code="operator_branch"), name="Viettel",
                           parent=country)  # fmt: skip
    # The operator's national staff may import a list for the country (the import page's choice of area).
    staff = User.objects.create_user(username="viettel.national", password="x" * 20)
    Membership.objects.create(user=staff, unit=operator, role=Role.OPERATOR_STAFF)
    operators, areas = import_choices(staff)
    assert operator in operators and country in areas
    rows = [(n, name, a) for n, name, a, _p, _c in NATIONAL]
    content = csv([*rows[:10], NO_PROVINCE, TWO_PROVINCES])
    read = read_file(content, "viettel-toan-quoc.csv")

    checked = check_list(read, content=content, operator=operator, area=country)
    # A row whose address names no province, or two, belongs to no province's list: refused by row.
    assert [(p.row, p.code) for p in checked.errors] == [(12, "address_no_province"),
                                                         (13, "address_province_ambiguous")]  # fmt: skip
    assert checked.good == 10
    # The check counts by province (the commune not found counted in it), communes below.
    assert {(p.name, p.subscribers, p.unplaced) for p in checked.provinces} == {
        ("Tỉnh Lạng Sơn", 3, 1), ("Thành phố Hà Nội", 2, 0), ("Thành phố Hồ Chí Minh", 2, 0),
        ("Tỉnh Tuyên Quang", 1, 0), ("Tỉnh Thái Nguyên", 2, 1),
    }  # fmt: skip
    # As a job keeps it for the page and the API (``CheckedList.state``).
    kept = CheckedList.from_state(json.loads(json.dumps(checked.state())))
    assert kept.provinces == checked.provinces
    assert [(p, [c.unit_id for c in cs]) for p, cs in kept.by_province()] == [
        (p, [c.unit_id for c in cs]) for p, cs in checked.by_province()
    ]
    grouped = {p.name: {c.name: c.subscribers for c in communes} for p, communes in checked.by_province()}
    assert grouped["Thành phố Hà Nội"] == {"Phường Hoàn Kiếm": 1, "Phường Cửa Nam": 1}
    assert grouped["Tỉnh Lạng Sơn"] == {"Phường Lương Văn Tri": 1, "Phường Tam Thanh": 1}

    page = render_to_string("subscribers/_check_provinces.html", {"checked": checked})
    table = page[page.index('id="by-province"') :]
    assert table.index("Tỉnh Lạng Sơn") < table.index("Phường Lương Văn Tri") < table.index("Thành phố Hà Nội")

    result = import_list(read, content=content, operator=operator, area=country, as_of=AUG, file_name="vn.csv")
    assert result.new == 10
    # Each subscriber in the commune (current, or the successor of the 2024 one) or at least the province named,
    # and in the snapshot of that province, not of the country.
    for number, _name, _address, province, commune in NATIONAL:
        subscriber = Subscriber.objects.get(msisdn="+84" + number[1:])
        assert subscriber.list_area == by_code[province], number
        if commune is None:
            assert subscriber.unit is None, number
        else:
            assert subscriber.unit is not None and subscriber.unit.name == commune, number
            assert subscriber.unit.code_system == "2025" and subscriber.unit.parent == by_code[province]
    figures = {"20": 3, "01": 2, "79": 2, "08": 1, "19": 2}
    assert {code: listed(by_code[code]) for code in figures} == figures
    assert listed(country) == 10
    assert rollup_differences() == []

    # A later list of Lạng Sơn alone replaces Lạng Sơn's part: two left, one new; the other provinces untouched.
    lang_son = by_code["20"]
    later = csv([("0981000001", "Nông Văn An", "Phường Lương Văn Tri"), ("0981000099", "Lò Văn Nam", "Xã Mai Pha")])
    read = read_file(later, "viettel-lang-son.csv")
    result = import_list(read, content=later, operator=operator, area=lang_son, as_of=SEP, allow_mass_leave=True)
    assert (result.new, result.unchanged, result.left) == (1, 1, 2)
    assert {code: listed(by_code[code]) for code in figures} == {**figures, "20": 2}
    assert total(count_totals(unit=lang_son, keys=[LEFT]), LEFT) == 2
    assert listed(country) == 9
    untouched = Subscriber.objects.exclude(list_area=lang_son)
    assert untouched.count() == 7 and set(untouched.values_list("status", flat=True)) == {"listed"}
    assert set(untouched.values_list("last_listed", flat=True)) == {AUG}

    # The next national list takes every province back: those Lạng Sơn's list of September left listed again.
    content = csv(rows[:9])
    with transaction.atomic():
        result = import_list(read_file(content, "vn-oct.csv"), content=content, operator=operator, area=country,
                             as_of=datetime.date(2024, 10, 1), allow_mass_leave=True)  # fmt: skip
    assert (result.relisted, result.left) == (2, 2)  # 0981000002 and 03 back; 0981000099 and 0981000010 gone
    assert Subscriber.objects.get(msisdn="+84981000002").list_area == lang_son
    assert {code: listed(by_code[code]) for code in figures} == {**figures, "20": 3, "19": 1}
    assert rollup_differences() == []
