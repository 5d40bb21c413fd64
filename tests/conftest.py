"""A small world for the tests: two wards, a legacy ward merged into one of them, and personas.

Personas follow the habit of healthchecks: an official of the unit, one of a
parent unit (the coordinator), and an outsider (the reporter of another ward).
"""

from __future__ import annotations

import copy
import datetime
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import OperationalError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Count, FileField, Model
from django.dispatch import receiver
from django.test import Client
from django.test.testcases import LiveServerThread
from django.utils import timezone
from hypothesis import settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from playwright.sync_api import Browser

from switchoff.people.models import Membership, User
from switchoff.people.roles import Role
from switchoff.units.kinds import ensure_default_kinds
from switchoff.units.models import Unit, UnitKind
from switchoff.units.services import team_set_coverage, unit_create, unit_merge
from tests.s3 import s3_bucket, s3_server  # noqa: F401  # fixtures: the S3-compatible server of the tests

# Property tests check what is parsed, not how fast: no per-example deadline (the first example
# loads phonenumbers' metadata, which takes long on a busy machine with browser tests running).
settings.register_profile("switchoff", deadline=None)
settings.load_profile("switchoff")

PASSWORD = "correct-horse-battery-staple"
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, started once per test process and shared by every browser test (each opens its
    own context, so no cookie or storage crosses from one test to another)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        if os.environ.get("SWITCHOFF_TESTS_DB_ONLY") == "1":
            _screenshots_taken_once()
        yield browser
        browser.close()


def _screenshots_taken_once() -> None:
    """The second run of the suite (PostgreSQL, ``SWITCHOFF_TESTS_DB_ONLY``) takes no screenshot: the first run
    (SQLite) wrote the same pictures to the same files, for a person to look at; nothing reads them back. A
    full-page picture costs Chromium most of a second of CPU, and there are about a hundred. Every step and
    check of the browser tests still runs."""
    from playwright.sync_api import ElementHandle, Locator, Page

    def not_again(self: object, *args: object, **kwargs: object) -> bytes:
        return b""

    def scrolled_to_instead(self: Locator | ElementHandle, *args: object, **kwargs: object) -> bytes:
        self.scroll_into_view_if_needed()  # what an element's picture waits for: visible, stable, on screen
        return b""

    Page.screenshot = not_again  # type: ignore[method-assign]
    Locator.screenshot = scrolled_to_instead  # type: ignore[method-assign]
    ElementHandle.screenshot = scrolled_to_instead  # type: ignore[method-assign]


class _Answer:
    """A WSGI answer that holds the server's lock until the server closes it (its body read out)."""

    def __init__(self, result: Iterable[bytes], lock: threading.Lock) -> None:
        self.result = result
        self.lock = lock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.lock.release()


class OneAtATimeLiveServer(ThreadedWSGIServer):
    """The browser tests' server on SQLite in memory answers one request at a time.

    There every request thread shares the test's one connection (Django passes it to the server), so two
    requests at once (the field app's page and its service worker's fetches) met inside one SQLite
    transaction: "cannot start a transaction within a transaction", a flaky 400 in CI. Threads still
    serve the browser's keep-alive connections; only the application itself is serialised. Other
    databases give each thread its own connection and keep answering concurrently.
    """

    def set_app(self, application: WSGIApplication | None) -> None:
        if application is None or not self.connections_override:
            super().set_app(application)
            return
        lock = threading.Lock()

        def one_at_a_time(environ: WSGIEnvironment, start_response: StartResponse) -> _Answer:
            lock.acquire()
            try:
                result = application(environ, start_response)
            except BaseException:
                lock.release()
                raise
            return _Answer(result, lock)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneAtATimeLiveServer


