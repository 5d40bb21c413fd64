"""Issue 23, findings 1, 6 and 12: a clerk's own sheet is read as written, taught the clerk's words, and a
logged activity has one identity across the form, the grid and the sheet, so figures never double."""

from __future__ import annotations

import datetime
from io import BytesIO
from typing import Any

from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from switchoff.campaigns.models import Campaign, CatalogueSynonym
from switchoff.reports import services
from switchoff.reports.models import Activity, ActivitySheetMapping, Notification
from switchoff.reports.spreadsheets import parse_activity_sheet
from tests.conftest import World, logged_in
from tests.reporting import make_campaign

NOVEMBER = datetime.date(2024, 11, 1)


def campaign_of(world: World) -> Campaign:
    # A long lock, so that November 2024 can still be logged into.
    return make_campaign(world, lock_days=3000)


def clerk_sheet(*, broadcasts: tuple[str | int, ...] = ("2 lượt", 3), meeting: str | int = "1 buổi") -> bytes:
    """The clerk's sheet of the trial: title rows with the month, STT, forms in the clerk's own words, dates as
    "01/11" or a day number, counts with their unit word, a totals row and a signature block with names."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "T11"
    sheet.append(["ỦY BAN NHÂN DÂN PHƯỜNG LƯƠNG VĂN TRI"])
    sheet.append(["BẢNG TỔNG HỢP KẾT QUẢ TUYÊN TRUYỀN DỪNG CÔNG NGHỆ 2G"])
    sheet.append(["THÁNG 11/2024"])
    sheet.append([])
    sheet.append(["STT", "Ngày", "Hình thức tuyên truyền", "Phương tiện", "Số lượng", "Ghi chú"])
    sheet.append([1, "01/11", "Phát thanh loa", "Loa truyền thanh", broadcasts[0], "Bản tin sáng"])
    sheet.append([2, 5, "Phát tờ rơi", None, 4, "Ngã tư Lương Văn Tri"])
    sheet.append([3, "12/11", "Đăng bài trên cổng TTĐT", "Cổng TTĐT", "1 bài", "Bài về lộ trình dừng 2G"])
    sheet.append([4, 20, "Họp dân", None, meeting, "Khối 3"])
    sheet.append([5, "25/11", "Phát thanh loa", None, broadcasts[1], ""])
    sheet.append([None, None, "Tổng cộng", None, None, None])
    sheet.append([])
    sheet.append(["Người lập biểu", None, None, None, "TM. ỦY BAN NHÂN DÂN"])
    sheet.append([None, None, None, None, "CHỦ TỊCH"])
    sheet.append(["(Ký, ghi rõ họ tên)", None, None, None, "(Ký, đóng dấu)"])
    sheet.append([])
    sheet.append(["Nguyễn Thị Hoa", None, None, None, "Hoàng Văn Nam"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Client, url: str, content: bytes, name: str = "bao-cao-t11.xlsx") -> Any:
    handle = BytesIO(content)
    handle.name = name
    return client.post(url, {"file": handle})


def taught(check: Any, campaign: Campaign) -> dict[str, str]:
    """The check page's teach fields, answered as the clerk would: what each of their words means."""
    meaning = {
        "phat to roi": ("form", campaign.forms.get(code="leaflet").pk),
        "dang bai tren cong ttdt": ("form", campaign.forms.get(code="website_article").pk),
        "cong ttdt": ("medium", campaign.media.get(name="Trang thông tin điện tử").pk),
    }
    data = {"teach-n": str(len(check.context["teach"]))}
    for index, words, text, kind, _chosen in check.context["teach"]:
        data |= {f"teach-{index}-words": words, f"teach-{index}-text": text, f"teach-{index}-kind": kind}
        data[f"teach-{index}-target"] = str(meaning[words][1]) if words in meaning else ""
    return data


def totals(campaign: Campaign, world: World) -> dict[str, int]:
    rows = (
        Activity.objects.filter(campaign=campaign, unit=world.committee_a, date__month=11)
        .values("form__code")
        .annotate(n=Sum("count"))
    )
    return {row["form__code"]: row["n"] for row in rows}


def check_and_confirm(client: Client, url: str, content: bytes, campaign: Campaign) -> tuple[Any, Any]:
    first = upload(client, url, content)
    base = {"upload_id": first.context["upload_id"], "file_name": "bao-cao-t11.xlsx", "sheet": "0", "header_row": "4"}
    base |= {f"map-{name}": str(column) for name, column in first.context["parsed"].mapping.columns.items()}
    if first.context["teach"]:
        base |= taught(first, campaign)
    check = client.post(url, {**base, "check": "1"})
    done = client.post(
        url,
        {**base, "confirm": "1", "expected": check.context["expected"], "import_key": check.context["import_key"]},
    )
    return check, done


# Finding 6: the clerk's own sheet, as written ----------------------------------------------------------


