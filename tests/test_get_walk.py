"""A GET never writes: every page and API read, walked as every demo persona, writes nothing.

The one exception is the log of who looked: an export or a reveal of personal
data writes its audit row and its NumberView row, because the law asks that
every such view be recorded (see docs/architecture.md, "Write discipline").
Nothing else may change: not a draft report created by looking at it, not a
counter, not a job. The session store is left out (it is the login itself).

Each GET is watched statement by statement: a wrapper on every database
connection records each INSERT, UPDATE, DELETE and DDL statement the request
runs, and any outside the disclosure log and the credential bookkeeping fails
the walk, naming the URL, the persona and the statement. A snapshot of every
table at the start and the end of a persona's walk backs it up, for a write
that would bypass the connection's cursor (a COPY, another connection).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from switchoff.api.root import api
from switchoff.audit.models import AuditEvent
from switchoff.banners.models import Placement
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.access import visible_cases
from switchoff.fieldwork.models import Case, FieldDevice, Visit, VisitPhoto
from switchoff.fieldwork.services import device_enrol, visit_photo_add
from switchoff.library.models import Material, MaterialVersion
from switchoff.maps.geojson import parse
from switchoff.maps.services import boundaries_import
from switchoff.people.access import can
from switchoff.people.models import ApiToken, Membership, User
from switchoff.people.roles import Perm
from switchoff.people.services import api_token_create
from switchoff.privacy.models import PersonRequest
from switchoff.programmes.models import Programme, Referral
from switchoff.shops.models import Inspection, Shop
from switchoff.sms.models import SmsBatch
from switchoff.subscribers.models import ExportJob, ImportJob, NumberView, Subscriber
from switchoff.units.models import Unit, UnitKind
from tests.conftest import World, logged_in
from tests.test_maps import FIXTURE as MAP_FIXTURE

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
    "shops.commitment.viewed",
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
        # An export of the person's own, made by the worker, and one that does not exist.
        "export_id": [*ExportJob.objects.filter(created_by=user).values_list("pk", flat=True)[:1], 10**9],
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
        "programme_id": [*Programme.objects.order_by("pk").values_list("pk", flat=True)[:2], 10**9],
        "referral_id": [*Referral.objects.order_by("pk").values_list("pk", flat=True)[:3], 10**9],
        "shop_id": [*Shop.objects.order_by("pk").values_list("pk", flat=True)[:2], 10**9],
        "inspection_id": [*Inspection.objects.order_by("pk").values_list("pk", flat=True)[:2], 10**9],
        # The demo's banners, and a placement that does not exist.
        "placement_id": [*Placement.objects.order_by("pk").values_list("pk", flat=True)[:1], uuid.uuid4()],
        "material_id": [*Material.objects.order_by("pk").values_list("pk", flat=True)[:1], 999_999],
        "version_id": [*MaterialVersion.objects.order_by("pk").values_list("pk", flat=True)[:1], 999_999],
        "operator_id": sorted(u.pk for u in own_units if u.kind.code == "operator_branch") or [1],
        "batch_id": [*SmsBatch.objects.order_by("pk").values_list("pk", flat=True)[:1], 999_999],
        # A person's request looked up by this person, and one that is not theirs.
        "request_id": [*PersonRequest.objects.filter(by=user).values_list("pk", flat=True)[:1], 10**9],
        # A coordinator's target (deleted only by a POST) that does not exist.
        "target_id": [10**9],
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
    yield reverse("subscribers:households") + f"?unit={ward}"
    yield reverse("units:search") + "?q=luong+van+tri"
    # The dashboard's other views: every week, every unit below, the 2024 structure.
    for unit in sorted(units):
        yield reverse("dashboard:unit", args=[unit]) + "?weeks=all&rows=all&structure=2024"


def _demo_photo() -> None:
    """A photo of a demo visit made with the person's consent, so that its page is walked too."""
    visit = Visit.objects.filter(consent_photo=True).order_by("visited_at").first()
    assert visit is not None, "the demo records a visit with consent to a photo"
    content = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(content, "JPEG")
    visit_photo_add(actor=visit.member, visit_id=visit.pk, photo_id=uuid.uuid4(), content=content.getvalue())


