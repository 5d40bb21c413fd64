"""Every URL and every API operation, walked as the reporter of another ward.

A new URL pattern or API operation that is not listed here makes this test
fail, so a page cannot be added without deciding how it is protected.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from switchoff.api.root import api
from switchoff.people.models import ApiToken
from switchoff.people.services import api_token_create
from tests.conftest import World, logged_in
from tests.exporting import content, export

if TYPE_CHECKING:
    from switchoff.banners.models import Placement
    from switchoff.campaigns.models import Campaign
    from switchoff.fieldwork.models import Case, FieldDevice, VisitPhoto
    from switchoff.library.models import Material
    from switchoff.programmes.models import Programme, Referral
    from switchoff.reports.models import Activity
    from switchoff.shops.models import Inspection, Shop
    from switchoff.sms.models import SmsBatch
    from switchoff.subscribers.models import ImportJob, Subscriber

    class Walk(World):
        """What the ``walk`` fixture hands out: the world and the objects of ward A made for the walk."""

        campaign: Campaign
        activity: Activity
        campaign_b: Campaign
        subscriber_a: Subscriber
        job: ImportJob
        case_a: Case
        device_a: FieldDevice
        photo_a: VisitPhoto
        programme_a: Programme
        referral_a: Referral
        shop_a: Shop
        inspection_a: Inspection
        placement_a: Placement
        material_a: Material
        sms_batch: SmsBatch


# Pages open to anyone (they show nothing of any unit).
PUBLIC = {
    # Operations: whether the site works (no data of anyone), and Prometheus's metrics behind a bearer token.
    "ops:health",
    "ops:live",
    "ops:metrics",
    "people:login",
    "people:login_verify",
    "people:logout",
    "people:language",
    "people:link",
    "api:openapi-json",
    "api:openapi-view",
    # The device check: anyone, no unit's data (checked below to show nothing of the registry).
    "devices:check",
    # The field app's shell, manifest and service worker: the same for everyone, no one's data
    # (tests/test_fieldapp.py); its data comes from the field API with the device token.
    "fieldapp:shell",
    "fieldapp:manifest",
    "fieldapp:service_worker",
    # Revokes the device whose token it is given, nothing else (tests/test_fieldapp.py).
    "fieldapp:logout",
    # Answers 204, with Clear-Site-Data for a phone's own device token: nothing of anyone (tests/test_field_sync.py).
    "fieldapp:signed_out",
}

# Pages about the signed-in user only; checked for not leaking ward A below.
SELF = {
    "web:home",
    "web:notifications",
    "web:notifications_read",
    "people:account",
    "people:password_change",
    "people:two_factor_setup",
    "people:two_factor_remove",
    "people:token_create",
    # A bulk file of IMEIs: answered from the device table only, nothing of any unit.
    "devices:bulk",
    # "Use this phone for field work": a device of the signed-in member, for their own cases.
    "fieldapp:enrol",
    # Sends the person to the dashboard of their own unit.
    "dashboard:home",
}


def _unit_target(pick: Callable[[World], Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"unit_id": pick(w).pk}


# Pages addressed to an object of ward A: the outsider must get 403 or 404.
# name -> (method, kwargs builder)
def _export_of_a(w: Walk) -> int:
    """An export of ward A, made for its coordinator and ready to download."""
    from switchoff.subscribers.models import ExportJob

    made, _new = ExportJob.objects.get_or_create(
        created_by=w.coordinator, unit=w.ward_a, defaults={"status": ExportJob.Status.DONE, "stored": "exports/x"}
    )
    return made.pk


def _target_of_a(w: Walk) -> int:
    """A target the coordinator set for ward A's dashboard."""
    from switchoff.dashboard.models import Target

    made, _new = Target.objects.get_or_create(
        campaign=w.campaign, unit=w.ward_a, operator=None, day=w.campaign.start_date, defaults={"listed": 10}
    )
    return made.pk


def _person_request(w: Walk) -> int:
    """A request looked up by the coordinator (nobody else may read or act on it)."""
    from switchoff.privacy.models import PersonRequest

    made, _new = PersonRequest.objects.get_or_create(by=w.coordinator, defaults={"number_digest": "0" * 64})
    return made.pk