def test_the_clerks_sheet_reads_its_dates_counts_and_signatures_and_names_only_its_unknown_words(
    world: World,
) -> None:
    campaign = campaign_of(world)
    parsed = parse_activity_sheet(clerk_sheet(), "t11.xlsx", campaign=campaign, unit=world.committee_a)
    assert parsed.title_month == (11, 2024)
    # Dates "01/11" and "5" under "THÁNG 11/2024", "2 lượt", "1 buổi": read. The signatures and the names
    # under "Người lập biểu" are not rows. Only the clerk's own words the import cannot know are problems.
    assert [(r.row, r.day, r.form.code, r.count) for r in parsed.rows] == [
        (6, datetime.date(2024, 11, 1), "loudspeaker", 2),
        (9, datetime.date(2024, 11, 20), "meeting", 1),
        (10, datetime.date(2024, 11, 25), "loudspeaker", 3),
    ]
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [
        (7, "C", "activity_form"),
        (8, "C", "activity_form"),
        (8, "D", "activity_medium"),
    ]
    assert parsed.unknown_forms == {
        "phat to roi": "Phát tờ rơi",
        "dang bai tren cong ttdt": "Đăng bài trên cổng TTĐT",
    }
    assert parsed.unknown_media == {"cong ttdt": "Cổng TTĐT"}


def test_a_title_without_a_year_and_a_count_in_another_unit(world: World) -> None:
    campaign = campaign_of(world)
    content = "Tháng 11\nNgày;Hình thức;Số lượng\n2;Phát thanh loa;3 bài\n3;Phát thanh loa;3 lần\n7;Họp dân;2\n"
    parsed = parse_activity_sheet(content.encode(), "t11.csv", campaign=campaign, unit=world.committee_a)
    # The month from the title, the year the campaign's; "3 bài" is not a number of broadcasts.
    assert [(r.day, r.count) for r in parsed.rows] == [(datetime.date(2024, 11, 3), 3), (datetime.date(2024, 11, 7), 2)]
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(3, "C", "activity_count_unit")]
    bare = parse_activity_sheet(
        b"Ngay;Hinh thuc;So luong\n2;Phat thanh loa;3\n", "t.csv", campaign=campaign, unit=world.committee_a
    )
    assert [p.code for p in bare.problems] == ["activity_date_day"]


def test_the_reporter_teaches_the_import_their_words_remembered_for_the_unit_and_proposed(world: World) -> None:
    from switchoff.campaigns.models import SynonymProposal

    campaign = campaign_of(world)
    world.coordinator.email = "c@example.vn"
    world.coordinator.save()
    client = logged_in(world.reporter_a)
    url = reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk])
    check, done = check_and_confirm(client, url, clerk_sheet(), campaign)
    assert check.context["parsed"].problems == [] and len(check.context["parsed"].rows) == 5
    # Back to the log of the month the rows fall in.
    assert done.status_code == 302 and done["Location"].endswith("?month=2024-11")
    assert totals(campaign, world) == {"loudspeaker": 5, "leaflet": 4, "website_article": 1, "meeting": 1}
    # Remembered for the unit's next file, proposed to the coordinator, who is told.
    memory = ActivitySheetMapping.objects.get(unit=world.committee_a)
    assert memory.forms["phat to roi"] == campaign.forms.get(code="leaflet").pk
    assert memory.media["cong ttdt"] == campaign.media.get(name="Trang thông tin điện tử").pk
    proposals = SynonymProposal.objects.filter(campaign=campaign, unit=world.committee_a)
    assert sorted(p.text for p in proposals) == ["Cổng TTĐT", "Phát tờ rơi", "Đăng bài trên cổng TTĐT"]
    told = Notification.objects.get(user=world.coordinator)
    assert "Phát tờ rơi" in told.text and told.url == reverse("campaigns:synonyms", args=[campaign.pk])
    # The next file of the unit needs no teaching.
    again = parse_activity_sheet(clerk_sheet(), "t11.xlsx", campaign=campaign, unit=world.committee_a)
    assert again.problems == [] and again.unknown_forms == {}
    # Another unit's file does not know them until the coordinator makes them the campaign's.
    other = parse_activity_sheet(clerk_sheet(), "t11.xlsx", campaign=campaign, unit=world.committee_b)
    assert "phat to roi" in other.unknown_forms
    coordinator = logged_in(world.coordinator)
    synonyms = reverse("campaigns:synonyms", args=[campaign.pk])
    assert "Phát tờ rơi" in coordinator.get(synonyms).content.decode()
    banner = proposals.get(words="phat to roi")
    coordinator.post(synonyms, {"accept": banner.pk})
    coordinator.post(synonyms, {"dismiss": proposals.get(words="cong ttdt").pk})
    assert CatalogueSynonym.objects.filter(campaign=campaign, words="phat to roi").exists()
    assert not CatalogueSynonym.objects.filter(campaign=campaign, words="cong ttdt").exists()
    assert SynonymProposal.objects.filter(campaign=campaign).count() == 1
    other = parse_activity_sheet(clerk_sheet(), "t11.xlsx", campaign=campaign, unit=world.committee_b)
    assert "phat to roi" not in other.unknown_forms


