"""Write discipline: audit rows only inside the change's transaction, workers started after the commit,
one checked path to an import job and to a subscriber, and the scope of work assigned to a person or a team."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.audit.services import log_action
from switchoff.lib.sheets import read_file
from switchoff.lib.uploads import store_upload
from switchoff.people.access import assigned_scope
from switchoff.people.models import Membership, User
from switchoff.people.roles import Perm, Role
from switchoff.people.services import api_token_create
from switchoff.subscribers.access import access_import_job, access_subscriber
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.jobs import owner_key
from switchoff.subscribers.models import Household, ImportJob, RememberedMapping, Subscriber
from switchoff.subscribers.services import import_job_cancel, import_job_create, import_job_restart
from switchoff.units.models import Unit
from tests.conftest import World, build_world, logged_in

LIST = "STT;SĐT;Họ tên;Địa chỉ\n1;0868000001;Lò Văn Em;Khối 1, Phường Lương Văn Tri\n".encode()
AUG = datetime.date(2024, 8, 1)


def queue(world: World, actor: User | None = None, area: Unit | None = None) -> ImportJob:
    area = area or world.province
    upload_id, _path = store_upload(
        "subscribers", owner_key(world.operator.pk, area.pk), SimpleUploadedFile("a.csv", LIST)
    )
    return import_job_create(
        actor=actor or world.operator_staff,
        operator=world.operator,
        area=area,
        as_of=AUG,
        upload_id=upload_id,
        file_name="a.csv",
        via="test",
    )


@pytest.mark.django_db(transaction=True)
def test_log_action_outside_a_transaction_raises() -> None:
    world = build_world()
    with pytest.raises(RuntimeError, match="outside a transaction"):
        log_action("units.unit.created", actor=None, obj=world.ward_a)
    assert not AuditEvent.objects.filter(action="units.unit.created").exists()
    with transaction.atomic():
        log_action("units.unit.created", actor=None, obj=world.ward_a)
    assert AuditEvent.objects.filter(action="units.unit.created").count() == 1


def test_the_test_cases_own_transaction_does_not_count(world: World) -> None:
    """The suite runs inside a TestCase transaction: log_action still refuses what production would refuse."""
    assert transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError):
        log_action("units.unit.created", actor=None, obj=world.ward_a)
    with transaction.atomic():
        log_action("units.unit.created", actor=None, obj=world.ward_a)


@pytest.mark.django_db(transaction=True)
def test_an_import_job_starts_only_once_its_row_is_committed() -> None:
    """Huey runs tasks immediately in the tests: a task queued inside the transaction would run right there."""
    world = build_world()
    with transaction.atomic():
        job = queue(world)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.QUEUED and not Subscriber.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Subscriber.objects.count() == 1
    # A job whose transaction rolls back is never started (and never existed).
    with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
        queue(world)
        raise RuntimeError("rolled back")
    assert ImportJob.objects.count() == 1 and Subscriber.objects.count() == 1


def test_cancel_and_restart_are_services_with_their_audit_row_and_retries_change_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # the worker is not run: the job stays queued
        job = queue(world)
    staff = world.operator_staff
    for _retry in range(2):
        assert import_job_cancel(actor=staff, job=job).status == ImportJob.Status.CANCELLED
    assert AuditEvent.objects.filter(action="subscribers.import.cancelled", object_id=str(job.pk)).count() == 1
    with django_capture_on_commit_callbacks(execute=True) as started:
        for _retry in range(2):
            import_job_restart(actor=staff, job=job)
    assert len(started) == 2  # clearing the cancel flag, then the task: once, the retry found a queued job
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert AuditEvent.objects.filter(action="subscribers.import.restarted", object_id=str(job.pk)).count() == 1
    assert import_job_cancel(actor=staff, job=job).status == ImportJob.Status.DONE  # finished: nothing to cancel


def test_the_column_choices_are_remembered_by_the_job_service(world: World) -> None:
    read = read_file(LIST, "a.csv")
    upload_id, _path = store_upload(
        "subscribers", owner_key(world.operator.pk, world.province.pk), SimpleUploadedFile("a.csv", LIST)
    )
    common: dict[str, Any] = {"operator": world.operator, "area": world.province, "as_of": AUG, "via": "test"}
    with pytest.raises(PermissionDenied):
        # Someone who may not import this operator's lists queues nothing, remembers nothing.
        import_job_create(actor=world.reporter_a, upload_id=upload_id, file_name="a.csv", mapping={"msisdn": 1},
                          remember_from=read, **common)  # fmt: skip
    assert not RememberedMapping.objects.exists() and not ImportJob.objects.exists()
    import_job_create(actor=world.operator_staff, upload_id=upload_id, file_name="a.csv",
                      mapping={"msisdn": 1, "name": 2}, remember_from=read, **common)  # fmt: skip
    assert RememberedMapping.objects.get(operator=world.operator).headers == {"msisdn": "sdt", "name": "ho ten"}


def colleague(world: World) -> User:
    """Another member of the operator branch's staff, who did not start the job."""
    user = User.objects.create_user(username="viettel.2", password="x", full_name="Đồng nghiệp")
    Membership.objects.create(user=user, unit=world.operator, role=Role.OPERATOR_STAFF)
    return user