GUARDED: dict[str, tuple[str, Callable[[Walk], dict[str, Any]]]] = {
    "units:detail": ("get", _unit_target(lambda w: w.ward_a)),
    "units:add_child": ("post", _unit_target(lambda w: w.ward_a)),
    "units:edit": ("post", _unit_target(lambda w: w.ward_a)),
    "units:merge": ("post", _unit_target(lambda w: w.ward_a)),
    "units:coverage": ("post", _unit_target(lambda w: w.team_a)),
    "units:workbook_export": ("get", _unit_target(lambda w: w.ward_a)),
    "units:workbook_import": ("post", _unit_target(lambda w: w.ward_a)),
    "units:kinds": ("get", lambda w: {}),
    "units:kind_edit": ("post", lambda w: {"kind_id": w.ward_a.kind_id}),
    "people:invite": ("post", lambda w: {}),
    "people:person": ("get", lambda w: {"person_id": w.reporter_a.pk}),
    "people:reset_link": ("post", lambda w: {"person_id": w.reporter_a.pk}),
    "people:revoke": (
        "post",
        lambda w: {"person_id": w.reporter_a.pk, "membership_id": w.reporter_a.memberships.get().pk},
    ),
    "people:token_revoke": ("post", lambda w: {"token_id": ApiToken.objects.get(user=w.reporter_a).pk}),
    "banners:unit": ("get", _unit_target(lambda w: w.ward_a)),
    "banners:record": ("post", _unit_target(lambda w: w.committee_a)),
    "banners:take_down": ("post", lambda w: {"placement_id": w.placement_a.pk}),
    "banners:photo": ("get", lambda w: {"placement_id": w.placement_a.pk}),
    # The library of the campaign only ward A's area runs.
    "library:list": ("get", lambda w: {"campaign_id": w.campaign_b.pk}),
    "library:new": ("post", lambda w: {"campaign_id": w.campaign_b.pk}),
    "library:material": ("get", lambda w: {"material_id": w.material_a.pk}),
    "library:remind": ("post", lambda w: {"material_id": w.material_a.pk}),
    "library:download": ("post", lambda w: {"version_id": w.material_a.versions.get().pk}),
    # SMS: only the operator's own staff (the outsider, another ward's reporter, is not).
    "sms:compose": ("post", lambda w: {"operator_id": w.operator.pk}),
    "sms:preview": ("get", lambda w: {"operator_id": w.operator.pk}),
    "sms:batch": ("get", lambda w: {"batch_id": w.sms_batch.pk}),
    "sms:opt_outs": ("post", lambda w: {"operator_id": w.operator.pk}),
    "sms:case": ("get", lambda w: {"case_id": w.case_a.pk}),
    "audit:list": ("get", lambda w: {}),
    "campaigns:detail": ("get", lambda w: {"campaign_id": w.campaign_b.pk}),
    "campaigns:create": ("post", lambda w: {}),
    "subscribers:detail": ("get", lambda w: {"subscriber_id": w.subscriber_a.pk}),
    # An export ward A's coordinator made: only its maker downloads it.
    "subscribers:export_download": ("get", lambda w: {"export_id": _export_of_a(w)}),
    "subscribers:reveal": ("post", lambda w: {"subscriber_id": w.subscriber_a.pk}),
    "subscribers:assign": ("post", lambda w: {"subscriber_id": w.subscriber_a.pk}),
    "subscribers:import": ("post", lambda w: {}),
    "subscribers:job": ("get", lambda w: {"job_id": w.job.pk}),
    "subscribers:job_confirm": ("post", lambda w: {"job_id": w.job.pk}),
    "subscribers:job_rejected": ("get", lambda w: {"job_id": w.job.pk}),
    "subscribers:job_cancel": ("post", lambda w: {"job_id": w.job.pk}),
    "subscribers:job_restart": ("post", lambda w: {"job_id": w.job.pk}),
    "campaigns:rule": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "privacy:retention": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "privacy:figures": ("get", lambda w: {"campaign_id": w.campaign.pk}),
    # A person's request: only who answers requests, and each answer only to the official who looked it up.
    "privacy:requests": ("post", lambda w: {}),
    "privacy:request": ("get", lambda w: {"request_id": _person_request(w)}),
    "privacy:request_file": ("get", lambda w: {"request_id": _person_request(w)}),
    "privacy:request_correct": ("post", lambda w: {"request_id": _person_request(w)}),
    "privacy:request_erase": ("post", lambda w: {"request_id": _person_request(w)}),
    "campaigns:assignments": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "campaigns:catalogue": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "campaigns:synonyms": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "reports:activities": ("get", lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk}),
    "reports:grid": ("get", lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk}),
    "reports:activity_import": ("post", lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk}),
    "reports:activity_template": ("get", lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk}),
    "reports:activity_evidence": (
        "get",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk, "activity_id": w.activity.pk},
    ),
    "reports:activity_delete": (
        "post",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk, "activity_id": w.activity.pk},
    ),
    "reports:report": (
        "get",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk, "month": "2024-07"},
    ),
    "reports:review": (
        "post",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk, "month": "2024-07", "action": "accept"},
    ),
    "reports:submit": (
        "get",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk, "month": "2024-07"},
    ),
    "reports:ask_return": (
        "post",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.committee_a.pk, "month": "2024-07"},
    ),
    "reports:completeness": ("get", lambda w: {"campaign_id": w.campaign.pk}),
    "reports:level_submit": (
        "post",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.province.pk, "month": "2024-07"},
    ),
    "reports:level_review": (
        "post",
        lambda w: {"campaign_id": w.campaign.pk, "unit_id": w.province.pk, "month": "2024-07", "action": "accept"},
    ),
    "reports:remind": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "reports:accept_many": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "devices:import": ("post", lambda w: {}),
    "devices:support": ("post", lambda w: {"campaign_id": w.campaign.pk}),
    "reports:aggregate": ("get", lambda w: {"campaign_id": w.campaign.pk, "month": "2024-07", "fmt": "xlsx"}),
    "fieldwork:case": ("get", lambda w: {"case_id": w.case_a.pk}),
    "fieldwork:case_call": ("post", lambda w: {"case_id": w.case_a.pk}),
    "fieldwork:case_visit": ("post", lambda w: {"case_id": w.case_a.pk}),
    "fieldwork:case_resolve": ("post", lambda w: {"case_id": w.case_a.pk}),
    "fieldwork:photo": ("get", lambda w: {"photo_id": w.photo_a.pk}),
    "fieldwork:team": ("get", lambda w: {"team_id": w.team_a.pk}),
    "fieldwork:team_members": ("post", lambda w: {"team_id": w.team_a.pk}),
    "fieldwork:team_found": ("post", lambda w: {"team_id": w.team_a.pk}),
    "fieldwork:device_revoke": ("post", lambda w: {"device_id": w.device_a.pk}),
    "fieldwork:held": ("get", lambda w: {"team_id": w.team_a.pk}),
    "fieldwork:progress": ("get", _unit_target(lambda w: w.ward_a)),
    "dashboard:unit": ("get", _unit_target(lambda w: w.ward_a)),
    "dashboard:print": ("get", _unit_target(lambda w: w.ward_a)),
    "dashboard:pdf": ("get", _unit_target(lambda w: w.ward_a)),
    "dashboard:xlsx": ("get", _unit_target(lambda w: w.ward_a)),
    # The boundaries of ward A's villages (the map of its dashboard), and their import (an administrator's).
    "maps:geo": ("get", _unit_target(lambda w: w.ward_a)),
    "maps:import": ("post", _unit_target(lambda w: w.ward_a)),
    "dashboard:targets": ("post", _unit_target(lambda w: w.ward_a)),
    "dashboard:target_delete": ("post", lambda w: {"unit_id": w.ward_a.pk, "target_id": _target_of_a(w)}),
    "programmes:new": ("post", lambda w: {}),
    "shops:detail": ("post", lambda w: {"shop_id": w.shop_a.pk}),
    "shops:commitment": ("get", lambda w: {"inspection_id": w.inspection_a.pk}),
    "programmes:detail": ("get", lambda w: {"programme_id": w.programme_a.pk}),
    "programmes:edit": ("post", lambda w: {"programme_id": w.programme_a.pk}),
    "programmes:deliveries_import": ("post", lambda w: {"programme_id": w.programme_a.pk}),
    "programmes:households": ("post", _unit_target(lambda w: w.ward_a)),
    "programmes:refer": ("post", lambda w: {"case_id": w.case_a.pk}),
    "programmes:referral": ("post", lambda w: {"referral_id": w.referral_a.pk}),
}

