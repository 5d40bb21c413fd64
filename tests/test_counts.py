"""One counter mechanism: deltas beside each change, summed over a unit's rollup, squashed, verified."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from switchoff.counts.models import Count, CountTotal
from switchoff.counts.selectors import count_totals
from switchoff.counts.services import Delta, count_add, counts_add_many
from switchoff.counts.squash import squash_counts
from switchoff.counts.verify import find_differences
from switchoff.lib.sheets import read_file
from switchoff.subscribers import counts as keys
from switchoff.subscribers.importer import import_list
from switchoff.subscribers.selectors import unit_counts
from switchoff.units.models import UnitKind
from switchoff.units.services import unit_create
from tests.conftest import World, build_world, logged_in

AUG = datetime.date(2024, 8, 1)
SEP = datetime.date(2024, 9, 1)


def import_csv(world: World, lines: list[str], *, day: datetime.date, area: object = None, operator: object = None):  # type: ignore[no-untyped-def]
    content = ("STT;Số thuê bao;Họ và tên;Địa chỉ\n" + "\n".join(lines) + "\n").encode()
    return import_list(
        read_file(content, "ds.csv"),
        content=content,
        operator=operator or world.operator,  # type: ignore[arg-type]
        area=area or world.province,  # type: ignore[arg-type]
        as_of=day,
        allow_mass_leave=True,  # these small lists leave most of their area on purpose
    )


def test_a_provinces_strip_counts_the_subscribers_its_page_lists_unresolved_ones_too(world: World) -> None:
    import_csv(
        world,
        [
            "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri",
            "2;0868123460;Mã Văn Lạ;Bản Không Biết, Xã Không Có",
            "3;0868123461;Lò Thị Cúc;",
        ],
        day=AUG,
    )
    page = logged_in(world.coordinator).get(reverse("subscribers:registry"), {"unit": world.province.pk})
    assert len(page.context["rows"]) == 3
    assert (page.context["counts"].listed, page.context["counts"].new) == (3, 3)
    # Unresolved, they count in the list's area, not in a ward.
    assert unit_counts(world.ward_a).listed == 1


def test_unresolved_subscribers_count_in_the_area_of_the_list_that_named_them_last(world: World) -> None:
    lines = ["1;0868123460;Mã Văn Lạ;Bản Không Biết", "2;0868123461;Lò Thị Cúc;Bản Khác"]
    import_csv(world, lines, day=AUG)
    assert (unit_counts(world.province).listed, unit_counts(world.ward_a).listed) == (2, 0)
    # The ward's own list names one of them again, still without a known address: now the ward's.
    import_csv(world, lines[:1], day=SEP, area=world.ward_a)
    assert (unit_counts(world.province).listed, unit_counts(world.ward_a).listed) == (2, 1)
    # The province's next list without either: both left, each where they counted.
    import_csv(world, ["1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri"], day=datetime.date(2024, 10, 1))
    province, ward = unit_counts(world.province), unit_counts(world.ward_a)
    assert (province.listed, province.left, ward.listed, ward.left) == (1, 2, 1, 1)
    assert find_differences() == []


def test_a_relisted_subscriber_no_longer_counts_as_left(world: World) -> None:
    line = "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri"
    other = "2;0868123457;Hoàng Thị Bình;Khối 1, Phường Lương Văn Tri"
    import_csv(world, [line, other], day=AUG)
    import_csv(world, [other], day=SEP)
    assert (unit_counts(world.ward_a).listed, unit_counts(world.ward_a).left) == (1, 1)
    import_csv(world, [line, other], day=datetime.date(2024, 10, 1))
    assert (unit_counts(world.ward_a).listed, unit_counts(world.ward_a).left) == (2, 0)


def test_the_strip_follows_the_operator_filter(world: World) -> None:
    vnpt = unit_create(
        actor=None,
        kind=UnitKind.objects.get(code="operator_branch"),
        name="VNPT Lạng Sơn",
        parent=world.province,
        log=False,
    )
    import_csv(world, ["1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri"], day=AUG)
    import_csv(world, ["1;0912345678;Lò Văn Em;Khối 1, Phường Lương Văn Tri"], day=AUG, operator=vnpt)
    client = logged_in(world.coordinator)
    every = client.get(reverse("subscribers:registry"), {"unit": world.ward_a.pk}).context
    assert every["counts"].listed == 2
    assert {o.pk for o in every["operators"]} == {world.operator.pk, vnpt.pk}
    one = client.get(reverse("subscribers:registry"), {"unit": world.ward_a.pk, "operator": vnpt.pk}).context
    assert one["counts"].listed == 1
    assert {o.pk for o in one["operators"]} == {world.operator.pk, vnpt.pk}  # the choices stay


def test_counts_are_read_in_one_query_whatever_the_depth(world: World) -> None:
    import_csv(world, ["1;0868123456;Nguyễn Văn An;Khối Bà Triệu (cũ), Phường Chi Lăng, TP Lạng Sơn"], day=AUG)
    world.legacy_village.refresh_from_db()  # its rollup path changed when its ward merged
    for unit in (world.province, world.ward_a, world.legacy_village):
        with CaptureQueriesContext(connection) as queries:
            counts = unit_counts(unit)
        assert len(queries) == 1
        assert counts.listed == 1  # the legacy village rolls up into the ward and the province


def test_squashing_keeps_every_total_and_leaves_one_row_per_day(world: World) -> None:
    unit = world.ward_a.pk
    counts_add_many([Delta(unit_id=unit, key="test.k", delta=n, day=AUG) for n in (1, 2, 3)])
    count_add(unit_id=unit, key="test.k", delta=4, day=SEP)
    count_add(unit_id=unit, key="test.k", delta=5, dimension=7, day=SEP)
    counts_add_many([Delta(unit_id=unit, key="test.zero", delta=n, day=AUG) for n in (2, -2)])
    before = count_totals(unit=world.province, keys=["test.k", "test.zero"])
    assert before == {("test.k", 0): 10, ("test.k", 7): 5}
    # In batches: (k, 0, AUG), (k, 0, SEP), (k, 7, SEP), (zero, 0, AUG); then the three non-zero ones
    # rolled up into the ward and the province.
    assert squash_counts(batch=2) == 4 + 3 * 2
    assert count_totals(unit=world.province, keys=["test.k", "test.zero"]) == before
    assert count_totals(unit=world.province, keys=["test.k"], until=AUG) == {("test.k", 0): 6}
    rows = Count.objects.filter(key__startswith="test.").order_by("day", "dimension")
    assert list(rows.values_list("day", "dimension", "delta", "is_squashed")) == [
        (AUG, 0, 6, True),
        (SEP, 0, 4, True),
        (SEP, 7, 5, True),
    ]
    count_add(unit_id=unit, key="test.k", delta=-6, day=AUG)
    assert squash_counts() == 1 + 2
    assert list(rows.values_list("day", "delta")) == [(SEP, 4), (SEP, 5)]
    assert squash_counts() == 0
    totals = CountTotal.objects.filter(key__startswith="test.", unit=world.province)
    assert list(totals.order_by("day", "dimension").values_list("day", "delta", "is_squashed")) == [
        (SEP, 4, True),
        (SEP, 5, True),
    ]
    Count.objects.filter(key__startswith="test.").delete()
    CountTotal.objects.filter(key__startswith="test.").delete()


def test_verify_counts_names_each_difference_and_fixes_them(world: World) -> None:
    import_csv(world, ["1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri"], day=AUG)
    call_command("verify_counts", stdout=StringIO())  # nothing to say
    village = world.villages_a[0]
    count_add(unit_id=village.pk, key=keys.LISTED, delta=2, dimension=world.operator.pk)
    count_add(unit_id=world.ward_b.pk, key=keys.LEFT, delta=-1, dimension=world.operator.pk)
    count_add(unit_id=world.ward_b.pk, key="forgotten.feature", delta=1)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_counts", stdout=out)
    assert out.getvalue().splitlines() == [  # by unit (the ward was made before its villages), then key
        f"{world.ward_b.pk} {world.ward_b.name}, subscribers.status.left, {world.operator.pk}: counted -1, actual 0",
        f"{village.pk} {village.name}, subscribers.status.listed, {world.operator.pk}: counted 3, actual 1",
        f"{world.ward_b.pk} {world.ward_b.name}, forgotten.feature, 0: counted 1, no rebuild registered",
    ]
    with pytest.raises(CommandError):  # the unregistered key cannot be fixed
        call_command("verify_counts", "--fix", stdout=StringIO())
    assert [d.key for d in find_differences()] == ["forgotten.feature"]
    Count.objects.filter(key="forgotten.feature").delete()
    # Its rolled-up totals now count what is no longer below them: named, and fixed.
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_counts", stdout=out)
    assert f"{world.ward_b.pk} {world.ward_b.name} (rolled up), forgotten.feature, 0: counted 1, actual 0" in (
        out.getvalue().splitlines()
    )
    call_command("verify_counts", "--fix", stdout=StringIO())
    out = StringIO()
    call_command("verify_counts", stdout=out)
    assert out.getvalue().strip() == "No difference."
    assert unit_counts(village).listed == 1


@pytest.mark.django_db(transaction=True)
def test_counts_are_written_only_inside_the_transaction_of_their_change() -> None:
    world = build_world()
    with pytest.raises(AssertionError):
        count_add(unit_id=world.ward_a.pk, key=keys.LISTED, delta=1)
    with transaction.atomic():
        count_add(unit_id=world.ward_a.pk, key="test.k", delta=1)
    Count.objects.all().delete()
    CountTotal.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_unitcount_rows_and_corrects_what_they_could_not_know() -> None:
    executor = MigrationExecutor(connection)
    old = [("subscribers", "0007_importjob_allow_mass_leave"), ("counts", "0001_initial")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    Unit, UnitKind_ = apps.get_model("units", "Unit"), apps.get_model("units", "UnitKind")
    Subscriber, UnitCount = apps.get_model("subscribers", "Subscriber"), apps.get_model("subscribers", "UnitCount")
    kind = UnitKind_.objects.create(code="k", name="k", category="commune")
    area = Unit.objects.create(kind=kind, name="Tỉnh", search_name="tinh", path="/1/", rollup_path="/1/")
    ward = Unit.objects.create(
        kind=kind, name="Phường", search_name="phuong", parent=area, path="/2/", rollup_path="/1/2/"
    )
    operator = Unit.objects.create(kind=kind, name="Viettel", search_name="viettel", path="/3/", rollup_path="/3/")
    common = {"operator": operator, "list_area": area, "first_seen": AUG, "last_listed": AUG}
    Subscriber.objects.create(msisdn="+84868123456", unit=ward, status="listed", **common)
    Subscriber.objects.create(msisdn="+84868123457", unit=ward, status="listed", **common)  # relisted
    Subscriber.objects.create(msisdn="+84868123458", unit=None, status="listed", **common)  # unresolved
    UnitCount.objects.create(unit=ward, operator=operator, day=AUG, listed=3, new=3)
    UnitCount.objects.create(unit=ward, operator=operator, day=SEP, listed=-1, left=1)
    UnitCount.objects.create(unit=ward, operator=operator, day=datetime.date(2024, 10, 1), listed=1)
    UnitCount.objects.create(unit=None, operator=operator, day=AUG, listed=1, new=1)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    history = Count.objects.filter(day__lt=datetime.date(2024, 11, 1)).order_by("day", "key")
    assert list(history.values_list("unit_id", "key", "day", "delta")) == [
        (ward.pk, keys.LISTED, AUG, 3),
        (ward.pk, keys.LEFT, SEP, 1),
        (ward.pk, keys.LISTED, SEP, -1),
        (ward.pk, keys.LISTED, datetime.date(2024, 10, 1), 1),
    ]
    assert find_differences() == []  # corrected: the unresolved one in the area, nobody left in the ward
    with connection.cursor() as cursor:
        assert "subscribers_unitcount" not in connection.introspection.table_names(cursor)


@pytest.mark.django_db(transaction=True)
def test_a_squash_beside_an_uncommitted_writer_counts_each_row_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: the squash waits for the other transaction")
    world = build_world()
    unit = world.ward_a.pk
    with transaction.atomic():
        counts_add_many([Delta(unit_id=unit, key="test.k", delta=n, day=AUG) for n in (1, 2)])
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # a second connection, its own transaction left open
            other.set_autocommit(False)
            cursor.execute(
                "INSERT INTO counts_count (unit_id, key, dimension, day, delta, is_squashed) "
                "VALUES (%s, 'test.k', 0, %s, 5, FALSE)",
                [unit, AUG],
            )
            assert squash_counts() == 1 + 2  # does not wait for, nor see, the other's row (+ the ward's, province's)
            other.commit()
    finally:
        other.close()
    rows = Count.objects.filter(key="test.k").order_by("delta")
    assert list(rows.values_list("delta", "is_squashed")) == [(3, True), (5, False)]
    assert squash_counts() == 1
    assert list(rows.values_list("delta", "is_squashed")) == [(8, True)]
    Count.objects.all().delete()
    CountTotal.objects.all().delete()


def test_the_worker_squashes_counts_on_its_schedule(world: World) -> None:
    from switchoff.schedule import squash_counts_often

    counts_add_many([Delta(unit_id=world.ward_a.pk, key=keys.LISTED, delta=n, dimension=9) for n in (1, -1)])
    squash_counts_often.call_local()
    assert not Count.objects.exists()
