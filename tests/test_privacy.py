"""Personal data after the campaign: retention, the daily erasure, what stays (issue 28)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.counts.models import Count
from switchoff.counts.verify import find_differences as differences
from switchoff.fieldwork.models import Case, Visit, VisitPhoto
from switchoff.fieldwork.services import FoundPerson, visit_photo_add, visits_record
from switchoff.privacy import retention
from switchoff.privacy.models import CampaignRetention, Erasure
from switchoff.privacy.services import RetentionError, retention_run, retention_set
from switchoff.reports.aggregate import build_aggregate
from switchoff.reports.counts import count_activity
from switchoff.reports.models import Notification
from switchoff.subscribers.models import Subscriber
from switchoff.subscribers.services import household_confirm, household_dismiss, number_reveal
from tests.conftest import World
from tests.fieldwork_helpers import LIST, import_rows, visit
from tests.reporting import make_campaign
from tests.test_fieldwork_photos import jpeg

END = timezone.localdate() + datetime.timedelta(days=10)
NAMES = ["Nguyễn Văn An", "Nguyễn Thị Hoa", "Trần Văn Bình", "Nguyễn Văn Bảo", "Bà Lò Thị Mai"]
NUMBERS = ["868123456", "868123459", "868123460", "868123457", "912777888"]
KEPT_NAME, KEPT_NUMBER = "Nguyễn Thị Cúc", "868123458"  # Nà Chuông, also in the running campaign of Đông Kinh
# A shop's owner and a poor household's head of the ended campaign's area, and the certificate of An's household.
OTHERS = ["Hoàng Văn Hùng", "977111222", "Lục Văn Sáng", "HN-2026-001", "HN-2026-002"]
# A shop and a household of Đông Kinh, whose campaign runs: they stay.
KEPT_OTHERS = ["Đặng Thị Kim", "966333444", "Vi Văn Tám"]


def _needles() -> list[str]:
    from switchoff.lib.text import fold

    return [*NAMES, *(fold(name) for name in NAMES), *NUMBERS, *OTHERS, *(fold(name) for name in OTHERS)]


def _text_columns() -> list[tuple[type[models.Model], str]]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField, models.JSONField, models.FileField)):
                found.append((model, field.attname))
    return found


def scan_tables(needles: list[str]) -> list[str]:
    """Every text column of every table, read whole: where any needle still is."""
    hits = []
    for model, column in _text_columns():
        for pk, value in model._default_manager.values_list("pk", column):
            text = str(value)
            hits += [f"{model._meta.label}.{column} #{pk}: {n}" for n in needles if n in text]
    return hits


def _files(storage: object, folder: str = "") -> list[str]:
    folders, names = storage.listdir(folder)  # type: ignore[attr-defined]
    found = [f"{folder}{name}" for name in names]
    for sub in folders:
        found += _files(storage, f"{folder}{sub}/")
    return found


def all_files() -> set[str]:
    return {
        f"{alias}:{name}"
        for alias in settings.STORAGES
        if alias != "staticfiles" and _exists(alias)
        for name in _files(storages[alias])
    }


def _exists(alias: str) -> bool:
    try:
        storages[alias].listdir("")
    except (FileNotFoundError, NotImplementedError):
        return False
    return True


def scan_files(needles: list[str], *, besides: frozenset[str] = frozenset()) -> tuple[list[str], int]:
    """Every file of every named storage (the static files apart, and ``besides``: other tests' files there
    before this one started): where a needle is, and how many files."""
    hits, count = [], 0
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        if not _exists(alias):
            continue
        for name in _files(storage):
            if f"{alias}:{name}" in besides:
                continue
            count += 1
            with storage.open(name) as handle:
                data = handle.read()
            hits += [f"{alias}:{name}: {n}" for n in needles if n.encode() in data or n.encode("utf-16-le") in data]
    return hits, count


def _run_campaign(world: World) -> tuple[Campaign, list[FieldFile]]:
    """A campaign over the province ending in ten days, worked door to door, and a longer one of Đông Kinh."""
    today = timezone.localdate()
    ended = make_campaign(world, start_date=today - datetime.timedelta(days=200), end_date=END)
    import_rows(world, LIST, today - datetime.timedelta(days=100))
    cases = {c.name: c for c in Case.objects.select_related("subscriber")}
    an, hoa, binh = cases["Nguyễn Văn An"], cases["Nguyễn Thị Hoa"], cases["Trần Văn Bình"]
    results = visits_record(
        actor=world.member_a,
        visits=[
            visit(an, "agrees", note="Anh Nguyễn Văn An hẹn con trai về, gọi lại 0868123456", consent_photo=True),
            visit(hoa, "moved", moved_to="Ở với con gái, Số 5, Khối 1", reason="Nguyễn Thị Hoa chuyển nhà"),
            visit(binh, "informed", lat=21.85, lon=106.76, consent_location=True, note="Trần Văn Bình"),
            visit(
                None,
                "informed",
                found=FoundPerson(
                    name="Bà Lò Thị Mai",
                    number="0912777888",
                    address="Khối 2, Phường Lương Văn Tri",
                    village_id=world.villages_a[1].pk,
                ),
            ),
        ],
    )
    assert all(r.result == "created" for r in results), results
    photo = visit_photo_add(actor=world.member_a, visit_id=results[0].id, photo_id=uuid.uuid4(), content=jpeg())
    an_sub, hoa_sub = an.subscriber, hoa.subscriber
    assert an_sub is not None and hoa_sub is not None
    household_confirm(actor=world.reporter_a, unit=world.ward_a, subscriber_ids=[an_sub.pk, hoa_sub.pk])
    household_dismiss(
        actor=world.reporter_a,
        unit=world.ward_a,
        search_name="tran van binh",
        address="Số 9, Khối 2, Phường Lương Văn Tri",
    )
    number_reveal(actor=world.leader_a, subscriber=an_sub)
    running = make_campaign(world, start_date=today, end_date=today + datetime.timedelta(days=3 * 365))
    Campaign.objects.filter(pk=running.pk).update(area=world.ward_b, name="Đông Kinh")
    return ended, [photo.photo.file, *_the_rest(world, ended, an)]


def _stored(text: str) -> ContentFile[bytes]:
    """A scan or a photo that shows a person: their name in its bytes, for the scan of every file to find."""
    return ContentFile(b"\xff\xd8\xff\xe0JFIF " + text.encode() + b"\xff\xd9")


def _the_rest(world: World, ended: Campaign, an: Case) -> list[FieldFile]:
    """The campaign's other personal data: a shop's owner and the commitment they signed, the communes' lists of
    poor households, a programme's referral and delivery, a text message and an opt-out, an activity's evidence and
    a banner's photo; and a shop and a household of Đông Kinh."""
    from switchoff.banners.models import Placement
    from switchoff.campaigns.models import CommunicationForm
    from switchoff.programmes.models import Benefit, Delivery, HouseholdCategory, Programme, Referral, Sponsor
    from switchoff.reports.models import Activity
    from switchoff.shops.models import Inspection, Shop
    from switchoff.sms.models import OptOut, SmsBatch, SmsMessage

    today = timezone.localdate()
    subscriber = an.subscriber
    assert subscriber is not None
    hung = ended.start_date + datetime.timedelta(days=1)
    shop = Shop.objects.create(
        unit=world.ward_a, name="Điện thoại Hùng Mai", owner_name="Hoàng Văn Hùng", phone="0977 111 222",
        address="Số 3, Khối 1", created_by=world.reporter_a,
    )  # fmt: skip
    Shop.objects.create(
        unit=world.ward_b, name="Điện thoại Kim", owner_name="Đặng Thị Kim", phone="0966333444",
        created_by=world.reporter_b,
    )  # fmt: skip
    inspection = Inspection.objects.create(
        shop=shop, inspected_on=hung, inspector=world.reporter_a, informed=True, commitment_signed=True,
        note="Ông Hoàng Văn Hùng ký cam kết",
    )  # fmt: skip
    inspection.commitment.save("cam-ket.jpg", _stored("Hoàng Văn Hùng"))
    HouseholdCategory.objects.create(
        unit=world.ward_a, head_name="Nguyễn Văn An", search_name="nguyen van an", category="poor",
        certificate="HN-2026-001", year=today.year, subscriber=subscriber,
    )  # fmt: skip
    HouseholdCategory.objects.create(
        unit=world.ward_a, head_name="Lục Văn Sáng", search_name="luc van sang", address="Khối 4",
        category="near_poor", certificate="HN-2026-002", year=today.year,
    )  # fmt: skip
    HouseholdCategory.objects.create(
        unit=world.ward_b, head_name="Vi Văn Tám", search_name="vi van tam", category="poor", year=today.year
    )
    programme = Programme.objects.create(
        campaign=ended, name="Điện thoại 4G cho hộ nghèo", sponsor=Sponsor.OPERATOR, sponsor_name="Viettel",
        owner=world.operator, benefit=Benefit.FEATURE_PHONE, area=world.province, starts_on=hung, ends_on=END,
        created_by=world.operator_staff,
    )  # fmt: skip
    referral = Referral.objects.create(
        programme=programme, case=an, unit=world.ward_a, household_key=f"s{subscriber.pk}", state="delivered",
        note="Nguyễn Văn An, hộ nghèo", referred_by=world.member_a,
    )  # fmt: skip
    Delivery.objects.create(
        programme=programme, referral=referral, case=an, unit=world.ward_a, household_key=f"s{subscriber.pk}",
        delivered_on=hung, place="Nhà Nguyễn Văn An", imei="356938035643809", recorded_by=world.operator_staff,
    )  # fmt: skip
    batch = SmsBatch.objects.create(
        campaign=ended, operator=world.operator, area=world.ward_a, audience="listed", text="Đổi máy 4G",
        created_by=world.operator_staff,
    )  # fmt: skip
    SmsMessage.objects.create(batch=batch, subscriber=subscriber, msisdn=subscriber.msisdn, state="delivered")
    OptOut.objects.create(operator=world.operator, msisdn=subscriber.msisdn, source="keyword")
    with transaction.atomic():  # planted as the activity services plant it, its counter in the same transaction
        activity = Activity.objects.create(
            campaign=ended, unit=world.ward_a, date=hung, form=CommunicationForm.objects.all()[0], count=1,
            description="Họp dân Khối 4", client_key="evidence-1", created_by=world.reporter_a,
        )  # fmt: skip
        count_activity(activity, activity.count)
    activity.evidence_file.save("hop-dan.jpg", _stored("Lục Văn Sáng"))
    placement = Placement.objects.create(
        id=uuid.uuid4(), campaign=ended, unit=world.ward_a, kind="bang_ron", quantity=1, place=world.ward_a,
        start=hung, recorded_by=world.reporter_a,
    )  # fmt: skip
    placement.photo.save("bang-ron.jpg", _stored("Lục Văn Sáng"))
    return [inspection.commitment, activity.evidence_file, placement.photo]