# Lists scoped to the user: the outsider gets 200 but nothing of ward A.
SCOPED_LISTS: dict[str, tuple[dict[str, str], str]] = {
    "units:tree": ({}, "Lương Văn Tri"),
    "units:search": ({"q": "luong van tri"}, "Lương Văn Tri"),
    "people:list": ({"q": "reporter"}, "reporter.a"),
    "campaigns:list": ({}, "Chiến dịch riêng của Lương Văn Tri"),
    "subscribers:registry": ({"q": "hoang thi"}, "Hoàng Thị Bình"),
    "fieldwork:cases": ({}, "Hoàng Thị Bình"),
    "programmes:list": ({}, "Chương trình riêng của Lương Văn Tri"),
    "shops:list": ({}, "Cửa hàng của Lương Văn Tri"),
    # The outsider registers shops of their own ward: the form offers none of ward A's places.
    "shops:new": ({}, "Lương Văn Tri"),
    # The same for the commune's workbook of shops: ward A is not among the communes offered.
    "shops:import": ({}, "Lương Văn Tri"),
}

# API operations (method, path) -> how the outsider is checked.
API_GUARDED = {
    ("GET", "/api/v1/units/{unit_id}"),
    ("GET", "/api/v1/campaigns/{campaign_id}/units/{unit_id}/activities"),
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_id}/activities"),
    ("GET", "/api/v1/campaigns/{campaign_id}/units/{unit_id}/reports/{month}"),
    ("POST", "/api/v1/campaigns/{campaign_id}/units/{unit_id}/reports/{month}/submit"),
    ("GET", "/api/v1/campaigns/{campaign_id}/completeness"),
    ("POST", "/api/v1/campaigns/{campaign_id}/provinces/{unit_id}/reports/{month}/submit"),
    ("GET", "/api/v1/campaigns/{campaign_id}/aggregate/{month}"),
    ("GET", "/api/v1/campaigns/{campaign_id}/aggregate/{month}/dhis2"),
    ("POST", "/api/v1/registry/rows"),
    ("POST", "/api/v1/registry/files"),
    ("GET", "/api/v1/registry/files/{upload_id}"),
    ("POST", "/api/v1/registry/files/{upload_id}/confirm"),
    ("GET", "/api/v1/registry/jobs/{job_id}"),
    ("POST", "/api/v1/registry/jobs/{job_id}/restart"),
    ("GET", "/api/v1/registry/subscribers"),
    ("GET", "/api/v1/programmes/{programme_id}"),
    ("POST", "/api/v1/programmes/{programme_id}/referrals"),
    ("POST", "/api/v1/programmes/{programme_id}/deliveries"),
    ("POST", "/api/v1/programmes/referrals/{referral_id}/decision"),
    ("POST", "/api/v1/shops/{shop_id}/inspections"),
    # SMS: only the operator's own staff.
    ("POST", "/api/v1/sms/operators/{operator_id}/prepare"),
    ("GET", "/api/v1/sms/operators/{operator_id}/count"),
    ("POST", "/api/v1/sms/operators/{operator_id}/batches"),
    ("GET", "/api/v1/sms/batches/{batch_id}"),
}
API_SCOPED = {
    ("GET", "/api/v1/units/"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/campaigns/"),
    ("GET", "/api/v1/programmes/"),
    ("GET", "/api/v1/shops/"),
}
# Any token: answered from the device table alone, nothing of any unit (checked below).
API_ANY_TOKEN = {("GET", "/api/v1/devices/imei/{imei}"), ("POST", "/api/v1/devices/classify")}
# The field API: the caller's own and their teams' cases only (walked below as another team's member).
API_FIELD = {
    ("GET", "/api/v1/field/me"),
    ("GET", "/api/v1/field/cases"),
    ("POST", "/api/v1/field/visits"),
    ("PUT", "/api/v1/field/visits/{visit_id}"),
    ("POST", "/api/v1/field/calls"),
    ("GET", "/api/v1/field/progress"),
    ("POST", "/api/v1/field/visits/{visit_id}/photos"),
    # Only with a revoked phone's token; its visits go nowhere but to its leader's page (tests/test_field_sync.py).
    ("POST", "/api/v1/field/revoked/visits"),
    # Banners and posters the member's teams hung (tests/test_banners.py walks them as another team's member).
    ("GET", "/api/v1/field/banners"),
    ("POST", "/api/v1/field/banners"),
    ("POST", "/api/v1/field/banners/{placement_id}/photo"),
    ("POST", "/api/v1/field/banners/{placement_id}/take-down"),
    # Referrals and shop inspections made on the phone (tests/test_field_support.py walks them as team B's member).
    ("GET", "/api/v1/field/programmes"),
    ("POST", "/api/v1/field/programmes/referrals"),
    ("GET", "/api/v1/field/shops"),
    ("POST", "/api/v1/field/shops/inspections"),
}
API_BODIES: dict[str, dict[str, Any] | Callable[[Any], dict[str, Any]]] = {
    "/api/v1/programmes/{programme_id}/referrals": lambda w: {"case_id": w.case_a.pk},
    "/api/v1/programmes/{programme_id}/deliveries": {"number": "0868123456", "delivered_on": "2024-09-01"},
    "/api/v1/programmes/referrals/{referral_id}/decision": {"approve": True},
    "/api/v1/shops/{shop_id}/inspections": {"inspected_on": "2024-09-01", "informed": True},
    "/api/v1/sms/operators/{operator_id}/prepare": {"text": "Đổi máy 4G"},
    "/api/v1/sms/operators/{operator_id}/batches": lambda w: {"area_id": w.ward_a.pk, "text": "Đổi máy 4G"},
    "/api/v1/registry/files/{upload_id}/confirm": {"operator_id": 1, "area_id": 1},  # ward A's, in the walk
    "/api/v1/registry/rows": {
        "operator_id": 1,
        "area_id": 1,
        "as_of": "2024-09-01",
        "rows": [{"msisdn": "0868000001"}],
    },
    "/api/v1/campaigns/{campaign_id}/units/{unit_id}/activities": {
        "client_key": "x",
        "date": "2024-07-05",
        "form": "loudspeaker",
        "count": 1,
    },
}


def api_url(path: str, w: Any) -> str:
    """Fill an operation's path with ward A's objects."""
    return (
        path.replace("{unit_id}", str(w.committee_a.pk))
        .replace("{campaign_id}", str(w.campaign.pk))
        .replace("{month}", "2024-07")
        .replace("{job_id}", str(w.job.pk))
        .replace("{upload_id}", w.upload_id)
        .replace("{imei}", "868123456789012")
        .replace("{programme_id}", str(getattr(w, "programme_a", w).pk))
        .replace("{referral_id}", str(getattr(w, "referral_a", w).pk))
        .replace("{shop_id}", str(getattr(w, "shop_a", w).pk))
        .replace("{operator_id}", str(w.operator.pk))
        .replace("{batch_id}", str(getattr(w, "sms_batch", w).pk))
        + f"?month=2024-07&unit={w.ward_a.pk}&operator_id={w.operator.pk}&area_id={w.ward_a.pk}"
    )


@pytest.fixture
def walk(world: World) -> Any:
    """The world, plus a campaign with an activity of ward A and a campaign only ward A's area runs."""
    from types import SimpleNamespace

    from switchoff.lib.sheets import read_file
    from switchoff.lib.uploads import store_check, store_upload
    from switchoff.reports.services import activity_create, report_open, report_submit
    from switchoff.subscribers.importer import import_list
    from switchoff.subscribers.jobs import owner_key
    from switchoff.subscribers.models import ImportJob, Subscriber
    from tests.reporting import make_campaign

    campaign = make_campaign(world)
    activity, _ = activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=datetime.date(2024, 7, 5),
        form=campaign.forms.get(code="loudspeaker"),
        count=3,
        client_key="walk",
    )
    report_submit(
        actor=world.reporter_a,
        report=report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=activity.date),
        now=datetime.datetime(2024, 8, 5, tzinfo=datetime.UTC),
    )
    campaign_b = make_campaign(world)
    campaign_b.name = "Chiến dịch riêng của Lương Văn Tri"
    campaign_b.area = world.ward_a
    campaign_b.save()
    content = "STT;Số thuê bao;Họ và tên;Địa chỉ\n1;0868123456;Hoàng Thị Bình;Khối 1, Phường Lương Văn Tri\n".encode()
    import_list(
        read_file(content, "a.csv"),
        content=content,
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
    )
    subscriber_a = Subscriber.objects.get()
    from switchoff.fieldwork.cases import campaign_cases_open
    from switchoff.fieldwork.models import Case
    from switchoff.fieldwork.services import device_enrol

    campaign_cases_open(campaign=campaign)
    case_a = Case.objects.get(subscriber=subscriber_a)
    device_a, _raw = device_enrol(actor=world.member_a, name="A's phone")
    photo_a = _photo_of_a_visit(world, case_a)
    placement_a = _placement_of_ward_a(world, campaign)
    material_a = _material_of_ward_a(world, campaign_b)
    from switchoff.sms.services import sms_batch_create

    sms_batch = sms_batch_create(actor=world.operator_staff, campaign=campaign, operator=world.operator,
                                 area=world.ward_a, audience="listed", text="Đổi máy 4G.")  # fmt: skip
    job = ImportJob.objects.create(
        operator=world.operator,
        area=world.ward_a,
        as_of=datetime.date(2024, 9, 1),
        upload_id="x",
        file_name="x.csv",
        created_by=world.operator_staff,
    )
    assert subscriber_a.unit == world.villages_a[0]
    # An upload of ward A's operator and area, checked and waiting for its confirmation.
    upload_id, _path = store_upload(
        "subscribers", owner_key(world.operator.pk, world.ward_a.pk), SimpleUploadedFile("a.csv", content)
    )
    store_check("subscribers", owner_key(world.operator.pk, world.ward_a.pk), upload_id, {"job_id": None})
    programme_a, referral_a = _programme_of_ward_a(world, campaign, case_a)
    shop_a, inspection_a = _shop_of_ward_a(world)
    return SimpleNamespace(
        **vars(world), campaign=campaign, activity=activity, campaign_b=campaign_b, subscriber_a=subscriber_a, job=job,
        upload_id=upload_id, case_a=case_a, device_a=device_a, photo_a=photo_a, programme_a=programme_a,
        referral_a=referral_a, shop_a=shop_a, inspection_a=inspection_a,
        placement_a=placement_a, material_a=material_a, sms_batch=sms_batch,
    )  # fmt: skip


