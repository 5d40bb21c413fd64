"""Demo data: Lạng Sơn province, its 2024 structure, villages, teams, offices and one login per role.

Every person here is fictitious. The data is loaded once; loading again does
nothing, so ``make run`` stays quick and keeps what a user changed.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.audit.services import log_action
from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.units.loaders import LAST_LEGACY_DAY, SYSTEM_2024, SYSTEM_2025, load_province
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage, unit_create

DEMO_PASSWORD = "demo-switchoff-2026"  # noqa: S105 - demo only, shown in the README
# RFC 6238's test secret ("12345678901234567890"); base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"

# Residential groups (tổ dân phố / khối) of the four 2025 wards of the former city.
WARD_VILLAGES: dict[str, list[str]] = {
    "05983": [f"Khối {n}" for n in range(1, 10)] + ["Tổ dân phố Mai Pha 1", "Tổ dân phố Mai Pha 2"],  # Lương Văn Tri
    "05986": [f"Tổ dân phố {n}" for n in range(1, 8)] + ["Thôn Hoàng Đồng", "Thôn Còn Quan"],  # Tam Thanh
    "06187": [f"Khối {n}" for n in range(1, 7)] + ["Thôn Pác Cáp", "Thôn Khòn Khuyên"],  # Kỳ Lừa
    "05977": [f"Khối {n}" for n in range(1, 9)] + ["Thôn Nà Chuông"],  # Đông Kinh
}
# A few residential groups recorded under the old Phường Chi Lăng before the merger.
CHI_LANG_2024_GROUPS = ["Khối Hoàng Hoa Thám (cũ)", "Khối Bà Triệu (cũ)", "Khối Lê Lợi (cũ)"]

PROVINCE_UNITS = [
    ("coordinating_office", "Phòng Văn hóa và Thông tin (đầu mối chiến dịch)"),
    ("office", "Sở Khoa học và Công nghệ tỉnh Lạng Sơn"),
    ("office", "Sở Văn hóa, Thể thao và Du lịch tỉnh Lạng Sơn"),
    ("people_committee", "Ủy ban nhân dân tỉnh Lạng Sơn"),
    ("fatherland_front", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Lạng Sơn"),
    ("mass_organisation", "Hội Liên hiệp Phụ nữ tỉnh"),
    ("mass_organisation", "Tỉnh Đoàn Lạng Sơn"),
    ("mass_organisation", "Hội Nông dân tỉnh"),
    ("mass_organisation", "Hội Cựu chiến binh tỉnh"),
    ("mass_organisation", "Liên đoàn Lao động tỉnh"),
    ("operator_branch", "Viettel Lạng Sơn"),
    ("operator_branch", "VNPT Lạng Sơn (Trung tâm Viễn thông)"),
]

# username, full name, phone, role, unit key
DEMO_USERS = [
    ("admin", "Hoàng Minh Quản", "0912000001", Role.ADMINISTRATOR, "province"),
    ("coordinator", "Lương Thị Thu Hà", "0912000002", Role.COORDINATOR, "coordinating_office"),
    ("reporter.lvt", "Nông Văn Bình", "0912000003", Role.REPORTER, "ubnd:05983"),
    ("reporter.dk", "Hà Thị Lan", "0912000004", Role.REPORTER, "ubnd:05977"),
    ("leader.lvt", "Vi Văn Sơn", "0912000005", Role.TEAM_LEADER, "team:05983"),
    ("member.lvt", "Chu Thị Mai", "0912000006", Role.TEAM_MEMBER, "team:05983"),
    ("viettel", "Đinh Quang Huy", "0912000007", Role.OPERATOR_STAFF, "Viettel Lạng Sơn"),
    ("viewer", "Lý Thị Hương", "0912000008", Role.VIEWER, "province"),
]


def demo_loaded() -> bool:
    return User.objects.filter(username="admin").exists()


@transaction.atomic
def load_demo() -> bool:
    """Load the demo once. Returns False when it was already there."""
    result = load_province("Lạng Sơn", legacy=True)
    if demo_loaded():
        return False
    province = result.province
    kinds = {k.code: k for k in UnitKind.objects.all()}
    units: dict[str, Unit] = {"province": province}
    for kind_code, name in PROVINCE_UNITS:
        unit = unit_create(actor=None, kind=kinds[kind_code], name=name, parent=province, log=False)
        units[name] = unit
        units.setdefault(kind_code, unit)
    for code, villages in WARD_VILLAGES.items():
        ward = Unit.objects.get(code_system=SYSTEM_2025, code=code)
        units[f"ubnd:{code}"] = unit_create(
            actor=None,
            kind=kinds["people_committee"],
            name=f"Ủy ban nhân dân {ward.name[0].lower()}{ward.name[1:]}",
            parent=ward,
            log=False,
        )
        created = [unit_create(actor=None, kind=kinds["village"], name=v, parent=ward, log=False) for v in villages]
        for index in range(0, len(created), 3):
            team = unit_create(
                actor=None,
                kind=kinds["digital_team"],
                name=f"Tổ công nghệ số cộng đồng số {index // 3 + 1}",
                parent=ward,
                log=False,
            )
            team_set_coverage(actor=None, team=team, villages=created[index : index + 3])
            units.setdefault(f"team:{code}", team)
    chi_lang = Unit.objects.get(code_system=SYSTEM_2024, code="05983")
    for name in CHI_LANG_2024_GROUPS:
        unit_create(actor=None, kind=kinds["village"], name=name, parent=chi_lang, valid_to=LAST_LEGACY_DAY, log=False)
    for username, full_name, phone, role, unit_key in DEMO_USERS:
        user = User.objects.create(username=username, full_name=full_name, phone="+84" + phone[1:])
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        Membership.objects.create(user=user, unit=units[unit_key], role=role)
        if role in {Role.ADMINISTRATOR, Role.COORDINATOR}:
            TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
    log_action("demo.loaded", actor=None, unit=province, data={"at": datetime.date.today().isoformat()})
    return True
