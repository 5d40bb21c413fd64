"""Demo data: Lạng Sơn province, its 2024 structure, villages, teams, offices and one login per role.

Every person here is fictitious. The data is loaded once; loading again does
nothing, so ``make run`` stays quick and keeps what a user changed.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.demo.boundaries import demo_boundaries
from switchoff.lib.months import add_months, first_of_month, last_of_month
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
    _demo_campaign(units)
    _demo_subscribers(units)
    _demo_field(units)
    _demo_devices()
    _demo_programmes(units)
    _demo_shops(units)
    demo_boundaries(actor=User.objects.get(username="admin"), province=province)
    log_action("demo.data.loaded", actor=None, unit=province, data={"at": datetime.date.today().isoformat()})
    return True


# Fictitious device models (TACs 99000001…: not real allocations), marked demo, so that the public device
# check answers in ``make run``: 2G-only (certified and not), 3G, 4G without VoLTE, 4G with VoLTE.
DEMO_DEVICES = [
    ("99000001", "Demo", "Cục gạch 2G", "GSM 900,GSM 1800", True),
    ("99000002", "Demo", "Bấm phím 2G (chưa hợp chuẩn)", "GSM 900", False),
    ("99000003", "Demo", "Phổ thông 3G", "GSM 900,GSM 1800,WCDMA FDD Band I", False),
    ("99000004", "Demo", "Smart 4G cũ", "GSM 900,WCDMA FDD Band I,LTE FDD BAND 3", False),
    ("99000005", "Demo", "Smart 4G VoLTE", "GSM 900,WCDMA FDD Band I,LTE FDD BAND 3,VoLTE", False),
]


def _demo_devices() -> None:
    from switchoff.devices.importer import CheckedTable, DeviceRow
    from switchoff.devices.radio import bands_bits
    from switchoff.devices.services import devices_import

    rows = [
        DeviceRow(tac, brand, model, bands_bits(bands), "Handset", cert)
        for tac, brand, model, bands, cert in DEMO_DEVICES
    ]
    devices_import(actor=None, checked=CheckedTable(rows_read=len(rows), rows=rows), source="demo", demo=True)


def _demo_campaign(units: dict[str, Unit]) -> None:
    """A campaign running for four months already: activities, and reports on time, late, returned, missing."""
    from switchoff.campaigns.services import assignments_add, campaign_create
    from switchoff.reports import services as reports

    zone = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    today = timezone.localdate()
    start = add_months(first_of_month(today), -4)
    campaign = campaign_create(
        actor=None,
        name="Lộ trình dừng công nghệ di động 2G trên địa bàn tỉnh Lạng Sơn",
        name_en="Switching off 2G mobile technology in Lạng Sơn province",
        area=units["province"],
        coordinating_unit=units["coordinating_office"],
        start_date=start,
        end_date=last_of_month(add_months(start, 7)),
        cutoff_date=add_months(start, 3).replace(day=15),
        recipient_name="Sở Khoa học và Công nghệ tỉnh Lạng Sơn",
        issuing_body="ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN|PHÒNG VĂN HÓA VÀ THÔNG TIN",
        place_name="Lạng Sơn",
        signer_title="Trưởng phòng",
        signer_name="Lương Thị Thu Hà",
    )
    campaign.support_contacts = (
        "Đường dây hỗ trợ của chiến dịch (số giả lập cho bản demo): 0205 0000 000\n"
        "Cửa hàng của nhà mạng gần nhất\nTổ công nghệ số cộng đồng của phường, xã nơi bạn ở"
    )
    campaign.save(update_fields=["support_contacts"])
    assignments_add(
        actor=None,
        campaign=campaign,
        kind_codes=["people_committee", "operator_branch", "fatherland_front", "mass_organisation"],
        within=units["province"],
    )
    forms = {f.code: f for f in campaign.forms.prefetch_related("media")}
    reporters = {u.username: u for u in User.objects.filter(username__in=["reporter.lvt", "reporter.dk", "viettel"])}
    plan = [
        ("reporter.lvt", "ubnd:05983", [("loudspeaker", 12), ("website_article", 2), ("home_visit", 40)], 5),
        ("reporter.dk", "ubnd:05977", [("loudspeaker", 8), ("meeting", 1)], 12),
        ("viettel", "Viettel Lạng Sơn", [("sms", 3200), ("banner", 15)], 8),
    ]
    for offset in range(4):
        month = add_months(start, offset)
        for username, unit_key, lines, submit_day in plan:
            unit = units[unit_key]
            for index, (code, count) in enumerate(lines):
                form = forms[code]
                reports.activity_create(
                    actor=reporters[username],
                    campaign=campaign,
                    unit=unit,
                    day=month.replace(day=3 + 7 * index),
                    form=form,
                    medium=next(iter(form.media.all()), None),
                    count=count + offset,
                    client_key=f"demo:{unit.pk}:{month:%Y%m}:{code}",
                )
            report = reports.report_open(actor=reporters[username], campaign=campaign, unit=unit, month=month)
            if offset == 3 and username == "reporter.dk":
                continue  # Đông Kinh has not reported last month yet.
            submitted = datetime.datetime.combine(
                add_months(month, 1).replace(day=submit_day), datetime.time(9, 30), tzinfo=zone
            )
            if submitted > timezone.now():
                # That day has not come yet: the report waits as a draft, as it would.
                submitted = timezone.now()
                submit = False
            else:
                submit = True
            reports.report_save(
                actor=reporters[username],
                report=report,
                lines=[
                    reports.LineInput(form=line.form, medium=line.medium, count=line.count, changed=False)
                    for line in report.lines.select_related("form", "medium")
                ],
                comment="",
                other_results="Đã rà soát, hướng dẫn các hộ dùng điện thoại 2G chuyển sang 4G."
                if username != "viettel"
                else "",
                now=submitted,
            )
            if submit:
                reports.report_submit(actor=reporters[username], report=report, now=submitted)
    _demo_review(campaign)
    _demo_library(campaign)


# The library's first materials, so that a new user sees what it is for: what the loudspeakers read, and the
# leaflet the teams hand out. Vietnamese, as the units use them; the facts are the campaign's own.
LOUDSPEAKER_SCRIPT = """\
THÔNG BÁO VỀ VIỆC DỪNG CÔNG NGHỆ DI ĐỘNG 2G