def _shop_of_ward_a(world: World) -> tuple[Any, Any]:
    """A shop of ward A, inspected, with a scan of its commitment."""
    from django.utils import timezone

    from switchoff.shops.services import InspectionInput, ShopInput, inspection_record, shop_register

    shop = shop_register(actor=world.reporter_a, place=world.ward_a, given=ShopInput(name="Cửa hàng của Lương Văn Tri"))
    scan = SimpleUploadedFile("scan.jpg", b"scan")
    given = InspectionInput(inspected_on=timezone.localdate(), informed=True, commitment_signed=True, commitment=scan)
    return shop, inspection_record(actor=world.reporter_a, shop=shop, given=given)


def _programme_of_ward_a(world: World, campaign: Any, case: Any) -> tuple[Any, Any]:
    """An operator's programme for ward A only, and member A's referral of ward A's case to it."""
    from django.utils import timezone

    from switchoff.programmes.services import programme_create, referral_create

    today = timezone.localdate()
    programme = programme_create(
        actor=world.operator_staff,
        campaign=campaign,
        fields={
            "name": "Chương trình riêng của Lương Văn Tri",
            "sponsor": "operator",
            "sponsor_name": "Viettel",
            "owner": world.operator,
            "benefit": "feature_phone",
            "area": world.ward_a,
            "starts_on": today,
            "ends_on": today,
        },
    )
    return programme, referral_create(actor=world.member_a, programme=programme, case=case)


