"""A GET never writes: every page and API read, walked as every demo persona, leaves every table as it was.

The one exception is the log of who looked: an export or a reveal of personal
data writes its audit row and its NumberView row, because the law asks that
every such view be recorded (see docs/architecture.md, "Write discipline").
Nothing else may change: not a draft report created by looking at it, not a
counter, not a job. The session store is left out (it is the login itself).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from switchoff.api.root import api
from switchoff.audit.models import AuditEvent
from switchoff.campaigns.models import Campaign
from switchoff.demo.services import load_demo
from switchoff.fieldwork.access import visible_cases
from switchoff.fieldwork.models import Case, FieldDevice, Visit, VisitPhoto
from switchoff.fieldwork.services import device_enrol, visit_photo_add
from switchoff.people.access import can
from switchoff.people.models import ApiToken, Membership, User
from switchoff.people.roles import Perm
from switchoff.people.services import api_token_create
from switchoff.subscribers.models import ImportJob, NumberView, Subscriber
from switchoff.units.models import Unit, UnitKind
from tests.conftest import logged_in

# Reads that are also the legal record of who saw personal data or exported it.
DISCLOSURE_LOG = {"AuditEvent", "NumberView"}
DISCLOSURE_ACTIONS = {
    "subscribers.list.exported",
    "subscribers.number.revealed",
    "subscribers.number.searched",
    "reports.aggregate.exported",
    "units.commune.workbook_exported",
    "fieldwork.cases.downloaded",
    "fieldwork.photo.viewed",
}
# Bookkeeping of the credential itself, like the session's expiry (kept apart from the data).
IGNORED_FIELDS = {("ApiToken", "last_used_at")}
# When a field phone was last seen: bookkeeping kept beside its credential for the same reason.
IGNORED_MODELS = {"FieldDeviceSeen"}


def _snapshot() -> dict[str, str]:
    state = {}
    for model in apps.get_models():
        if model is Session or not model._meta.managed or model.__name__ in IGNORED_MODELS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if (model.__name__, f.attname) not in IGNORED_FIELDS]
        rows = model._default_manager.order_by("pk").values_list(*fields)
        digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
        state[model.__name__] = digest
    return state


def _disclosure_rows_since(audit_id: int, view_id: int) -> tuple[set[str], int]:
    actions = set(AuditEvent.objects.filter(pk__gt=audit_id).values_list("action", flat=True))
    return actions, NumberView.objects.filter(pk__gt=view_id).count()


def _page_urls(user: User) -> Iterator[str]:
    """Every GET-able URL pattern, filled with the demo's objects that matter to this person."""
    campaign = Campaign.objects.order_by("pk").first()
    assert campaign is not None
    own_units = [m.unit for m in Membership.objects.filter(user=user).select_related("unit")]
    units = {u.pk for u in own_units} | {u.parent_id for u in own_units if u.parent_id}
    units |= set(campaign.assignments.values_list("unit_id", flat=True)[:3])
    months = [campaign.start_date.strftime("%Y-%m")]
    for offset in (2, 3, 4, 5):
        year, month = divmod(campaign.start_date.month - 1 + offset, 12)
        months.append(f"{campaign.start_date.year + year}-{month + 1:02d}")
    values: dict[str, list[Any]] = {
        "unit_id": sorted(units),
        "campaign_id": [campaign.pk],
        "month": months,
        "subscriber_id": list(Subscriber.objects.order_by("pk").values_list("pk", flat=True)[:3]),
        "job_id": list(ImportJob.objects.values_list("pk", flat=True)[:1]),
        "person_id": list(User.objects.order_by("pk").values_list("pk", flat=True)[:3]),
        "kind_id": list(UnitKind.objects.order_by("pk").values_list("pk", flat=True)[:1]),
        "fmt": ["docx", "xlsx", "json", "dhis2.json", "adx.xml"],
        "token": ["not-a-token"],
        "membership_id": list(Membership.objects.filter(user=user).values_list("pk", flat=True)[:1]),
        "token_id": list(ApiToken.objects.filter(user=user).values_list("pk", flat=True)[:1]),
        "activity_id": [1],
        # A case and a team of the person's own, and of someone else's (refused without a write).
        "case_id": [*visible_cases(user).order_by("pk").values_list("pk", flat=True)[:2], _other_case(user)],
        "team_id": sorted({u.pk for u in own_units if u.kind.category == "team"} | {_first_team()}),
        "device_id": list(FieldDevice.objects.order_by("pk").values_list("pk", flat=True)[:1]),
        # The demo's photo, and one that does not exist.
        "photo_id": [*VisitPhoto.objects.values_list("pk", flat=True)[:1], uuid.uuid4()],
        "action": ["accept"],
    }

    def walk(patterns: list[Any], namespace: str | None) -> Iterator[tuple[str, list[str]]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace != "api":
                yield f"{namespace}:{pattern.name}", list(pattern.pattern.converters)

    for name, params in walk(get_resolver().url_patterns, None):
        combos: list[dict[str, Any]] = [{}]
        for param in params:
            combos = [{**c, param: v} for c in combos for v in values[param]]
        for kwargs in combos:
            yield reverse(name, kwargs=kwargs)
    ward = next(iter(sorted(units)))
    yield reverse("subscribers:registry") + "?q=nguyen+van"
    yield reverse("subscribers:export") + f"?unit={ward}"
    yield reverse("subscribers:export") + f"?unit={ward}&full=1"
    yield reverse("subscribers:households") + f"?unit={ward}"
    yield reverse("units:search") + "?q=luong+van+tri"


def _demo_photo() -> None:
    """A photo of a demo visit made with the person's consent, so that its page is walked too."""
    visit = Visit.objects.filter(consent_photo=True).order_by("visited_at").first()
    assert visit is not None, "the demo records a visit with consent to a photo"
    content = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(content, "JPEG")
    visit_photo_add(actor=visit.member, visit_id=visit.pk, photo_id=uuid.uuid4(), content=content.getvalue())


def _other_case(user: User) -> int:
    return Case.objects.exclude(pk__in=visible_cases(user).values("pk")).values_list("pk", flat=True).first() or 1


def _first_team() -> int:
    return Unit.objects.filter(kind__category="team").order_by("pk").values_list("pk", flat=True).first() or 1


def _api_urls() -> Iterator[str]:
    campaign = Campaign.objects.order_by("pk").first()
    assert campaign is not None
    unit = campaign.assignments.order_by("unit_id").values_list("unit_id", flat=True).first()
    job = ImportJob.objects.values_list("pk", flat=True).first() or 1
    month = campaign.start_date.strftime("%Y-%m")
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        yield (
            path.replace("{unit_id}", str(unit))
            .replace("{campaign_id}", str(campaign.pk))
            .replace("{month}", month)
            .replace("{job_id}", str(job))
        ) + f"?month={month}"


@pytest.mark.django_db(transaction=False)
def test_no_get_writes_anything_for_any_demo_persona() -> None:
    load_demo()
    _demo_photo()
    people = list(User.objects.order_by("pk"))
    assert len(people) >= 8
    clients = {}
    for person in people:
        api_client = None
        if can(person, Perm.USE_API):
            _token, raw = api_token_create(user=person, name="walk")
            api_client = Client(headers={"Authorization": f"Bearer {raw}"})
        if can(person, Perm.VISIT) and not api_client:
            # A field member's phone: the field API through a device token.
            _device, raw = device_enrol(actor=person, name="walk")
            api_client = Client(headers={"Authorization": f"Device {raw}"})
        clients[person.username] = (logged_in(person), api_client)
    writes: list[str] = []
    for person in people:
        page_client, api_client = clients[person.username]
        for url in [*_page_urls(person), *(_api_urls() if api_client else [])]:
            client = api_client if api_client and url.startswith("/api/") else page_client
            before = _snapshot()
            audit_id = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            view_id = NumberView.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = client.get(url)
            assert response.status_code < 500, (person.username, url, response.status_code)
            after = _snapshot()
            changed = {name for name in before if before[name] != after[name]}
            if changed <= DISCLOSURE_LOG:
                actions, _views = _disclosure_rows_since(audit_id, view_id)
                assert actions <= DISCLOSURE_ACTIONS, (person.username, url, actions)
                continue
            writes.append(f"GET {url} as {person.username} changed {sorted(changed - DISCLOSURE_LOG)}")
    assert writes == [], "\n".join(writes)