# Finding 1: one identity; a sheet imported again replaces; a grid cell is not added to ----------------------


def test_a_corrected_sheet_imported_again_replaces_what_the_first_import_brought(world: World) -> None:
    from switchoff.reports.models import ActivityImport

    campaign = campaign_of(world)
    client = logged_in(world.reporter_a)
    url = reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk])
    check_and_confirm(client, url, clerk_sheet(), campaign)
    assert totals(campaign, world)["loudspeaker"] == 5 and totals(campaign, world)["meeting"] == 1
    # The clerk corrects the sheet (37 and 3 broadcasts, 3 meetings) and imports it again.
    corrected = clerk_sheet(broadcasts=("37 lượt", 3), meeting=3)
    check, done = check_and_confirm(client, url, corrected, campaign)
    page = check.content.decode()
    first = ActivityImport.objects.order_by("pk").first()
    assert first is not None
    day = timezone.localtime(first.imported_at).strftime("%d/%m/%Y")
    assert f"thay thế 5 dòng của lần nhập ngày {day} do Reporter A" in page, page[page.find("import-replaces") :][:600]
    assert done.status_code == 302
    # 40 broadcasts and 3 meetings: the corrected sheet's figures, not 45 and 4.
    assert totals(campaign, world) == {"loudspeaker": 40, "leaflet": 4, "website_article": 1, "meeting": 3}
    # The same sheet once more leaves the figures as they were.
    check_and_confirm(client, url, corrected, campaign)
    assert totals(campaign, world) == {"loudspeaker": 40, "leaflet": 4, "website_article": 1, "meeting": 3}
    assert ActivityImport.objects.count() == 3 and Activity.objects.filter(sheet_import=first).count() == 0


def test_a_sheet_row_matching_a_grid_cell_is_flagged_at_the_check_never_silently_added(world: World) -> None:
    campaign = campaign_of(world)
    loudspeaker = campaign.forms.get(code="loudspeaker")
    # The grid's cell of 01/11 holds 2 broadcasts; the clerk's sheet has the same 2 on that day.
    services.activities_grid_save(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        medium_by_form={loudspeaker.pk: loudspeaker.media.first()},
        cells={(datetime.date(2024, 11, 1), loudspeaker): 2},
    )
    client = logged_in(world.reporter_a)
    url = reverse("reports:activity_import", args=[campaign.pk, world.committee_a.pk])
    check, _done = check_and_confirm(client, url, clerk_sheet(), campaign)
    assert list(check.context["parsed"].matches) == [6]
    assert 'id="import-matches"' in check.content.decode()
    day = Activity.objects.filter(campaign=campaign, date=datetime.date(2024, 11, 1), form=loudspeaker)
    assert day.aggregate(n=Sum("count"))["n"] == 2  # 2, not 2 + 2
    assert totals(campaign, world)["loudspeaker"] == 5
    # Said to be another activity, it is logged too.
    services.activities_import(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        rows=check.context["parsed"].rows,
        client_key="again",
        also={6},
    )
    assert day.aggregate(n=Sum("count"))["n"] == 4


def test_activities_already_imported_get_their_identity_and_are_replaced_by_the_next_import(world: World) -> None:
    """The data migration: rows an earlier version imported (keys "sheet:<campaign>:<unit>:<digest>:<row>")."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from switchoff.reports.models import ActivityImport

    migration = importlib.import_module("switchoff.reports.migrations.0005_activity_identity_and_review")
    campaign = campaign_of(world)
    loudspeaker = campaign.forms.get(code="loudspeaker")
    for row, count in ((6, 2), (10, 3)):
        services.activity_create(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            day=datetime.date(2024, 11, row),
            form=loudspeaker,
            count=count,
            client_key=f"sheet:{campaign.pk}:{world.committee_a.pk}:abc123:{row}",
        )
    services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=datetime.date(2024, 11, 2),
        form=loudspeaker,
        count=1,
        client_key=f"grid:{campaign.pk}:{world.committee_a.pk}:20241102:{loudspeaker.pk}",
    )
    migration.give_identity(apps, connection.schema_editor())
    assert dict(Activity.objects.values_list("client_key", "source")) == {
        f"sheet:{campaign.pk}:{world.committee_a.pk}:abc123:6": "sheet",
        f"sheet:{campaign.pk}:{world.committee_a.pk}:abc123:10": "sheet",
        f"grid:{campaign.pk}:{world.committee_a.pk}:20241102:{loudspeaker.pk}": "grid",
    }
    imported = ActivityImport.objects.get()
    assert (imported.digest, imported.months, imported.rows) == ("abc123", ["2024-11"], 2)
    parsed = parse_activity_sheet(clerk_sheet(), "t11.xlsx", campaign=campaign, unit=world.committee_a)
    assert [r.rows for r in parsed.replaces] == [2]