def _placement_of_ward_a(world: World, campaign: Any) -> Any:
    """Ward A's committee's banners in Khối 1, with their photo."""
    import io

    from PIL import Image

    from switchoff.banners.services import PlacementInput, placement_record_from_page

    content = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(content, "JPEG")
    data = PlacementInput(id=uuid.uuid4(), kind="bang_ron", quantity=2, place_id=world.villages_a[0].pk,
                          start=datetime.date(2024, 8, 5))  # fmt: skip
    return placement_record_from_page(
        actor=world.reporter_a, campaign=campaign, unit=world.committee_a, data=data, photo=content.getvalue()
    ).placement


def _material_of_ward_a(world: World, campaign: Any) -> Any:
    """A script in the library of the campaign only ward A's area runs."""
    from switchoff.library.services import VersionInput, material_create

    return material_create(actor=world.admin, campaign=campaign, title="Bài phát thanh", kind="script", forms=[],
                           first=VersionInput(dated=datetime.date(2024, 8, 1), text="Thông báo."))  # fmt: skip


def _photo_of_a_visit(world: World, case: Any) -> Any:
    """Member A's visit to ward A's case, with the person's consent to a photo, and its photo."""
    import io

    from django.utils import timezone
    from PIL import Image

    from switchoff.fieldwork.services import VisitInput, visit_photo_add, visits_record

    visit_id = uuid.uuid4()
    visits_record(actor=world.member_a, visits=[VisitInput(id=visit_id, case_id=case.pk, visited_at=timezone.now(),
                                                            outcome="informed", consent_photo=True)])  # fmt: skip
    content = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(content, "JPEG")
    return visit_photo_add(
        actor=world.member_a, visit_id=visit_id, photo_id=uuid.uuid4(), content=content.getvalue()
    ).photo