Kính thưa bà con nhân dân!

Thực hiện lộ trình của Bộ Khoa học và Công nghệ, từ ngày 16 tháng 9 năm 2024 các nhà mạng dừng cung cấp \
dịch vụ cho điện thoại chỉ dùng được sóng 2G (điện thoại "cục gạch" đời cũ, không có 4G). Sau ngày này, \
những máy đó không gọi điện, không nhắn tin được nữa, kể cả khi còn tiền trong tài khoản.

Vì sao phải dừng sóng 2G? Công nghệ 2G đã cũ, tốn tần số và điện năng; dừng 2G để dành tần số cho mạng 4G, \
5G nhanh hơn, gọi điện rõ hơn, phục vụ chuyển đổi số ở mọi thôn, khối phố.

Bà con cần làm gì? Thứ nhất, xem máy của gia đình có phải máy chỉ có 2G không: bấm *#06# để xem số IMEI \
rồi hỏi cửa hàng của nhà mạng, hoặc hỏi tổ công nghệ số cộng đồng. Thứ hai, nếu là máy 2G, hãy đổi sang \
điện thoại có 4G trước ngày 16 tháng 9; giữ nguyên số điện thoại, không phải làm lại sim. Thứ ba, người cao \
tuổi, hộ nghèo, hộ cận nghèo được nhà mạng và chương trình của tỉnh hỗ trợ máy 4G và gói cước: hãy báo với \
trưởng thôn, khối phố hoặc tổ công nghệ số để được lập danh sách.