def _demo_boundaries() -> None:
    """The demo province's two wards drawn (tests/fixtures/maps), so that the map and its GeoJSON are walked."""
    province = Unit.objects.get(code_system="2025", code="05983").parent
    assert province is not None
    admin = User.objects.get(username="admin")
    with transaction.atomic():
        boundaries_import(actor=admin, root=province, parsed=parse(MAP_FIXTURE.read_bytes(), province), source_name="x")


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


# A statement that writes: rows (INSERT, UPDATE … SET, DELETE, REPLACE) or the schema (DDL). "SELECT … FOR UPDATE"
# and savepoints are not writes.
_WRITE = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|DELETE\s+FROM)\s+[\"`]?(?P<table>\w+)"
    r"|\bUPDATE\s+[\"`]?(?P<updated>\w+)[\"`]?\s+SET\b"
    r"|^\s*(?P<ddl>CREATE|ALTER|DROP|TRUNCATE|COPY)\b",
    re.IGNORECASE,
)


def _tables(*names: str) -> set[str]:
    return {apps.get_model(name)._meta.db_table for name in names}


# Tables a GET may write: the disclosure log, the session (the login itself) and a phone's "last seen".
ALLOWED_TABLES = _tables("audit.AuditEvent", "subscribers.NumberView", "sessions.Session", "fieldwork.FieldDeviceSeen")
# A token's last use is bookkeeping of the credential, written by one UPDATE of that column alone.
_TOKEN_TOUCH = re.compile(
    rf"^\s*UPDATE\s+\"?{ApiToken._meta.db_table}\"?\s+SET\s+\"?last_used_at\"?\s*=\s*%s\s+WHERE\b", re.IGNORECASE
)


def forbidden_write(sql: str) -> bool:
    """Whether ``sql`` writes anything a GET may not write."""
    match = _WRITE.search(sql)
    if match is None:
        return False
    table = match.group("table") or match.group("updated")
    if table is None:  # DDL
        return True
    if table in ALLOWED_TABLES:
        return False
    return not _TOKEN_TOUCH.match(sql)


@dataclass
class WriteWatcher:
    """An execute wrapper that keeps every forbidden write a request runs."""

    statements: list[str] = field(default_factory=list)

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if forbidden_write(sql):
            self.statements.append(" ".join(sql.split()))
        return execute(sql, params, many, context)


def _last_disclosure_ids() -> tuple[int, int]:
    audit_id = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    view_id = NumberView.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return audit_id, view_id


def walk_writes(persona: str, requests: Iterable[tuple[Client, str]]) -> list[str]:
    """GET every URL with its client; return one line per write that is not the disclosure log.

    Each line names the persona, the URL and the statement (or, for a write that bypassed the
    connections, the tables whose rows differ at the end of the walk).
    """
    writes: list[str] = []
    before = _snapshot()
    for client, url in requests:
        watcher = WriteWatcher()
        audit_id, view_id = _last_disclosure_ids()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(watcher))
            response = client.get(url)
        assert response.status_code < 500, (persona, url, response.status_code)
        writes += [f"GET {url} as {persona}: {statement}" for statement in watcher.statements]
        actions, _views = _disclosure_rows_since(audit_id, view_id)
        if not actions <= DISCLOSURE_ACTIONS:
            writes.append(f"GET {url} as {persona} logged {sorted(actions - DISCLOSURE_ACTIONS)}")
    after = _snapshot()
    changed = sorted(name for name in before if before[name] != after[name] and name not in DISCLOSURE_LOG)
    if changed:
        writes.append(f"the walk as {persona} changed {changed} without a statement the watcher saw")
    return writes