def _counters() -> dict[tuple[int, str, int], int]:
    totals: dict[tuple[int, str, int], int] = {}
    for unit, key, dimension, delta in Count.objects.values_list("unit_id", "key", "dimension", "delta"):
        totals[(unit, key, dimension)] = totals.get((unit, key, dimension), 0) + delta
    return {k: v for k, v in totals.items() if v}


@pytest.mark.django_db(transaction=True)
def test_past_its_retention_a_campaigns_personal_data_is_nowhere_and_its_figures_stay(world: World) -> None:
    before = frozenset(all_files())
    ended, photos = _run_campaign(world)
    assert scan_tables(_needles()), "the campaign's names and numbers are held before"
    # The scan reads each of them (xdist's workers share one folder of files: they are named, not counted).
    assert len(photos) == 4 and all(stored.storage.exists(str(stored.name)) for stored in photos)
    found = scan_files(["JFIF"], besides=before)[0]
    assert {str(stored.name) for stored in photos} <= {hit.split(":")[1] for hit in found}
    counters, aggregate = _counters(), repr(build_aggregate(campaign=ended, month=END))
    visits, cases = Visit.objects.count(), Case.objects.count()
    assert differences() == []

    # The coordinator's page says what will go: the shop of its area (Đông Kinh's stays), both of its households on
    # the communes' lists (Đông Kinh's stays), the activity's evidence and the banner's photo.
    from tests.conftest import logged_in

    page = logged_in(world.coordinator).get(f"/personal-data/campaigns/{ended.pk}/").content.decode()
    assert "của 1 cửa hàng điện thoại" in page and "của 2 hộ trong danh sách" in page and "2 tệp minh chứng" in page

    day = retention.erase_from(ended)  # 12 months after its end, from the day after
    assert day - END in (datetime.timedelta(days=366), datetime.timedelta(days=367))
    assert retention_run(today=day - datetime.timedelta(days=1)) == []  # the day before: nothing goes
    erasures = retention_run(today=day)
    assert len(erasures) == 1 and erasures[0].campaign_id == ended.pk

    assert scan_tables(_needles()) == []
    assert scan_files(_needles(), besides=before)[0] == []
    assert not any(stored.storage.exists(str(stored.name)) for stored in photos) and not VisitPhoto.objects.exists()
    # The figures stay: every counter, the aggregated report, every case and visit row with its status.
    assert _counters() == counters and differences() == []
    assert repr(build_aggregate(campaign=ended, month=END)) == aggregate
    assert (Visit.objects.count(), Case.objects.count()) == (visits, cases)
    # Cúc lives in Đông Kinh, whose campaign runs: her number and name stay.
    kept = Subscriber.objects.get(name=KEPT_NAME)
    assert kept.msisdn.endswith(KEPT_NUMBER)
    # So do Đông Kinh's shop and poor household.
    assert all(scan_tables([name]) for name in KEPT_OTHERS)
    # The erasure says what, how many, when and by which rule; never who.
    erasure = Erasure.objects.get()
    assert erasure.rule == "campaign_retention" and erasure.files == 4
    assert erasure.rows["subscribers.subscriber"] == 4 and erasure.rows["fieldwork.visit"] == 4
    assert (erasure.rows["shops.shop"], erasure.rows["programmes.householdcategory"]) == (1, 2)
    assert CampaignRetention.objects.get(campaign=ended).erased_at is not None
    # The next day's run erases nothing more.
    assert retention_run(today=day + datetime.timedelta(days=1)) == []