def test_who_may_follow_an_import_job(world: World) -> None:
    job = queue(world, actor=world.coordinator, area=world.ward_a)
    allowed = {
        "creator": world.coordinator,
        "import over the area": world.admin,
        "staff of the job's operator": colleague(world),
    }
    for who, user in allowed.items():
        assert access_import_job(user, job.pk) == job, who
    for user in (world.reporter_a, world.viewer, world.member_a):
        with pytest.raises(Http404):
            access_import_job(user, job.pk)
    with pytest.raises(Http404):
        access_import_job(world.coordinator, job.pk + 1000)


def test_the_page_and_the_api_follow_the_same_rule(world: World) -> None:
    """The page used to show a job only to its creator and to importers of its area, the API to the operator too."""
    job = queue(world)
    other = colleague(world)
    _token, raw = api_token_create(user=other, name="script")
    api = logged_in(other)
    api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    assert api.get(f"/api/v1/registry/jobs/{job.pk}").status_code == 200
    assert logged_in(other).get(reverse("subscribers:job", args=[job.pk])).status_code == 200
    outsider = world.reporter_b
    _token, raw = api_token_create(user=outsider, name="script")
    api = logged_in(outsider)
    api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    assert api.get(f"/api/v1/registry/jobs/{job.pk}").status_code == 404
    assert logged_in(outsider).get(reverse("subscribers:job", args=[job.pk])).status_code == 404


def test_access_subscriber_is_the_one_way_to_a_subscriber(world: World) -> None:
    import_list(read_file(LIST, "a.csv"), content=LIST, actor=None, operator=world.operator, area=world.province,
                as_of=AUG, file_name="a.csv")  # fmt: skip
    subscriber = Subscriber.objects.get()
    assert access_subscriber(world.reporter_a, subscriber.pk) == subscriber
    assert access_subscriber(world.operator_staff, subscriber.pk) == subscriber
    with pytest.raises(Http404):
        access_subscriber(world.reporter_b, subscriber.pk)
    for name in ("detail", "reveal", "assign"):
        url = reverse(f"subscribers:{name}", args=[subscriber.pk])
        client = logged_in(world.reporter_b)
        response = client.get(url) if name == "detail" else client.post(url, {"unit": world.ward_b.pk})
        assert response.status_code == 404, name


def test_assigned_scope_is_the_person_or_a_team_they_belong_to(world: World) -> None:
    """Households stand in for assigned work: ``unit`` is the team, ``confirmed_by`` the person."""

    def row(team: Unit, member: User) -> Household:
        return Household.objects.create(unit=team, name="Hộ", confirmed_by=member)

    to_my_team = row(world.team_a, world.admin)
    to_me = row(world.team_b, world.member_a)
    row(world.team_b, world.admin)  # another team's, not mine
    row(world.villages_a[0], world.admin)  # a village my team covers: an area, not an assignment

    def seen(user: User, perm: Perm = Perm.VIEW_SUBSCRIBERS) -> set[int]:
        scope = assigned_scope(user, perm, member="confirmed_by", team="unit")
        return set(Household.objects.filter(scope).values_list("pk", flat=True))

    assert seen(world.member_a) == {to_my_team.pk, to_me.pk}
    assert seen(world.leader_a) == {to_my_team.pk}
    # Only roles that grant the permission count, for the team's rows and for the person's own.
    assert seen(world.member_a, Perm.IMPORT_SUBSCRIBERS) == set()
    Membership.objects.filter(user=world.member_a).delete()
    assert seen(User.objects.get(pk=world.member_a.pk)) == set()
    assert seen(world.reporter_b) == set()


def test_views_and_api_endpoints_write_no_audit_row_themselves() -> None:
    """Every write, and its audit row, lives in a service: views and endpoints only call them."""
    root = Path(__file__).resolve().parent.parent / "switchoff"
    offenders = []
    pages = [*root.glob("*/views.py"), *root.glob("*/views/*.py")]
    assert root / "reports" / "views" / "report.py" in pages  # a views package is read too
    for path in sorted([*pages, *root.glob("*/api.py"), root / "api" / "root.py"]):
        text = path.read_text()
        if "log_action" in text or re.search(r"\bimport_job_task\b|\.objects\.(create|update|get_or_create)\(", text):
            offenders.append(str(path.relative_to(root)))
        if re.search(r"\.objects\.filter\([^)]*\)\.(update|delete)\(", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