@receiver(connection_created)
def _readers_take_no_table_lock(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """In SQLite's shared in-memory cache (the tests' database) a reader's table lock makes another
    connection's write fail at once ("database table is locked"): a thread of a browser test (a job's,
    the server's) writing while the test reads. Readers there take no such lock, as in WAL."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
        connection.execute_wrappers.append(_wait_when_locked)


def _wait_when_locked(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """A writer meeting another connection's write in SQLite's shared cache fails at once ("database table is
    locked"): the shared cache ignores the busy timeout a file database (the real deployment) waits with. A
    test's background job writing its progress while a page's request saves its session did so in CI. Here a
    statement waits and tries again, as the busy timeout would, for up to 5 seconds."""
    for attempt in range(500):
        try:
            return execute(sql, params, many, context)
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == 499:
                raise
            time.sleep(0.01)
    return None


@dataclass
class World:
    province: Unit
    ward_a: Unit
    ward_b: Unit
    legacy_district: Unit
    legacy_ward: Unit
    legacy_village: Unit
    committee_a: Unit
    committee_b: Unit
    office: Unit
    operator: Unit
    villages_a: list[Unit]
    village_b: Unit
    team_a: Unit
    team_b: Unit
    admin: User
    coordinator: User
    reporter_a: User
    reporter_b: User
    leader_a: User
    member_a: User
    operator_staff: User
    viewer: User


def make_user(username: str, unit: Unit, role: Role, phone: str | None = None) -> User:
    user = User.objects.create(username=username, full_name=username.replace(".", " ").title(), phone=phone)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def build_world() -> World:
    # Transactional tests flush the tables, the kinds of the data migration too.
    ensure_default_kinds(UnitKind)
    k = {kind.code: kind for kind in UnitKind.objects.all()}

    def make(kind: str, name: str, parent: Unit | None, **extra: object) -> Unit:
        return unit_create(actor=None, kind=k[kind], name=name, parent=parent, log=False, **extra)  # type: ignore[arg-type]

    province = make("province", "Tỉnh Lạng Sơn", None, code="20", code_system="2025")
    ward_a = make("commune", "Phường Lương Văn Tri", province, code="05983", code_system="2025")
    ward_b = make("commune", "Phường Đông Kinh", province, code="05977", code_system="2025")
    end = datetime.date(2025, 6, 30)
    district = make("district", "Thành phố Lạng Sơn", province, code="178", code_system="2024", valid_to=end)
    legacy_ward = make("commune", "Phường Chi Lăng", district, code="05983", code_system="2024", valid_to=end)
    legacy_village = make("village", "Khối Bà Triệu (cũ)", legacy_ward, valid_to=end)
    unit_merge(actor=None, unit=legacy_ward, into=ward_a, last_day=end, log=False)
    committee_a = make("people_committee", "UBND phường Lương Văn Tri", ward_a)
    committee_b = make("people_committee", "UBND phường Đông Kinh", ward_b)
    office = make("coordinating_office", "Phòng Văn hóa và Thông tin", province)
    operator = make("operator_branch", "Viettel Lạng Sơn", province)
    villages_a = [make("village", f"Khối {n}", ward_a) for n in (1, 2, 3)]
    village_b = make("village", "Thôn Nà Chuông", ward_b)
    team_a = make("digital_team", "Tổ công nghệ số số 1", ward_a)
    team_set_coverage(actor=None, team=team_a, villages=villages_a[:2])
    team_b = make("digital_team", "Tổ công nghệ số Đông Kinh", ward_b)
    team_set_coverage(actor=None, team=team_b, villages=[village_b])
    return World(
        province=province,
        ward_a=ward_a,
        ward_b=ward_b,
        legacy_district=district,
        legacy_ward=legacy_ward,
        legacy_village=legacy_village,
        committee_a=committee_a,
        committee_b=committee_b,
        office=office,
        operator=operator,
        villages_a=villages_a,
        village_b=village_b,
        team_a=team_a,
        team_b=team_b,
        admin=make_user("admin", province, Role.ADMINISTRATOR),
        coordinator=make_user("coordinator", office, Role.COORDINATOR),
        reporter_a=make_user("reporter.a", committee_a, Role.REPORTER, phone="+84912000003"),
        reporter_b=make_user("reporter.b", committee_b, Role.REPORTER),
        leader_a=make_user("leader.a", team_a, Role.TEAM_LEADER),
        member_a=make_user("member.a", team_a, Role.TEAM_MEMBER),
        operator_staff=make_user("viettel", operator, Role.OPERATOR_STAFF),
        viewer=make_user("viewer", province, Role.VIEWER),
    )


def _written_by(build: Callable[[], object]) -> list[tuple[type[Model], list[dict[str, Any]]]]:
    """Run ``build`` and return the rows it wrote, table by table (in the order of the models, parents first)."""
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    before = {m: set(m._default_manager.values_list("pk", flat=True)) for m in models}
    build()
    written = []
    for model, old in before.items():
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = [
            row
            for row in model._default_manager.order_by("pk").values(*fields)
            if row[model._meta.pk.attname] not in old
        ]
        if rows:
            written.append((model, rows))
    return written


def _write_again(written: list[tuple[type[Model], list[dict[str, Any]]]]) -> None:
    """Insert the rows ``_written_by`` kept, with their primary keys, one bulk insert per table.

    One transaction: a transactional test has none around it, and PostgreSQL checks each table's foreign keys
    when its insert commits, before the tables it points to were written again. The fields stamped on save
    (``auto_now``, ``auto_now_add``) are stamped again with the time of this insert.
    """
    now = timezone.now()
    with transaction.atomic():
        for model, rows in written:
            stamped = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
            stamped += [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
            model._default_manager.bulk_create([model(**{**row, **dict.fromkeys(stamped, now)}) for row in rows])


class _WorldCache:
    """The world built once per test process, then written again row for row in each test.

    Building it through the services costs about 300 queries (0.1 s on SQLite, 0.2 to 0.4 s on PostgreSQL)
    and about 400 tests ask for it. The first test of a process builds it and keeps the rows it wrote; later
    tests insert the same rows, with the same primary keys, in one bulk insert per table, so that every
    test starts from exactly the world the services build. Primary keys are safe to reuse: each test's
    transaction is rolled back, and a sequence never goes back below a key it handed out. What the rows
    hang on that the world does not write (the unit kinds seeded by a migration) is part of the key: a
    transactional test that flushed the tables makes the next test build the world again.
    """

    def __init__(self) -> None:
        self.base: tuple[tuple[int, str], ...] | None = None
        self.world: World | None = None
        self.rows: list[tuple[type[Model], list[dict[str, Any]]]] = []

    @staticmethod
    def _base() -> tuple[tuple[int, str], ...]:
        return tuple(UnitKind.objects.order_by("pk").values_list("pk", "code"))

    def get(self) -> World:
        ensure_default_kinds(UnitKind)
        base = self._base()
        if self.world is not None and base == self.base:
            _write_again(self.rows)
            return copy.deepcopy(self.world)
        built: list[World] = []
        self.rows = _written_by(lambda: built.append(build_world()))
        self.base, self.world = base, copy.deepcopy(built[0])
        return built[0]


class _DemoCache:
    """The demo (``load_demo``) loaded once per test process for the tests that walk it unchanged, then written
    again row for row, as the world is (``_WorldCache``): loading it through the services costs about 5 s of
    CPU on SQLite, writing its rows again a small part of that.

    The key is what the database held before (each table's row count and highest key) and the day (the demo's
    reports hang on today): anything else there, and the demo is loaded through the services again. The files
    the demo stored (a shop's signed commitment) are kept too and stored again under their name when a test
    removed them.
    """

    def __init__(self) -> None:
        self.key: tuple[object, ...] | None = None
        self.rows: list[tuple[type[Model], list[dict[str, Any]]]] = []
        self.files: list[tuple[Any, str, bytes]] = []

    @staticmethod
    def _key() -> tuple[object, ...]:
        from django.db.models import IntegerField, Max, TextField
        from django.db.models.functions import Cast

        def top(model: type[Model]) -> Any:
            # PostgreSQL has no MAX of a uuid: a key that is not a number is compared as text.
            return Max("pk") if isinstance(model._meta.pk, IntegerField) else Max(Cast("pk", TextField()))

        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
        state = tuple(
            (m._meta.label, *m._default_manager.aggregate(n=Count("pk"), top=top(m)).values()) for m in models
        )
        return (timezone.localdate(), state)

    def load(self) -> None:
        from switchoff.demo.services import load_demo

        key = self._key()
        if self.key == key:
            _write_again(self.rows)
            for storage, name, content in self.files:
                if not storage.exists(name):
                    assert storage.save(name, ContentFile(content)) == name
            return
        self.rows = _written_by(load_demo)
        self.files = []
        for model, rows in self.rows:
            for f in model._meta.concrete_fields:
                if isinstance(f, FileField):
                    for row in rows:
                        if row[f.attname]:
                            with f.storage.open(row[f.attname]) as stored:
                                self.files.append((f.storage, row[f.attname], stored.read()))
        self.key = key


_demo_cache = _DemoCache()


@pytest.fixture
def demo(db: None) -> None:
    """The demo, as ``load_demo`` loads it on an empty database."""
    _demo_cache.load()


_world_cache = _WorldCache()


@pytest.fixture
def world(db: None) -> World:
    return _world_cache.get()


def logged_in(user: User) -> Client:
    """A client logged in as ``user``, with two-factor verified like after a real login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from switchoff.people.services import user_requires_two_factor

    client = Client()
    client.force_login(user)
    if user_requires_two_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        # django_otp reads this key to mark the session as verified.
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Login throttling counters live in the cache; every test starts clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """A request in English leaves English active in its thread; start every test in Vietnamese."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


# In CI the suite runs on SQLite, then again on PostgreSQL: the second run takes only the tests that reach the
# database (SWITCHOFF_TESTS_DB_ONLY=1, set by .ci/run), since the others would repeat themselves to the letter.
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
DB_USERS = {"django_db_setup", "live_server"}


def has_database_access(item: pytest.Item) -> bool:
    """The test itself may query the database (a mark or a fixture opens it for the test)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(DB_FIXTURES & fixtures)


def uses_database(item: pytest.Item) -> bool:
    """The test reaches the database: itself, or through a fixture wider than the test, or a live server."""
    return has_database_access(item) or bool(DB_USERS & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("SWITCHOFF_TESTS_DB_ONLY") != "1":
        return
    keep = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


# Every test that touched the database ends with the counters checked against the rows they count
# (``manage.py verify_counts``): the registry's scenarios, the reports', and every later feature's.
# It runs in the test's call phase, inside its database access, and costs a query per key family.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    result = yield  # a failing test raises here, and is reported as it failed
    if has_database_access(item) and item.get_closest_marker("counts_unverified") is None:
        from switchoff.counts.verify import find_differences, unit_names

        differences = find_differences()
        if differences:
            names = unit_names(differences)
            lines = "\n".join(d.describe(names) for d in differences)
            pytest.fail(f"verify_counts found {len(differences)} differences after the test:\n{lines}")
    return result