def test_the_coordinator_sets_the_period_within_the_limits_and_is_told_two_weeks_before(world: World) -> None:
    from tests.conftest import logged_in

    today = timezone.localdate()
    campaign = make_campaign(world, start_date=today - datetime.timedelta(days=400), end_date=END)
    client = logged_in(world.coordinator)
    page = client.get(f"/personal-data/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and "12" in page.content.decode()
    refused = client.post(f"/personal-data/campaigns/{campaign.pk}/", {"months": "99"})
    assert refused.status_code == 200 and not CampaignRetention.objects.exists()
    assert "36" in refused.content.decode()  # the limit is named
    saved = client.post(f"/personal-data/campaigns/{campaign.pk}/", {"months": "6"})
    assert saved.status_code == 302 and retention.retention_months(campaign) == 6
    with pytest.raises(RetentionError):
        retention_set(actor=world.coordinator, campaign=campaign, months=0)
    # A reporter of a ward does not set it.
    assert logged_in(world.reporter_a).get(f"/personal-data/campaigns/{campaign.pk}/").status_code in (403, 404)

    day = retention.erase_from(campaign)
    assert retention_run(today=day - datetime.timedelta(days=15)) == [] and not Notification.objects.exists()
    retention_run(today=day - datetime.timedelta(days=14))
    told = Notification.objects.get()
    assert told.user == world.coordinator and day.strftime("%d/%m/%Y") in told.text
    assert told.url == f"/personal-data/campaigns/{campaign.pk}/"
    retention_run(today=day - datetime.timedelta(days=13))
    assert Notification.objects.count() == 1  # told once

    figures = client.get(f"/personal-data/campaigns/{campaign.pk}/figures.xlsx")
    assert figures.status_code == 200 and figures.content[:2] == b"PK"


def _sheets(content: bytes) -> dict[str, list[list[object]]]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


@pytest.mark.django_db(transaction=True)
def test_an_official_answers_a_persons_request_then_erases_them(world: World) -> None:
    from switchoff.audit.models import AuditEvent
    from switchoff.privacy.models import PersonRequest
    from switchoff.subscribers.models import NumberView
    from tests.conftest import logged_in

    before = frozenset(all_files())
    _run_campaign(world)
    counters = _counters()
    client = logged_in(world.coordinator)
    # A clerk types the number as the person wrote it.
    answer = client.post("/personal-data/requests/", {"number": "0868.123.456", "reference": "Đơn số 12/2026"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    made = PersonRequest.objects.get()
    assert "868123456" not in str(PersonRequest.objects.values().get())  # the number only as a digest
    assert NumberView.objects.filter(user=world.coordinator, purpose="request").count() == 1
    assert AuditEvent.objects.filter(action="privacy.person.looked_up", actor=world.coordinator).exists()

    page = client.get(answer["Location"]).content.decode()
    assert "Nguyễn Văn An" in page and "hẹn con trai" in page and "Leader A" in page  # who revealed the number
    # Nobody else sees the answer: another official, a ward's reporter.
    assert logged_in(world.admin).get(answer["Location"]).status_code == 404
    assert logged_in(world.reporter_a).get(answer["Location"]).status_code in (403, 404)
    assert logged_in(world.reporter_a).get("/personal-data/requests/").status_code == 403

    sheets = _sheets(client.get(f"/personal-data/requests/{made.pk}/file.xlsx").content)
    flat = str(sheets)
    assert "Nguyễn Văn An" in flat and "hẹn con trai" in flat and "Leader A" in flat
    kinds = [row[0] for row in next(iter(sheets.values()))[1:]]
    assert len(sheets) == len(kinds) + 1  # a sheet per kind of record, and the summary
    assert AuditEvent.objects.filter(action="privacy.person.exported").count() == 1

    corrected = client.post(
        f"/personal-data/requests/{made.pk}/correct/",
        {"correct-field": "address", "correct-value": "Số 7, Khối 1", "correct-reason": "Người dân báo chuyển nhà"},
    )
    assert corrected.status_code == 302
    assert Subscriber.objects.get(msisdn="+84868123456").address == "Số 7, Khối 1"

    refused = client.post(f"/personal-data/requests/{made.pk}/erase/", {"erase-reason": "Theo đơn"})  # not confirmed
    assert refused.status_code == 302 and Subscriber.objects.filter(msisdn="+84868123456").exists()
    erased = client.post(
        f"/personal-data/requests/{made.pk}/erase/", {"erase-reason": "Theo đơn", "erase-confirm": "on"}
    )
    assert erased.status_code == 302
    client.post(
        f"/personal-data/requests/{made.pk}/erase/", {"erase-reason": "Theo đơn", "erase-confirm": "on"}
    )  # retried
    assert Erasure.objects.filter(rule="person_request").count() == 1
    an = ["Nguyễn Văn An", "nguyen van an", "868123456", "hẹn con trai", "Số 7, Khối 1"]
    assert scan_tables(an) == [] and scan_files(an, besides=before)[0] == []
    assert not VisitPhoto.objects.exists()
    # Everyone else stays, and so do the figures.
    assert Subscriber.objects.filter(name="Nguyễn Thị Hoa").exists()
    assert _counters() == counters and differences() == []


def test_the_audit_page_answers_who_looked_at_a_number_and_what_a_person_looked_at(world: World) -> None:
    from switchoff.audit.models import AuditEvent
    from tests.conftest import logged_in

    import_rows(world, LIST, timezone.localdate() - datetime.timedelta(days=3))
    an = Subscriber.objects.get(msisdn="+84868123456")
    number_reveal(actor=world.leader_a, subscriber=an)
    number_reveal(actor=world.member_a, subscriber=Subscriber.objects.get(msisdn="+84868123459"))
    client = logged_in(world.coordinator)

    page = client.get("/audit/", {"number": "0868 123 456"}).content.decode()
    who = page.split('id="who-looked"')[1].split("</section>")[0]
    assert "Leader A" in who and "Xem số đầy đủ" in who and "Member A" not in who
    # The look-up itself is a search by a full number: logged, with whom it found.
    searched = AuditEvent.objects.get(action="subscribers.number.searched", actor=world.coordinator)
    assert searched.data["matches"] == [an.pk] and searched.data["via"] == "audit"
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    earlier = client.get("/audit/", {"number": "0868123456", "to": yesterday}).content.decode()
    assert "Leader A" not in earlier.split('id="who-looked"')[1].split("</section>")[0]
    wrong = client.get("/audit/", {"number": "12345"}).content.decode()
    assert "không phải số điện thoại Việt Nam" in wrong

    what = client.get("/audit/", {"actor": "member"}).content.decode().split('id="what-looked"')[1]
    what = what.split("</section>")[0]
    assert "Member A" in what and "086****459" in what and "086****456" not in what


def test_the_disclosure_log_is_rolled_up_by_month_after_its_period_and_the_trail_ends(world: World) -> None:
    from switchoff.audit.models import AuditEvent
    from switchoff.privacy.models import DisclosureMonth
    from switchoff.privacy.services import disclosure_log_roll_up
    from switchoff.subscribers.models import NumberView

    today = datetime.date(2026, 12, 7)
    old = timezone.make_aware(datetime.datetime(2024, 11, 20, 10))  # more than 24 months before December 2026
    recent = timezone.make_aware(datetime.datetime(2024, 12, 2, 10))
    for at, ids in ((old, [1, 2, 3]), (old, [4]), (recent, [5])):
        view = NumberView.objects.create(user=world.leader_a, purpose="reveal", subscriber_ids=ids)
        NumberView.objects.filter(pk=view.pk).update(at=at)
    AuditEvent.objects.create(action="people.user.logged_in", actor=world.leader_a)
    AuditEvent.objects.filter().update(at=timezone.make_aware(datetime.datetime(2021, 11, 30, 10)))
    expired = AuditEvent.objects.count()
    AuditEvent.objects.create(action="people.user.logged_in", actor=world.leader_a)

    assert disclosure_log_roll_up(today=today, batch=1) == (2, expired)
    assert list(NumberView.objects.values_list("subscriber_ids", flat=True)) == [[5]]
    month = DisclosureMonth.objects.get()
    assert (month.user, month.month, month.purpose, month.views, month.people) == (
        world.leader_a,
        datetime.date(2024, 11, 1),
        "reveal",
        2,
        4,
    )
    assert AuditEvent.objects.count() == 1
    assert disclosure_log_roll_up(today=today) == (0, 0)


def test_an_official_finds_the_person_by_their_name_without_diacritics_and_picks_them(world: World) -> None:
    from switchoff.privacy.models import PersonRequest
    from tests.conftest import logged_in

    import_rows(world, LIST, timezone.localdate() - datetime.timedelta(days=3))
    client = logged_in(world.coordinator)
    listed = client.post("/personal-data/requests/", {"number": "nguyen van an", "reference": "Đơn 3"})
    page = listed.content.decode()
    assert listed.status_code == 200 and "Nguyễn Văn An" in page and "086****456" in page
    assert "0868123456" not in page and "+84868123456" not in page and "Nguyễn Thị Hoa" not in page
    an = Subscriber.objects.get(msisdn="+84868123456")
    picked = client.post(
        "/personal-data/requests/", {"number": "nguyen van an", "reference": "Đơn 3", "pick": f"s{an.pk}"}
    )
    assert picked.status_code == 302 and PersonRequest.objects.get().subscriber_ids == [an.pk]
    # A pick outside the official's area is refused (a ward's subscriber asked by another ward's official cannot be).
    assert "Số 5, Khối 1" in client.get(picked["Location"]).content.decode()
    refused = client.post("/personal-data/requests/", {"number": "x", "pick": "s999999"})
    assert refused.status_code == 200 and PersonRequest.objects.count() == 1


# Fields that look like a person's data, and the models holding them that are not the people of a campaign.
PERSONAL_LOOKING = {
    "name", "full_name", "search_name", "msisdn", "msisdn_original", "phone", "address", "imei", "note",
    "found_name", "found_msisdn", "found_address", "moved_to", "owner_name", "owner_phone", "owner", "recipient",
}  # fmt: skip
NOT_A_CAMPAIGNS_PEOPLE = {
    "people.user": "the officials and team members who use switchoff (their accounts, not the people visited)",
    "people.apitoken": "a token's name",
    "units.unitkind": "a kind of unit",
    "units.unit": "a unit's name",
    "campaigns.campaign": "a campaign's name",
    "campaigns.medium": "a medium of the catalogue",
    "campaigns.communicationform": "a form of the catalogue",
    "devices.devicemodel": "a phone model",
    "devices.devicemodelversion": "a phone model",
    "fieldwork.fielddevice": "a phone's name",
    "auth.permission": "Django's",
    "auth.group": "Django's",
    "otp_totp.totpdevice": "an official's authenticator",
    "library.materialversion": "the campaign's own materials (scripts, leaflets)",
    "programmes.programme": "a programme's name and the operator branch that runs it",
    "shops.inspectionitem": "the IMEI of a phone on a shop's shelf, not of a person's phone",
}


def test_every_model_holding_what_looks_like_a_persons_data_declares_its_personal_fields() -> None:
    """A new kind of personal data (programmes, shops' owners, messages, scans) gets its retention when it is built:
    its app declares it in its ``personal.py``, or it is named here with why it is not a campaign's people."""
    from switchoff.privacy.registry import declared

    declared_keys = {entry.key for entry in declared()}
    missing = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = [
            f.name for f in model._meta.concrete_fields if f.name in PERSONAL_LOOKING or isinstance(f, models.FileField)
        ]
        label = model._meta.label_lower
        if fields and label not in declared_keys and label not in NOT_A_CAMPAIGNS_PEOPLE:
            missing.append(f"{label}: {fields}")
    assert missing == [], "declare these in the app's personal.py (privacy.registry), or say why not here"
    for entry in declared():
        for name in [*entry.erase, *entry.files]:
            entry.model._meta.get_field(name)  # a declared field that was renamed fails here


@pytest.mark.django_db(transaction=True)
def test_erased_a_row_at_a_time_the_campaign_leaves_nothing_either(world: World) -> None:
    """The job erases in chunks, each its own transaction: a household split over two chunks goes all the same."""
    from switchoff.privacy.services import campaign_erase

    before = frozenset(all_files())
    ended, _photos = _run_campaign(world)
    counters = _counters()
    campaign_erase(campaign=ended, today=retention.erase_from(ended), chunk_size=1)
    assert scan_tables(_needles()) == [] and scan_files(_needles(), besides=before)[0] == []
    assert _counters() == counters and differences() == []
    assert Subscriber.objects.get(name=KEPT_NAME).msisdn.endswith(KEPT_NUMBER)


def test_the_worker_erases_and_rolls_up_on_its_schedule(world: World) -> None:
    from switchoff.schedule import erase_expired_personal_data, roll_up_disclosure_log

    # Daily: 01:10 UTC (08:10 in Vietnam) and 19:40 UTC (02:40).
    assert erase_expired_personal_data.task_class.validate_datetime(None, datetime.datetime(2026, 1, 5, 1, 10))
    assert not erase_expired_personal_data.task_class.validate_datetime(None, datetime.datetime(2026, 1, 5, 2, 10))
    assert roll_up_disclosure_log.task_class.validate_datetime(None, datetime.datetime(2026, 1, 5, 19, 40))
    today = timezone.localdate()
    ended = make_campaign(
        world, start_date=today - datetime.timedelta(days=900), end_date=today - datetime.timedelta(days=400)
    )
    import_rows(world, LIST, today - datetime.timedelta(days=3))  # listed since; the campaign's own are older
    erase_expired_personal_data.call_local()
    assert Erasure.objects.get().campaign == ended and CampaignRetention.objects.get().erased_at is not None
    roll_up_disclosure_log.call_local()


@pytest.mark.django_db(transaction=True)
def test_a_shop_owner_is_found_by_their_phone_as_written_and_erased_with_their_signed_commitment(
    world: World,
) -> None:
    from switchoff.privacy.person import held
    from switchoff.privacy.services import person_erase, person_lookup, request_scope
    from switchoff.shops.models import Inspection, Shop

    shop = Shop.objects.create(
        unit=world.ward_a, name="Điện thoại Hùng Mai", owner_name="Hoàng Văn Hùng", phone="0977.111.222",
        address="Số 3, Khối 1", created_by=world.reporter_a,
    )  # fmt: skip
    inspection = Inspection.objects.create(
        shop=shop, inspected_on=timezone.localdate(), inspector=world.reporter_a, commitment_signed=True
    )
    inspection.commitment.save("cam-ket.jpg", _stored("Hoàng Văn Hùng"))
    scan = inspection.commitment.name

    request = person_lookup(actor=world.coordinator, number="+84 977 111 222", reference="Đơn 7")
    assert request.shop_ids == [shop.pk] and request.subscriber_ids == []
    kinds = {kind.key: kind.rows for kind in held(request_scope(request))}
    assert kinds["shops.shop"][0][1:3] == ["Hoàng Văn Hùng", "0977.111.222"] and kinds["shops.inspection"][0][3] == scan
    # An official of another ward does not find them.
    assert person_lookup(actor=world.reporter_b, number="0977111222", reference="").shop_ids == []

    erasure = person_erase(actor=world.coordinator, request=request, reason="Theo đơn")
    assert (erasure.rows["shops.shop"], erasure.rows["shops.inspection"], erasure.files) == (1, 1, 1)
    shop.refresh_from_db()
    inspection.refresh_from_db()
    assert (shop.owner_name, shop.phone, shop.name, inspection.commitment.name) == ("", "", "Điện thoại Hùng Mai", "")
    assert inspection.commitment_signed and not inspection.commitment.storage.exists(str(scan))


@pytest.mark.django_db
def test_who_looked_at_a_number_is_read_through_its_index_on_postgresql(world: World) -> None:
    from django.db import connection

    from switchoff.privacy.person import views_naming
    from switchoff.subscribers.models import NumberView

    if connection.vendor != "postgresql":
        pytest.skip("the GIN index is PostgreSQL's (SQLite in development reads the rows)")
    NumberView.objects.bulk_create(
        NumberView(user=world.member_a, purpose="field", subscriber_ids=list(range(n, n + 500)))
        for n in range(0, 20_000, 500)
    )
    assert views_naming(frozenset({700, 19_999})).count() == 2
    with connection.cursor() as cursor:
        # A table this small is cheaper to read whole: the test asks whether the index answers the query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = views_naming(frozenset({700, 19_999})).explain()
    assert "number_view_subscriber_ids" in plan and "Seq Scan" not in plan, plan


def test_a_shop_owner_is_found_by_their_name_without_diacritics_and_picked(world: World) -> None:
    from switchoff.privacy.models import PersonRequest
    from switchoff.shops.models import Shop
    from tests.conftest import logged_in

    shop = Shop.objects.create(
        unit=world.ward_a, name="Điện thoại Hùng Mai", owner_name="Hoàng Văn Hùng", phone="0977 111 222",
        created_by=world.reporter_a,
    )  # fmt: skip
    Shop.objects.create(unit=world.ward_b, name="Khác", owner_name="Hoàng Văn Hùng", phone="0966333444",
                        created_by=world.reporter_b)  # fmt: skip
    client = logged_in(world.reporter_a)
    assert client.post("/personal-data/requests/", {"number": "hoang van hung"}).status_code == 403
    client = logged_in(world.coordinator)
    listed = client.post("/personal-data/requests/", {"number": "hoang van hung", "reference": "Đơn 9"})
    page = listed.content.decode()
    assert "Điện thoại Hùng Mai" in page and "097****222" in page and "0977 111 222" not in page
    picked = client.post(
        "/personal-data/requests/", {"number": "hoang van hung", "reference": "Đơn 9", "pick": f"p{shop.pk}"}
    )
    assert picked.status_code == 302 and shop.pk in PersonRequest.objects.get().shop_ids