Khi mua điện thoại, chỉ mua máy có 4G, có tem hợp chuẩn; không mua máy chỉ có 2G dù giá rẻ.

Mọi thắc mắc xin liên hệ cửa hàng của nhà mạng gần nhất, Ủy ban nhân dân phường, xã, hoặc tổ công nghệ số \
cộng đồng nơi bà con sinh sống.

Xin trân trọng thông báo!
"""

LEAFLET_SECTIONS = [
    (
        "Vì sao dừng sóng 2G?",
        [
            "Công nghệ 2G đã cũ, tốn tần số và điện năng.",
            "Dừng 2G để dành tần số cho 4G, 5G: gọi rõ hơn, truy cập Internet nhanh hơn, phục vụ chuyển đổi số.",
        ],
    ),
    (
        "Từ ngày 16/9/2024, điều gì xảy ra?",
        [
            "Điện thoại chỉ dùng được 2G không gọi, không nhắn tin được nữa, kể cả khi tài khoản còn tiền.",
            "Số điện thoại và sim của bạn vẫn giữ nguyên: chỉ cần đổi máy.",
        ],
    ),
    (
        "Bạn cần làm gì?",
        [
            "Bấm *#06# để xem số IMEI của máy, hỏi cửa hàng nhà mạng hoặc tổ công nghệ số xem máy có 4G không.",
            "Nếu là máy chỉ có 2G: đổi sang điện thoại có 4G trước ngày 16/9/2024.",
            "Khi mua máy mới: chỉ mua máy có 4G, có tem hợp chuẩn, giữ hóa đơn.",
        ],
    ),
    (
        "Hỗ trợ ở đâu?",
        [
            "Người cao tuổi, hộ nghèo, hộ cận nghèo được hỗ trợ máy 4G và gói cước: báo trưởng thôn, khối phố.",
            "Cửa hàng của nhà mạng (Viettel, VNPT, MobiFone) gần nhất: đổi máy, ưu đãi khi chuyển sang 4G.",
            "Tổ công nghệ số cộng đồng và Ủy ban nhân dân phường, xã nơi bạn ở.",
        ],
    ),
]


def _leaflet_docx() -> bytes:
    """The leaflet as a one-page Word file (python-docx), as a commune would print it."""
    from io import BytesIO

    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.add_heading("DỪNG SÓNG 2G – ĐỔI SANG ĐIỆN THOẠI 4G", level=1)
    intro = document.add_paragraph("Từ ngày 16/9/2024, điện thoại chỉ có 2G không sử dụng được nữa.")
    intro.runs[0].bold = True
    for heading, points in LEAFLET_SECTIONS:
        document.add_heading(heading, level=2)
        for point in points:
            document.add_paragraph(point, style="List Bullet")
    closing = document.add_paragraph("Ủy ban nhân dân tỉnh Lạng Sơn – Lộ trình dừng công nghệ di động 2G")
    closing.runs[0].font.size = Pt(9)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _demo_library(campaign: Campaign) -> None:
    """A loudspeaker script (a text) and a leaflet (a Word file in the library's storage) by the coordinator."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from switchoff.library import services as library
    from switchoff.library.models import Material

    coordinator = User.objects.get(username="coordinator")
    forms = {f.code: f for f in campaign.forms.all()}
    dated = campaign.start_date
    library.material_create(
        actor=coordinator,
        campaign=campaign,
        title="Bài phát thanh: dừng sóng 2G, bà con cần làm gì",
        kind=Material.Kind.SCRIPT,
        forms=[forms["loudspeaker"]],
        first=library.VersionInput(dated=dated, text=LOUDSPEAKER_SCRIPT, note="Đọc 2 lần mỗi ngày, sáng và chiều."),
    )
    leaflet = SimpleUploadedFile(
        "to-roi-dung-song-2g.docx",
        _leaflet_docx(),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    library.material_create(
        actor=coordinator,
        campaign=campaign,
        title="Tờ rơi: dừng sóng 2G – đổi sang điện thoại 4G",
        kind=Material.Kind.LEAFLET,
        forms=[forms["leaflet"], forms["home_visit"]],
        first=library.VersionInput(dated=dated, file=leaflet, note="In khổ A4, phát tại họp dân và khi đến từng hộ."),
    )


def _demo_review(campaign: Campaign) -> None:
    """The coordinator has reviewed the earlier months: accepted, except the reports of last month and Đông
    Kinh's latest (waiting), and Viettel's latest, returned with a reason its staff is told of."""
    from switchoff.reports import services as reports
    from switchoff.reports.models import MonthlyReport
    from switchoff.reports.reminders import notifications_mark_read

    coordinator = User.objects.get(username="coordinator")
    last = add_months(first_of_month(timezone.localdate()), -1)
    waiting = list(
        MonthlyReport.objects.filter(campaign=campaign, status=MonthlyReport.Status.SUBMITTED)
        .select_related("unit", "campaign")
        .order_by("month", "pk")
    )
    latest = {r.unit_id: r for r in waiting}  # each unit's latest submitted report
    viettel = next((r for r in latest.values() if r.unit.name == "Viettel Lạng Sơn"), None)
    for report in waiting:
        if (
            report.month == last
            or report is viettel
            or (report is latest[report.unit_id] and "Đông Kinh" in report.unit.name)
        ):
            continue  # waiting for the coordinator's review
        assert report.submitted_at is not None
        reports.report_accept(
            actor=coordinator, report=report, now=min(report.submitted_at + datetime.timedelta(days=2), timezone.now())
        )
    # The notifications of months gone by were read long ago.
    for user in User.objects.filter(notifications__read_at__isnull=True).distinct():
        notifications_mark_read(user=user)
    if viettel is not None:
        reports.report_return(
            actor=coordinator,
            report=viettel,
            reason="Thiếu số tin nhắn SMS đã gửi trong tuần cuối tháng; bổ sung và gửi lại.",
        )


DEMO_SUBSCRIBERS = """STT;Số thuê bao;Họ và tên;Thôn/Tổ;Phường/Xã;Huyện;Loại máy
1;0868 100 001;Nguyễn Văn An;Khối 1;Phường Lương Văn Tri;;Nokia 1280
2;868100002;Hoàng Thị Bình;Khối 2;Phường Lương Văn Tri;;Nokia 105
3;01623100003;Nông Văn Cường;;Phường Chi Lăng;Thành phố Lạng Sơn;Samsung E1200
4;0868.100.004;Lương Thị Dung;Khối 3;Phường Đông Kinh;;Nokia 1280
5;0868100005;Vi Văn Em;Thôn Nà Chuông;Phường Đông Kinh;;Itel it2160
6;0868100006;Triệu Thị Gấm;Tổ dân phố 1;Phường Tam Thanh;;Nokia 1202
7;0868100007;Lăng Văn Hải;;Xã Hoàng Đồng;Thành phố Lạng Sơn;Masstel
8;0868100008;Chu Thị Lan;Khối 4;Phường Kỳ Lừa;;Nokia 105
"""


def _demo_subscribers(units: dict[str, Unit]) -> None:
    """A small Viettel list (fictitious numbers), imported twice a month apart: one subscriber switched."""
    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.services import list_write as import_list

    operator, area = units["Viettel Lạng Sơn"], units["province"]
    today = timezone.localdate()
    for months_ago, content in (
        (2, DEMO_SUBSCRIBERS),
        (1, DEMO_SUBSCRIBERS.replace("2;868100002;Hoàng Thị Bình;Khối 2;Phường Lương Văn Tri;;Nokia 105\n", "")),
    ):
        data = content.encode()
        import_list(
            read_file(data, "viettel.csv"),
            content=data,
            operator=operator,
            area=area,
            as_of=add_months(first_of_month(today), -months_ago),
            file_name=f"DS_2G_Only_Viettel_LangSon_{months_ago}.csv",
        )


# VNPT's list of Phường Lương Văn Tri (fictitious numbers): the door-to-door demo of team no. 1 (Khối 1–3) and no. 2.
DEMO_FIELD_SUBSCRIBERS = """STT;Số thuê bao;Họ và tên;Địa chỉ;Loại máy
1;0888200001;Hoàng Văn Tám;Số 3 ngõ 12, Khối 1, Phường Lương Văn Tri;Nokia 1280
2;0888200002;Hoàng Thị Nhung;Số 3 ngõ 12, Khối 1, Phường Lương Văn Tri;Nokia 105
3;0888200003;Lộc Văn Phúc;Số 8, Khối 1, Phường Lương Văn Tri;Itel it2160
4;0888200004;Dương Thị Hạnh;Số 15, Khối 2, Phường Lương Văn Tri;Nokia 1280
5;0888200005;Mã Văn Quý;Số 21, Khối 2, Phường Lương Văn Tri;Masstel
6;0888200006;Tô Thị Loan;Số 2, Khối 3, Phường Lương Văn Tri;Nokia 105
7;0888200007;Bế Văn Sáng;Số 40, Khối 3, Phường Lương Văn Tri;Samsung E1200
8;0888200008;Lành Thị Thơm;Số 9, Khối 4, Phường Lương Văn Tri;Nokia 1280
9;0888200009;Đàm Văn Lực;Phường Lương Văn Tri;Nokia 105
"""


def _demo_field(units: dict[str, Unit]) -> None:
    """Door to door in Lương Văn Tri: VNPT's list as cases, visits of the last days, a conflict, a phone signed in."""
    import uuid

    from switchoff.fieldwork.models import Case
    from switchoff.fieldwork.services import FoundPerson, VisitInput, device_enrol, visits_record
    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.services import list_write

    ward = Unit.objects.get(code_system=SYSTEM_2025, code="05983")
    data = DEMO_FIELD_SUBSCRIBERS.encode()
    today = timezone.localdate()
    list_write(read_file(data, "vnpt.csv"), content=data, operator=units["VNPT Lạng Sơn (Trung tâm Viễn thông)"],
               area=ward, as_of=add_months(first_of_month(today), -1), file_name="DS_2G_VNPT_LVT.csv")  # fmt: skip
    member = User.objects.get(username="member.lvt")
    leader = User.objects.get(username="leader.lvt")
    by_name = {c.name: c for c in Case.objects.select_related("subscriber").filter(unit__parent=ward)}
    zone = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

    def at(days_ago: int, hour: int) -> datetime.datetime:
        return datetime.datetime.combine(today - datetime.timedelta(days=days_ago), datetime.time(hour), tzinfo=zone)

    def visit(name: str, outcome: str, when: datetime.datetime, **extra: object) -> VisitInput:
        case = by_name[name]
        return VisitInput(id=uuid.uuid4(), case_id=case.pk, visited_at=when, outcome=outcome, **extra)  # type: ignore[arg-type]

    visits_record(actor=member, visits=[
        visit("Hoàng Văn Tám", "agrees", at(6, 9), note="Con trai sẽ mua máy 4G cho bố.",
              household=((by_name["Hoàng Thị Nhung"].pk, "informed"),)),
        visit("Lộc Văn Phúc", "not_home", at(6, 10)),
        visit("Lộc Văn Phúc", "not_home", at(4, 16)),
        visit("Lộc Văn Phúc", "not_home", at(2, 17)),
        visit("Dương Thị Hạnh", "switched", at(5, 9), device_model="Nokia 105 4G", consent_photo=True),
        visit("Mã Văn Quý", "needs_support", at(3, 15), note="Hộ cận nghèo: cần máy hỗ trợ của chương trình."),
        visit("Tô Thị Loan", "refuses", at(1, 8), reason="Chỉ nghe gọi, không muốn đổi máy."),
    ])  # fmt: skip
    # The leader and the member both visited Bế Văn Sáng from the same version of the case: a conflict to resolve.
    seen = by_name["Bế Văn Sáng"].version
    visits_record(actor=member, visits=[visit("Bế Văn Sáng", "informed", at(2, 9), case_version=seen)])
    visits_record(actor=leader, visits=[visit("Bế Văn Sáng", "agrees", at(1, 14), case_version=seen)])
    khoi_1 = Unit.objects.get(parent=ward, name="Khối 1")
    visits_record(actor=member, visits=[VisitInput(
        id=uuid.uuid4(), case_id=None, visited_at=at(1, 10), outcome="informed",
        found=FoundPerson("Nông Thị Xuân", "0888200099", "Số 5 ngõ 12, Khối 1", khoi_1.pk),
    )])  # fmt: skip
    device_enrol(actor=member, name="Điện thoại Android của Mai")


def _demo_programmes(units: dict[str, Unit]) -> None:
    """Viettel's free 4G phones for poor and near-poor households (one delivered, one approved, one waiting), the
    public fund's cash, and Lương Văn Tri's list of poor and near-poor households."""
    from stdnum import luhn

    from switchoff.fieldwork.models import Case
    from switchoff.programmes import services as programmes
    from switchoff.programmes.models import HouseholdCategory

    ward = Unit.objects.get(code_system=SYSTEM_2025, code="05983")
    campaign = Campaign.objects.get()
    today = timezone.localdate()
    viettel = User.objects.get(username="viettel")
    coordinator = User.objects.get(username="coordinator")
    member = User.objects.get(username="member.lvt")
    khoi_1 = Unit.objects.get(parent=ward, name="Khối 1")
    khoi_2 = Unit.objects.get(parent=ward, name="Khối 2")
    HouseholdCategory.objects.bulk_create([
        HouseholdCategory(unit=ward, village=khoi_1, head_name="Hoàng Văn Tám", search_name="hoang van tam",
                          address="Số 3 ngõ 12, Khối 1", category="poor", certificate="HN-2025-0112", year=2025),
        HouseholdCategory(unit=ward, village=khoi_2, head_name="Mã Văn Quý", search_name="ma van quy",
                          address="Số 21, Khối 2", category="near_poor", certificate="CN-2025-0087", year=2025),
        HouseholdCategory(unit=ward, village=khoi_2, head_name="Dương Thị Hạnh", search_name="duong thi hanh",
                          address="Số 15, Khối 2", category="poor", certificate="HN-2025-0121", year=2025),
    ])  # fmt: skip
    phones = programmes.programme_create(
        actor=viettel,
        campaign=campaign,
        fields={
            "name": "Tặng điện thoại 4G cho hộ nghèo, hộ cận nghèo",
            "sponsor": "operator",
            "sponsor_name": "Viettel",
            "owner": units["Viettel Lạng Sơn"],
            "benefit": "feature_phone",
            "benefit_detail": "Miễn phí, kèm gói cước 6 tháng",
            "categories": ["poor", "near_poor"],
            "conditions": "Cam kết dùng SIM Viettel 6 tháng.",
            "documents": "CCCD của chủ hộ; giấy chứng nhận hộ nghèo/cận nghèo",
            "area": units["province"],
            "starts_on": today - datetime.timedelta(days=30),
            "ends_on": today + datetime.timedelta(days=90),
        },
        stock=[programmes.StockLine(unit=ward, quantity=50)],
    )
    programmes.programme_create(
        actor=coordinator,
        campaign=campaign,
        fields={
            "name": "Hỗ trợ 500.000 đồng đổi máy 4G",
            "sponsor": "public_fund",
            "sponsor_name": "Quỹ Dịch vụ viễn thông công ích Việt Nam",
            "owner": units["coordinating_office"],
            "benefit": "cash",
            "benefit_detail": "500.000 đồng một hộ",
            "categories": ["poor"],
            "documents": "CCCD của chủ hộ; giấy chứng nhận hộ nghèo",
            "area": units["province"],
            "starts_on": today - datetime.timedelta(days=10),
            "ends_on": today + datetime.timedelta(days=120),
        },
    )
    cases = {c.name: c for c in Case.objects.select_related("subscriber", "unit").filter(unit__parent=ward)}
    delivered = programmes.referral_create(actor=member, programme=phones, case=cases["Hoàng Văn Tám"])
    programmes.referral_decide(actor=viettel, referral=delivered, approve=True)
    programmes.delivery_record(
        actor=viettel,
        referral=delivered,
        given=programmes.DeliveryInput(
            delivered_on=today - datetime.timedelta(days=2),
            place="Cửa hàng Viettel Lương Văn Tri",
            imei="99000005004217" + luhn.calc_check_digit("99000005004217"),
        ),
    )
    approved = programmes.referral_create(actor=member, programme=phones, case=cases["Mã Văn Quý"])
    programmes.referral_decide(actor=viettel, referral=approved, approve=True)
    programmes.referral_create(
        actor=member, programme=phones, case=cases["Dương Thị Hạnh"], note="Máy cũ hỏng, cần máy 4G."
    )


def _demo_shops(units: dict[str, Unit]) -> None:
    """Lương Văn Tri's phone shops: one never told, one found selling 2G-only phones (a follow-up due), one fine."""
    from django.core.files.base import ContentFile
    from stdnum import luhn

    from switchoff.shops import services as shops

    ward = Unit.objects.get(code_system=SYSTEM_2025, code="05983")
    official = User.objects.get(username="reporter.lvt")
    member = User.objects.get(username="member.lvt")
    today = timezone.localdate()
    khoi_1 = Unit.objects.get(parent=ward, name="Khối 1")
    khoi_2 = Unit.objects.get(parent=ward, name="Khối 2")

    def shop(place: Unit, name: str, owner: str, address: str, dealer: Unit | None = None) -> object:
        given = shops.ShopInput(name=name, owner_name=owner, address=address, phone="0912345001", dealer_of=dealer)
        return shops.shop_register(actor=official, place=place, given=given)

    def imei(tac: str, serial: str) -> str:
        return tac + serial + luhn.calc_check_digit(tac + serial)

    shop(ward, "Điện thoại Phú Lộc", "Nguyễn Phú Lộc", "Số 40 Bà Triệu")
    seller = shop(khoi_1, "Cửa hàng Minh Anh Mobile", "Lê Minh Anh", "Số 12 Lê Lợi, Khối 1")
    shops.inspection_record(
        actor=member,
        shop=seller,  # type: ignore[arg-type]
        given=shops.InspectionInput(
            inspected_on=today - datetime.timedelta(days=5),
            informed=True,
            commitment_signed=False,
            phones=[imei("99000001", "338812"), imei("99000002", "118820"), "Demo Phổ thông 3G"],
            follow_up_on=today - datetime.timedelta(days=1),
            note="Chủ cửa hàng hứa trả hàng 2G cho nhà phân phối.",
        ),
    )
    compliant = shop(
        khoi_2, "Viettel Store Lương Văn Tri", "Chi nhánh Viettel", "Số 5 Trần Đăng Ninh", units["Viettel Lạng Sơn"]
    )
    shops.inspection_record(
        actor=official,
        shop=compliant,  # type: ignore[arg-type]
        given=shops.InspectionInput(
            inspected_on=today - datetime.timedelta(days=3),
            informed=True,
            commitment_signed=True,
            commitment=ContentFile(b"%PDF-1.4 demo commitment", name="cam-ket.pdf"),  # type: ignore[arg-type]
        ),
    )