# Pages that take the unit in the query string: (method, query) for another ward's unit.
GUARDED_BY_QUERY: dict[str, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    "subscribers:export": ("post", lambda w: {"unit": w.ward_a.pk}),
    "subscribers:households": ("get", lambda w: {"unit": w.ward_a.pk}),
}


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_url_is_classified() -> None:
    unclassified = all_url_names() - PUBLIC - SELF - set(GUARDED) - set(SCOPED_LISTS) - set(GUARDED_BY_QUERY)
    api_ops = {n for n in unclassified if n.startswith("api:")}
    # ninja names each operation's view after its function; they are covered by
    # the API walk below through the OpenAPI schema.
    assert unclassified - api_ops == set(), f"Add these URLs to the outsider walk: {sorted(unclassified - api_ops)}"


def test_every_api_operation_is_classified() -> None:
    assert api_operations() == API_GUARDED | API_SCOPED | API_ANY_TOKEN | API_FIELD


@pytest.mark.django_db
def test_outsider_is_refused_every_guarded_page(walk: Any) -> None:
    world = walk
    api_token_create(user=world.reporter_a, name="theirs")
    client = logged_in(world.reporter_b)
    for name, (method, kwargs) in GUARDED.items():
        url = reverse(name, kwargs=kwargs(world))
        response = getattr(client, method)(url)
        assert response.status_code in {403, 404}, f"{name} {url} answered {response.status_code}"


@pytest.mark.django_db
def test_outsider_is_refused_pages_of_the_other_ward_by_query(walk: Any) -> None:
    world = walk
    client = logged_in(world.reporter_b)
    for name, (method, params) in GUARDED_BY_QUERY.items():
        response = getattr(client, method)(reverse(name), params(world))
        assert response.status_code in {403, 404}, f"{name} answered {response.status_code}"
        response = client.post(reverse(name), {**params(world), "subscriber": [world.subscriber_a.pk]})
        assert response.status_code in {403, 404, 405}, f"{name} POST answered {response.status_code}"


@pytest.mark.django_db
def test_outsider_export_of_their_own_ward_holds_nothing_of_the_other(walk: Any) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    world = walk
    client = logged_in(world.reporter_b)
    for params in ({"unit": world.ward_b.pk}, {"unit": world.ward_b.pk, "q": "hoang thi", "status": "all"}):
        response = export(client, params)
        assert response.status_code == 200
        cells = [
            str(c) for row in load_workbook(BytesIO(content(response))).active.iter_rows(values_only=True) for c in row
        ]
        assert not any("Hoàng Thị Bình" in c for c in cells)
    # Full numbers are only for those who may reveal them.
    assert export(client, {"unit": world.ward_b.pk, "full": "1"}).status_code == 403


