"""The unit kinds every installation starts with. Administrators can rename them."""

from __future__ import annotations

from typing import Any

# (code, Vietnamese name, English name, category, covers_area, order)
DEFAULT_KINDS: list[tuple[str, str, str, str, bool, int]] = [
    ("country", "Quốc gia", "Country", "country", False, 5),
    ("province", "Tỉnh/thành phố", "Province", "province", False, 10),
    ("district", "Huyện/thành phố thuộc tỉnh (trước 7/2025)", "District (before 7/2025)", "district", False, 20),
    ("commune", "Xã/phường/đặc khu", "Commune/ward", "commune", False, 30),
    ("village", "Thôn/bản/khối/tổ dân phố", "Village/residential group", "village", False, 40),
    ("people_committee", "Ủy ban nhân dân", "People's Committee", "organisation", True, 50),
    (
        "coordinating_office",
        "Phòng Văn hóa và Thông tin (đơn vị đầu mối)",
        "Culture and Information Office (coordinator)",
        "organisation",
        True,
        55,
    ),
    ("office", "Phòng, ban, đơn vị", "Office or agency", "organisation", False, 60),
    ("fatherland_front", "Ủy ban Mặt trận Tổ quốc", "Fatherland Front Committee", "organisation", False, 70),
    ("mass_organisation", "Đoàn thể", "Mass organisation", "organisation", False, 75),
    ("operator_branch", "Chi nhánh doanh nghiệp viễn thông", "Telecom operator branch", "organisation", False, 80),
    ("digital_team", "Tổ công nghệ số cộng đồng", "Community digital technology team", "team", False, 90),
]


def ensure_default_kinds(unit_kind_model: Any) -> None:
    for code, name, name_en, category, covers_area, order in DEFAULT_KINDS:
        unit_kind_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "category": category,
                "covers_area": covers_area,
                "order": order,
            },
        )