# The demo's people: one walk each, so that the test workers share them. A test below keeps this list
# equal to the demo's.
DEMO_PERSONAS = [
    "admin",
    "coordinator",
    "reporter.lvt",
    "reporter.dk",
    "leader.lvt",
    "member.lvt",
    "viettel",
    "viewer",
]


def _clients(person: User) -> tuple[Client, Client | None]:
    """The person's browser, and their API client: a token, or a field phone for a field member."""
    api_client = None
    if can(person, Perm.USE_API):
        _token, raw = api_token_create(user=person, name="walk")
        api_client = Client(headers={"Authorization": f"Bearer {raw}"})
    elif can(person, Perm.VISIT):
        _device, raw = device_enrol(actor=person, name="walk")
        api_client = Client(headers={"Authorization": f"Device {raw}"})
    return logged_in(person), api_client


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("username", DEMO_PERSONAS)
def test_no_get_writes_anything_for_a_demo_persona(username: str, demo: None) -> None:
    _demo_photo()
    _demo_boundaries()
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(DEMO_PERSONAS), "walk every persona"
    person = User.objects.get(username=username)
    page_client, api_client = _clients(person)
    urls = [*_page_urls(person), *(_api_urls() if api_client else [])]
    requests = [(api_client if api_client and url.startswith("/api/") else page_client, url) for url in urls]
    assert len(requests) > 50
    writes = walk_writes(username, requests)
    assert writes == [], "\n".join(writes)


@pytest.mark.django_db(transaction=False)
@pytest.mark.urls("tests.get_walk_planted")
def test_the_walk_names_a_get_that_inserts_updates_or_deletes(world: World) -> None:
    from tests import get_walk_planted as planted

    client = logged_in(world.reporter_a)
    urls = ["/planted/insert/", "/planted/update/", "/planted/delete/", "/planted/read/"]
    writes = walk_writes("reporter.a", [(client, url) for url in urls])
    assert len(writes) == 3, writes
    inserted, updated, deleted = writes
    assert inserted.startswith("GET /planted/insert/ as reporter.a: INSERT INTO"), inserted
    assert planted.TABLE in inserted
    assert updated.startswith("GET /planted/update/ as reporter.a: UPDATE"), updated
    assert planted.TABLE in updated
    assert deleted.startswith("GET /planted/delete/ as reporter.a: DELETE FROM"), deleted
    assert planted.TABLE in deleted


@pytest.mark.django_db(transaction=False)
@pytest.mark.urls("tests.get_walk_planted")
def test_the_walk_names_a_write_that_bypasses_the_watched_cursor(world: World) -> None:
    client = logged_in(world.reporter_a)
    writes = walk_writes("reporter.a", [(client, "/planted/unwatched/")])
    assert writes == ["the walk as reporter.a changed ['UnitKind'] without a statement the watcher saw"], writes


@pytest.mark.parametrize(
    ("sql", "forbidden"),
    [
        ('INSERT INTO "units_unit" ("name") VALUES (%s)', True),
        ('UPDATE "reports_monthlyreport" SET "status" = %s WHERE "id" = %s', True),
        ('DELETE FROM "fieldwork_case" WHERE "id" IN (%s)', True),
        ("CREATE TEMP TABLE x (a int)", True),
        ('INSERT INTO "audit_auditevent" ("action") VALUES (%s)', False),
        ('INSERT INTO "subscribers_numberview" ("user_id") VALUES (%s)', False),
        ('UPDATE "people_apitoken" SET "last_used_at" = %s WHERE "people_apitoken"."id" = %s', False),
        ('UPDATE "people_apitoken" SET "revoked_at" = %s WHERE "people_apitoken"."id" = %s', True),
        ('SELECT "id" FROM "fieldwork_case" WHERE "id" = %s FOR UPDATE', False),
        ('SAVEPOINT "s1"', False),
        ('SELECT "x"."id" FROM "reports_monthlyreport" "x" WHERE "x"."status" = %s', False),
    ],
)
def test_the_watcher_tells_writes_from_reads(sql: str, forbidden: bool) -> None:
    assert forbidden_write(sql) is forbidden