@pytest.mark.django_db
def test_outsider_lists_show_nothing_of_the_other_ward(walk: Any) -> None:
    world = walk
    client = logged_in(world.reporter_b)
    for name, (params, secret) in SCOPED_LISTS.items():
        response = client.get(reverse(name), params)
        assert response.status_code in {200, 403}, name
        assert secret not in response.content.decode(), f"{name} shows {secret}"
    for name in SELF:
        response = client.get(reverse(name))
        assert "Lương Văn Tri" not in response.content.decode(), name


@pytest.mark.django_db
def test_outsider_api_sees_nothing_of_the_other_ward(walk: Any) -> None:
    world = walk
    _token, raw = api_token_create(user=world.reporter_b, name="mine")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    for method, path in API_GUARDED:
        if path.endswith("/files"):
            upload = {
                "file": SimpleUploadedFile("a.csv", b"STT;SDT\n1;0868000001\n"),
                "operator_id": world.operator.pk,
                "area_id": world.ward_a.pk,
                "as_of": "2024-09-01",
            }
            response = client.post(api_url(path, world), upload)
        else:
            given = API_BODIES.get(path, {})
            fields = given(world) if callable(given) else given
            if path.endswith("/confirm"):  # the check stored for ward A's operator and area
                fields = {"operator_id": world.operator.pk, "area_id": world.ward_a.pk}
            body = json.dumps(fields)
            response = client.generic(method, api_url(path, world), body, content_type="application/json")
        assert response.status_code in {403, 404}, (method, path, response.status_code)
        assert response.json()["error"]["code"] in {"not_found", "forbidden"}
    campaigns = client.get("/api/v1/campaigns/").json()
    assert world.campaign_b.pk not in {c["id"] for c in campaigns}
    assert world.programme_a.pk not in {p["id"] for p in client.get("/api/v1/programmes/").json()}
    assert world.shop_a.pk not in {s["id"] for s in client.get("/api/v1/shops/").json()}
    listed = client.get("/api/v1/units/", {"limit": 500}).json()["items"]
    assert listed, "the outsider sees their own ward"
    assert world.ward_a.pk not in {u["id"] for u in listed}
    assert world.legacy_ward.pk not in {u["id"] for u in listed}
    me = client.get("/api/v1/me").json()
    assert me["username"] == "reporter.b"
    # The device check answers from the device table: the IMEI ward A's subscriber was listed with says nothing.
    for method, path in API_ANY_TOKEN:
        body = json.dumps({"imeis": ["868123456789012"]})
        response = client.generic(method, api_url(path, world), body, content_type="application/json")
        assert response.status_code == 200, path
        assert "Hoàng" not in response.content.decode()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_everywhere(walk: Any) -> None:
    world = walk
    api_token_create(user=world.reporter_a, name="theirs")
    client = Client()
    for name, (_method, kwargs) in GUARDED.items():
        response = client.get(reverse(name, kwargs=kwargs(world)))
        assert response.status_code in {302, 405}, name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("people:login"))
    for method, path in API_GUARDED | API_SCOPED | API_ANY_TOKEN | API_FIELD:
        response = client.generic(method, api_url(path, world).replace("{visit_id}", str(uuid.uuid4())))
        assert response.status_code == 401, path


@pytest.mark.django_db
def test_another_teams_member_sees_and_writes_nothing_of_team_a_through_the_field_api(world: World) -> None:
    """Team B's member, with their phone's token and with an API token: nothing of team A's cases, by any operation."""
    from django.utils import timezone

    from switchoff.fieldwork.models import Call, Case, Visit, VisitPhoto
    from switchoff.people.roles import Role
    from tests.conftest import make_user
    from tests.fieldwork_helpers import device_client, open_field, visit_json

    field = open_field(world)
    from switchoff.fieldwork.services import visits_record
    from tests.fieldwork_helpers import visit

    (made,) = visits_record(actor=world.member_a, visits=[visit(field.binh, "informed", consent_photo=True)])
    visit_of_a = Visit.objects.get(pk=made.id)
    member_b = make_user("member.b", world.team_b, Role.TEAM_MEMBER)
    phone, _raw = device_client(member_b)
    _token, raw = api_token_create(user=world.reporter_b, name="mine")
    for client in (phone, Client(headers={"Authorization": f"Bearer {raw}"})):
        seen = client.get("/api/v1/field/cases").json()["items"]
        assert {c["id"] for c in seen} <= {field.cuc.pk}
        body = visit_json(field.an, "agrees")
        batch = client.post("/api/v1/field/visits", {"visits": [body]}, content_type="application/json").json()
        assert batch["results"][0]["result"] == "invalid" and batch["results"][0]["case"] is None
        one = client.put(f"/api/v1/field/visits/{body['id']}", body, content_type="application/json")
        assert one.status_code == 422 and one.json()["case"] is None
        call = {"id": str(uuid.uuid4()), "case_id": field.an.pk, "at": timezone.now().isoformat()}
        calls = client.post("/api/v1/field/calls", {"calls": [call]}, content_type="application/json").json()
        assert calls["results"][0]["result"] == "invalid"
        assert client.get("/api/v1/field/progress", {"unit": world.team_a.pk}).status_code in {403, 404}
        photo = client.post(
            f"/api/v1/field/visits/{visit_of_a.pk}/photos",
            {"id": str(uuid.uuid4()), "photo": SimpleUploadedFile("p.jpg", b"\xff\xd8", content_type="image/jpeg")},
        )
        assert photo.status_code == 404 and photo.json()["error"]["code"] == "not_found"
        me = client.get("/api/v1/field/me")
        assert "Tổ công nghệ số số 1" not in me.content.decode()
    assert list(Visit.objects.all()) == [visit_of_a] and not Call.objects.exists()
    assert not VisitPhoto.objects.exists()
    assert Case.objects.get(pk=field.an.pk).version == field.an.version


