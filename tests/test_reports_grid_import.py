"""The days × forms grid edits the log; a unit's own sheet is imported through a mapping, synonyms and a preview."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from switchoff.audit.models import AuditEvent
from switchoff.campaigns.models import Campaign, CatalogueSynonym
from switchoff.lib.months import add_months, first_of_month, last_of_month
from switchoff.reports import services
from switchoff.reports.counts import count_report_state
from switchoff.reports.models import Activity, ActivitySheetMapping, MonthlyReport
from switchoff.reports.spreadsheets import parse_activity_sheet
from tests.conftest import World, logged_in
from tests.reporting import make_campaign


def running_campaign(world: World) -> Campaign:
    """A campaign running now, reported on for last month, with time left to correct reports."""
    today = timezone.localdate()
    return make_campaign(
        world,
        start_date=add_months(first_of_month(today), -3),
        end_date=last_of_month(add_months(first_of_month(today), 2)),
        lock_days=60,
    )


def last_month() -> datetime.date:
    return add_months(first_of_month(timezone.localdate()), -1)


def log(world: World, campaign: Campaign, day: datetime.date, code: str, count: int, key: str) -> Activity:
    activity, _created = services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=day,
        form=campaign.forms.get(code=code),
        count=count,
        client_key=key,
    )
    return activity


def post_cell(client: Client, campaign: Campaign, world: World, day: datetime.date, value: str, shown: str) -> str:
    loudspeaker = campaign.forms.get(code="loudspeaker")
    response = client.post(
        reverse("reports:grid", args=[campaign.pk, world.committee_a.pk]),
        {
            "month": f"{day:%Y-%m}",
            "f": [loudspeaker.pk],
            f"c-{day:%Y%m%d}-{loudspeaker.pk}": value,
            f"o-{day:%Y%m%d}-{loudspeaker.pk}": shown,
        },
        follow=True,
    )
    return response.content.decode()


def day_total(campaign: Campaign, day: datetime.date) -> list[int]:
    return sorted(Activity.objects.filter(campaign=campaign, date=day).values_list("count", flat=True))


# The grid -------------------------------------------------------------------------------------------


def test_grid_shows_what_is_logged_and_a_cell_is_the_days_total(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=3)
    log(world, campaign, day, "loudspeaker", 3, "single-1")
    client = logged_in(world.reporter_a)
    loudspeaker = campaign.forms.get(code="loudspeaker")
    page = client.get(
        reverse("reports:grid", args=[campaign.pk, world.committee_a.pk]), {"month": f"{day:%Y-%m}"}
    ).content.decode()
    assert f'name="c-{day:%Y%m%d}-{loudspeaker.pk}" value="3"' in page
    assert "3 ghi lẻ" in page

    # 3 logged singly and a cell of 5: the grid's own activity is 2, the single one untouched.
    post_cell(client, campaign, world, day, "5", "3")
    assert day_total(campaign, day) == [2, 3]
    assert Activity.objects.get(client_key="single-1").count == 3
    # Sent again (a retried POST), nothing doubles.
    post_cell(client, campaign, world, day, "5", "3")
    assert day_total(campaign, day) == [2, 3]
    # Corrected: the grid's activity changes, with an audit row.
    post_cell(client, campaign, world, day, "7", "5")
    assert day_total(campaign, day) == [3, 4]
    assert AuditEvent.objects.filter(action="reports.activity.changed").count() == 1
    # Cleared: the grid's activity goes, the single one stays.
    post_cell(client, campaign, world, day, "", "7")
    assert day_total(campaign, day) == [3]


def test_grid_refuses_a_total_below_what_is_logged_singly(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=4)
    log(world, campaign, day, "loudspeaker", 3, "single-1")
    page = post_cell(logged_in(world.reporter_a), campaign, world, day, "2", "3")
    assert f"{day:%d/%m/%Y}, Phát thanh trên loa truyền thanh cơ sở: đã ghi nhận lẻ 3" in page
    assert day_total(campaign, day) == [3]
    huge = post_cell(logged_in(world.reporter_a), campaign, world, day, "99999999999", "3")
    assert "99999999999" in huge and day_total(campaign, day) == [3]


def test_grid_leaves_a_cell_as_shown_alone(world: World) -> None:
    """Someone logged an activity after the grid was opened: the unchanged cell does not undo it."""
    campaign = running_campaign(world)
    day = last_month().replace(day=5)
    log(world, campaign, day, "loudspeaker", 2, "single-1")
    log(world, campaign, day, "loudspeaker", 4, "single-2")  # meanwhile, on another page
    post_cell(logged_in(world.reporter_a), campaign, world, day, "2", "2")
    assert day_total(campaign, day) == [2, 4]


def test_grid_cannot_change_a_submitted_month(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=6)
    log(world, campaign, day, "loudspeaker", 2, "single-1")
    services.activities_grid_save(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        medium_by_form={},
        cells={(day, campaign.forms.get(code="loudspeaker")): 5},
    )
    submitted = MonthlyReport.objects.create(
        campaign=campaign, unit=world.committee_a, month=first_of_month(day), status="submitted",
        submitted_at=timezone.now(),
    )  # fmt: skip
    count_report_state(submitted, None)  # as the workflow's submit counts it
    with pytest.raises(ValidationError):
        services.activities_grid_save(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            medium_by_form={},
            cells={(day, campaign.forms.get(code="loudspeaker")): 7},
        )
    assert day_total(campaign, day) == [2, 3]


# The unit's own sheet ---------------------------------------------------------------------------


def realistic_sheet(day: datetime.date) -> bytes:
    """A ward's own sheet: title rows, STT, its own headers and names, a totals row and signatures."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ỦY BAN NHÂN DÂN PHƯỜNG HOÀNG VĂN THỤ"])
    sheet.append(["BẢNG THEO DÕI CÔNG TÁC TUYÊN TRUYỀN DỪNG CÔNG NGHỆ 2G"])
    sheet.append([f"Tháng {day:%m/%Y}"])
    sheet.append([])
    sheet.append(["STT", "Ngày", "Hình thức tuyên truyền", "Phương tiện", "Số lượng", "Số người", "Nội dung"])
    sheet.append([1, day.replace(day=2), "Phát thanh loa", "Loa truyền thanh", 2, None, "Bản tin sáng"])
    sheet.append([2, f"{day.replace(day=3):%d/%m/%Y}", "LOA TRUYỀN THANH", None, "3", "", ""])
    sheet.append([3, day.replace(day=4), "Tờ rơi", None, 120, None, "Phát tại chợ"])
    sheet.append([4, day.replace(day=5), "Hội nghị, họp dân", None, 1, 45, "Họp tổ dân phố số 3"])
    sheet.append([None, None, "Tổng cộng", None, 126, 45, None])
    sheet.append([None, "Người lập biểu", None, None, None, "Chủ tịch UBND phường"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_realistic_sheet_is_read_through_headers_and_synonyms(world: World) -> None:
    campaign = running_campaign(world)
    month = last_month()
    parsed = parse_activity_sheet(realistic_sheet(month), "theo-doi.xlsx", campaign=campaign, unit=world.committee_a)
    assert parsed.problems == []
    assert parsed.mapping is not None and parsed.mapping.header_row == 4
    assert [
        (r.row, r.form.code, r.medium.name if r.medium else None, r.count, r.people_reached) for r in parsed.rows
    ] == [
        (6, "loudspeaker", "Hệ thống loa truyền thanh cơ sở", 2, None),
        (7, "loudspeaker", "Hệ thống loa truyền thanh cơ sở", 3, None),
        (8, "leaflet", "Ấn phẩm in (băng rôn, tờ rơi, áp phích)", 120, None),
        (9, "meeting", "Trực tiếp", 1, 45),
    ]


def test_a_csv_sheet_is_read_too(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=8)
    lines = [
        "STT;Ngày;Hình thức tuyên truyền;Số lượng",
        f"1;{day:%d/%m/%Y};Tờ rơi;4",
        f"2;{day:%d/%m/%Y};Tờ rơi;999999",
    ]
    content = "\n".join(lines).encode("utf-8-sig")  # as Excel saves "CSV UTF-8"
    parsed = parse_activity_sheet(content, "so.csv", campaign=campaign, unit=world.committee_a)
    assert [(r.form.code, r.count) for r in parsed.rows] == [("leaflet", 4)]
    assert [(p.row, p.column, p.reason) for p in parsed.problems] == [(3, "D", "Tối đa 100000.")]


def test_the_coordinators_synonyms_are_matched_on_folded_words(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=8)
    content = f"Ngày,Hình thức,Số lượng\n{day:%d/%m/%Y},Xe tuyên truyền lưu động,2\n".encode()
    first = parse_activity_sheet(content, "so.csv", campaign=campaign, unit=world.committee_a)
    assert [(p.row, p.column) for p in first.problems] == [(2, "B")]
    client = logged_in(world.coordinator)
    url = reverse("campaigns:synonyms", args=[campaign.pk])
    assert "Phát thanh loa" in client.get(url).content.decode()
    other = campaign.forms.get(code="other")
    client.post(url, {"text": "XE TUYÊN TRUYỀN - lưu động", "target": f"f-{other.pk}"})
    assert CatalogueSynonym.objects.filter(campaign=campaign, words="xe tuyen truyen luu dong").exists()
    again = parse_activity_sheet(content, "so.csv", campaign=campaign, unit=world.committee_a)
    assert again.problems == [] and again.rows[0].form == other
    synonym = CatalogueSynonym.objects.get(campaign=campaign, words="xe tuyen truyen luu dong")
    client.post(url, {"delete": synonym.pk})
    assert not CatalogueSynonym.objects.filter(pk=synonym.pk).exists()
    assert logged_in(world.reporter_a).get(url).status_code in {403, 404}


def test_a_submitted_or_locked_month_is_refused_at_the_check(world: World) -> None:
    campaign = running_campaign(world)
    month = last_month()
    submitted = MonthlyReport.objects.create(
        campaign=campaign, unit=world.committee_a, month=month, status="submitted", submitted_at=timezone.now()
    )
    count_report_state(submitted, None)  # as the workflow's submit counts it
    parsed = parse_activity_sheet(realistic_sheet(month), "theo-doi.xlsx", campaign=campaign, unit=world.committee_a)
    assert parsed.rows == []
    assert {p.reason for p in parsed.problems} == {
        f"Báo cáo tháng {month:%m/%Y} đã được gửi; hãy đề nghị trả lại báo cáo trước."
    }
    later = campaign.lock_time(add_months(month, -1)) + datetime.timedelta(hours=1)
    earlier = add_months(month, -1)
    locked = parse_activity_sheet(
        realistic_sheet(earlier), "theo-doi.xlsx", campaign=campaign, unit=world.committee_a, now=later
    )
    assert locked.rows == [] and "đã bị khóa" in locked.problems[0].reason


def test_import_is_checked_then_confirmed_once_and_the_mapping_is_remembered(world: World) -> None:
    campaign = running_campaign(world)
    month = last_month()
    client = logged_in(world.reporter_a)
    url = reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Sổ theo dõi"])
    sheet.append(["TT", "Thời gian", "Loại", "Số lượng"])  # "Loại" names no field: the person maps it
    sheet.append([1, month.replace(day=9), "Tờ rơi", 2])
    buffer = BytesIO()
    book.save(buffer)
    upload = BytesIO(buffer.getvalue())
    upload.name = "so.xlsx"
    check = client.post(url, {"file": upload})
    assert "Hãy chọn các cột chứa ngày" in check.content.decode()
    upload_id = check.context["upload_id"]
    mapping = {"upload_id": upload_id, "file_name": "so.xlsx", "sheet": "0", "header_row": "1"}
    mapping |= {"map-date": "1", "map-form": "2", "map-count": "3"}
    preview = client.post(url, {**mapping, "check": "1"})
    assert [r.form.code for r in preview.context["parsed"].rows] == ["leaflet"]
    assert Activity.objects.count() == 0  # the check writes nothing
    stale = client.post(url, {**mapping, "confirm": "1", "expected": "5"})
    assert Activity.objects.count() == 0 and "đã thay đổi" in stale.content.decode()
    done = client.post(url, {**mapping, "confirm": "1", "expected": "1-0", "import_key": "check-1"})
    assert done.status_code == 302 and Activity.objects.count() == 1
    assert ActivitySheetMapping.objects.get(unit=world.committee_a).headers["form"] == "loai"
    # The next file of the same unit is read with the columns chosen.
    upload = BytesIO(buffer.getvalue())
    upload.name = "so.xlsx"
    again = client.post(url, {"file": upload})
    assert again.context["parsed"].problems == [] and len(again.context["parsed"].rows) == 1
    # The same file again replaces what it logged, so the log holds its row once.
    assert [r.rows for r in again.context["parsed"].replaces] == [1]
    # Confirming again (a retried POST, or the same file) logs nothing twice.
    for key in ("check-1", "check-2", "check-2"):
        client.post(
            url,
            {**mapping, "upload_id": again.context["upload_id"], "confirm": "1", "expected": "1-0", "import_key": key},
        )
    assert Activity.objects.count() == 1


def test_the_template_has_the_catalogue_as_lists_and_imports_back(world: World) -> None:
    campaign = running_campaign(world)
    client = logged_in(world.reporter_a)
    response = client.get(reverse("reports:activity_template", args=[campaign.pk, world.committee_a.pk]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    formulas = sorted(str(v.formula1) for v in sheet.data_validations.dataValidation if v.type == "list")
    forms, media = campaign.forms.exclude(code__in=COUNTED).count(), campaign.media.count()
    assert forms >= 9 and media == 8  # the forms a unit types: the catalogue less those the system counts
    assert formulas == [f"'Danh mục'!$A$2:$A${forms + 1}", f"'Danh mục'!$B$2:$B${media + 1}"]
    assert book.worksheets[1]["A2"].value == "Phát thanh trên loa truyền thanh cơ sở"
    day = last_month().replace(day=10)
    values = [1, day, "Tờ rơi", "Ấn phẩm in (băng rôn, tờ rơi, áp phích)", 300, 250, "Phát tại chợ"]
    for column, value in enumerate(values, start=1):
        sheet.cell(row=5, column=column, value=value)
    buffer = BytesIO()
    book.save(buffer)
    parsed = parse_activity_sheet(buffer.getvalue(), "mau.xlsx", campaign=campaign, unit=world.committee_a)
    assert parsed.problems == [] and [(r.form.code, r.count, r.people_reached) for r in parsed.rows] == [
        ("leaflet", 300, 250)
    ]
    assert Activity.objects.count() == 0  # a GET writes nothing


# The forms the system counts (deliveries, inspections, banners) are never typed ---------------------------

COUNTED = {"support_delivery", "shop_informed", "shop_inspection", "banner"}


def test_the_forms_the_system_counts_are_offered_on_no_page_a_unit_types_on(world: World) -> None:
    campaign = running_campaign(world)
    client = logged_in(world.reporter_a)
    month = last_month()
    codes = {f.pk: f.code for f in campaign.forms.all()}
    page = client.get(
        reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]), {"month": f"{month:%Y-%m}"}
    )
    offered = {codes[pk] for pk, _label in page.context["form"].fields["form"].choices}
    assert offered and offered.isdisjoint(COUNTED) and "loudspeaker" in offered
    grid = client.get(reverse("reports:grid", args=[campaign.pk, world.committee_a.pk]), {"month": f"{month:%Y-%m}"})
    assert {f.code for f in grid.context["forms"]}.isdisjoint(COUNTED)
    template = client.get(reverse("reports:activity_template", args=[campaign.pk, world.committee_a.pk]))
    listed = [c.value for c in load_workbook(BytesIO(template.content)).worksheets[1]["A"][1:] if c.value]
    typed = campaign.forms.exclude(code__in=COUNTED)
    assert listed == [f.name for f in typed] and "Tờ rơi" in listed
    sheet = load_workbook(BytesIO(template.content)).worksheets[0]
    formulas = sorted(str(v.formula1) for v in sheet.data_validations.dataValidation if v.type == "list")
    assert formulas[0] == f"'Danh mục'!$A$2:$A${typed.count() + 1}"


def test_a_counted_form_posted_by_hand_is_refused_by_the_page_the_grid_and_the_api(world: World) -> None:
    from switchoff.people.services import api_token_create

    campaign = running_campaign(world)
    banner = campaign.forms.get(code="banner")
    day = last_month().replace(day=4)
    client = logged_in(world.reporter_a)
    url = reverse("reports:activities", args=[campaign.pk, world.committee_a.pk])
    posted = client.post(
        url, {"client_key": "k-1", "month": f"{day:%Y-%m}", "date": f"{day:%d/%m/%Y}", "form": banner.pk, "count": 3}
    )
    assert posted.status_code == 200 and posted.context["form"].errors["form"]
    with pytest.raises(ValidationError) as refused:
        services.activities_grid_save(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            medium_by_form={},
            cells={(day, banner): 3},
        )
    assert "do hệ thống tự đếm" in " ".join(refused.value.messages)
    _token, raw = api_token_create(user=world.reporter_a, name="script")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    answer = api.post(
        f"/api/v1/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities",
        {"client_key": "phone-1", "date": day.isoformat(), "form": "shop_inspection", "count": 2},
        content_type="application/json",
    )
    assert answer.status_code == 422 and "kiểm tra cửa hàng" in answer.json()["error"]["message"]
    assert Activity.objects.count() == 0


def test_a_sheet_row_naming_a_counted_form_is_refused_on_its_own_with_the_reason(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=8)
    lines = ["Ngày;Hình thức tuyên truyền;Số lượng", f"{day:%d/%m/%Y};Băng rôn;4", f"{day:%d/%m/%Y};Phát thanh loa;2"]
    parsed = parse_activity_sheet("\n".join(lines).encode(), "so.csv", campaign=campaign, unit=world.committee_a)
    assert [(r.form.code, r.count) for r in parsed.rows] == [("loudspeaker", 2)]
    assert [p.message for p in parsed.problems] == [
        "Dòng 2, cột B: Băng rôn, phướn, banner, pano, áp phích do hệ thống tự đếm từ các lượt treo băng rôn đã ghi "
        "nhận; không nhập tay, để không đếm hai lần."
    ]


def test_a_counted_forms_activity_is_still_shown_in_the_log_and_the_report(world: World) -> None:
    campaign = running_campaign(world)
    day = last_month().replace(day=5)
    log(world, campaign, day, "banner", 6, "banner:placement-1")  # as a banner placement counts it
    client = logged_in(world.reporter_a)
    page = client.get(
        reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]), {"month": f"{day:%Y-%m}"}
    ).content.decode()
    assert "Băng rôn, phướn, banner, pano, áp phích" in page
    report = client.get(reverse("reports:report", args=[campaign.pk, world.committee_a.pk, f"{day:%Y-%m}"]))
    assert "Băng rôn, phướn, banner, pano, áp phích" in report.content.decode()