@pytest.mark.django_db
def test_a_national_viewer_sees_every_provinces_figures_another_provinces_official_none_of_them() -> None:
    """The walk one level up: an official of one province is an outsider to the other and to the country, by page
    and by API; a viewer at the country sees both provinces. (Two small provinces: the rules are the same as for
    the 34 of ``load_units --country``, tests/test_country.py.)"""
    from django.db import transaction

    from switchoff.counts.models import Count, CountTotal
    from switchoff.counts.services import count_add
    from switchoff.people.models import Membership, User
    from switchoff.people.roles import Role
    from switchoff.subscribers.counts import LISTED
    from switchoff.units.models import UnitKind
    from switchoff.units.services import unit_create

    kinds = {kind.code: kind for kind in UnitKind.objects.all()}
    country = unit_create(actor=None, kind=kinds["country"], name="Việt Nam", parent=None)
    provinces, figures = [], {}
    for name, commune_name, n in (
        ("Tỉnh Cao Bằng", "Phường Thục Phán", 4321),
        ("Tỉnh Điện Biên", "Xã Mường Nhé", 8765),
    ):
        province = unit_create(actor=None, kind=kinds["province"], name=name, parent=country)
        commune = unit_create(actor=None, kind=kinds["commune"], name=commune_name, parent=province)
        with transaction.atomic():
            count_add(unit_id=commune.pk, key=LISTED, delta=n, dimension=98)
        provinces.append(province)
        figures[province.pk] = f"{n:,}".replace(",", ".")
    own, other = provinces
    people = {}
    for username, unit in (("national.viewer", country), ("cao.bang.official", own)):
        people[username] = User.objects.create_user(username=username, password="x" * 20)
        Membership.objects.create(user=people[username], unit=unit, role=Role.VIEWER)
        Membership.objects.create(user=people[username], unit=unit, role=Role.REPORTER)  # the API's role
    tokens = {name: api_token_create(user=user, name="walk")[1] for name, user in people.items()}

    national, official = logged_in(people["national.viewer"]), logged_in(people["cao.bang.official"])
    page = national.get(reverse("subscribers:registry")).content.decode()
    assert "13.086" in page, "the country's figure, by default"
    for province in provinces:
        assert (
            figures[province.pk]
            in national.get(reverse("subscribers:registry"), {"unit": province.pk}).content.decode()
        )
        assert national.get(reverse("units:detail", args=[province.pk])).status_code == 200
    page = official.get(reverse("subscribers:registry")).content.decode()
    assert figures[own.pk] in page and figures[other.pk] not in page and "13.086" not in page
    for unit in (other, country):
        assert official.get(reverse("subscribers:registry"), {"unit": unit.pk}).status_code in {403, 404}
        assert official.get(reverse("units:detail", args=[unit.pk])).status_code in {403, 404}
        assert official.post(reverse("subscribers:export"), {"unit": unit.pk}).status_code in {403, 404}

    national_api = Client(headers={"Authorization": f"Bearer {tokens['national.viewer']}"})
    official_api = Client(headers={"Authorization": f"Bearer {tokens['cao.bang.official']}"})
    for province in provinces:
        assert national_api.get(f"/api/v1/units/{province.pk}").status_code == 200
        assert national_api.get("/api/v1/registry/subscribers", {"unit": province.pk}).status_code == 200
    assert official_api.get(f"/api/v1/units/{own.pk}").status_code == 200
    for unit in (other, country):
        assert official_api.get(f"/api/v1/units/{unit.pk}").status_code == 404
        assert official_api.get("/api/v1/registry/subscribers", {"unit": unit.pk}).status_code in {403, 404}
    listed = {u["id"] for u in official_api.get("/api/v1/units/", {"limit": 500}).json()["items"]}
    assert own.pk in listed and not listed & {other.pk, country.pk}
    Count.objects.filter(dimension=98).delete()  # counters without their rows: not left for verify_counts
    CountTotal.objects.filter(dimension=98).delete()
