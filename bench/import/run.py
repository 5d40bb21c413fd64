"""bench/import: an operator's list of N rows (default 1,000,000) imported end to end, on SQLite and PostgreSQL.

It generates a realistic CSV (Vietnamese names and addresses, a share of messy
and pre-2018 numbers, legacy 2024 addresses, duplicates), then for each
database, in a child process with a fresh database:
  1. loads the Lạng Sơn units (2025 and 2024),
  2. imports the file (check, then write) and times it,
  3. times the raw bulk load of the same cleaned rows (PostgreSQL COPY,
     SQLite executemany in one transaction) as the baseline, and the database
     alone storing them with no Python per row (``db_only_rows_per_s_*``: the
     ceiling of any import on this machine),
  4. imports the same file again (no change),
  5. times a unit's registry page query and its counts.
Then, end to end as a person waits on the import page (each in a fresh
database): the uploaded file stored, the job's check step (which saves the
cleaned rows), the confirmation, and the job's write of the saved rows, for
the same list on both databases (``end_to_end_rows_per_s_*``), for a national
list of as many rows over the 34 provinces on PostgreSQL, split by province
(``end_to_end_rows_per_s_pg_national``, and its share of ``db_only_rows_per_s_pg``; beside it the
database alone storing the national list's own rows, ``db_only_rows_per_s_pg_national``, as these carry an
address and spread over a thousand units where the provincial list's rows carry none),
and for a list
of BENCH_RSS_ROWS rows (default 5,000,000) on PostgreSQL, whose process's peak
memory is ``peak_rss_mb_5m``.
The last line prints key=value pairs. BENCH_ROWS changes the size;
BENCH_REGISTRY_ROWS=0 skips the 20-million-row registry; BENCH_RSS_ROWS=0 skips the large list.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
# The registry the page is measured on (PostgreSQL): grown to this many subscribers after the import.
REGISTRY_ROWS = int(os.environ.get("BENCH_REGISTRY_ROWS", "20000000"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench")
PG_NAME = PG_URL.rsplit("/", 1)[1]
RSS_ROWS = int(os.environ.get("BENCH_RSS_ROWS", "5000000"))

FAMILY = ["Nguyễn", "Hoàng", "Nông", "Lương", "Vi", "Hà", "Triệu", "Lăng", "Chu", "Lò", "Đinh", "Mã"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Em", "Gấm", "Hải", "Lan", "Mai", "Sơn", "Tú", "Vân"]
PLACES = [
    ("Khối {n}", "Phường Lương Văn Tri", ""),
    ("Khối {n}", "Phường Chi Lăng", "Thành phố Lạng Sơn"),
    ("Thôn Nà {n}", "Xã Hoàng Đồng", "Thành phố Lạng Sơn"),
    ("Tổ dân phố {n}", "Phường Tam Thanh", ""),
    ("Khối {n}", "Phường Đông Kinh", ""),
    ("Thôn {n}", "Xã Mai Pha", "TP Lạng Sơn"),
]


def generate(path: Path, rows: int = ROWS) -> None:
    rng = random.Random(2024)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["DANH SÁCH THUÊ BAO 2G ONLY - VIETTEL LẠNG SƠN"])
        writer.writerow(["STT", "Số thuê bao", "Họ và tên", "Thôn/Tổ", "Phường/Xã", "Huyện", "Loại máy"])
        for n in range(1, rows + 1):
            number = 868000000 + n
            style = n % 20
            if style == 0:
                written = f"0{number:09d}"[:4] + " " + f"0{number:09d}"[4:]
            elif style == 1:
                written = str(number)  # Excel lost the leading 0
            elif style == 2:
                written = f"+84 {number}"
            elif style == 3:
                written = f"0163{n % 10_000_000:07d}"  # pre-2018 Viettel number
            elif style == 4 and n > 10:
                written = f"0{868000000 + n - 7:09d}"  # a duplicate of an earlier row
            else:
                written = f"0{number:09d}"
            village, commune, district = PLACES[n % len(PLACES)]
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            writer.writerow([n, written, name, village.format(n=n % 12 + 1), commune, district, "Nokia 1280"])
        writer.writerow(["", "", "Tổng cộng", "", "", "", ""])


def generate_national(path: Path, rows: int = ROWS) -> None:
    """A national list: ``rows`` rows spread over the 34 provinces, a few hundred wards each, written as clerks
    write them (level words abbreviated or left out, the province with or without its own, without diacritics
    on one row in four), with the same share of messy numbers and duplicates as ``generate``."""
    from vietnam_provinces import Province, Ward

    sys.path.insert(0, str(ROOT))
    from switchoff.lib.text import fold

    def bare(name: str, division: str) -> str:  # "Phường Hoàn Kiếm" is "Hoàn Kiếm"
        return name[len(division) + 1 :] if name.lower().startswith(division.lower() + " ") else name

    places: list[tuple[str, str]] = []
    for province in sorted(Province.iter_all(), key=lambda p: p.code.value):
        wards = sorted(Ward.iter_by_province(province.code), key=lambda w: w.code.value)[::3]
        city = province.name.startswith("Thành phố ")
        province_name = bare(province.name, "Thành phố" if city else "Tỉnh")
        short = "TP" if city else "T."
        for n, ward in enumerate(wards):
            division = ward.division_type.value
            level = {"phường": "P.", "xã": "X.", "đặc khu": "Đặc khu"}.get(division.lower(), division)
            where = f"{short} {province_name}" if n % 2 else province_name
            places.append((f"{level} {bare(ward.name, division)}", where))
    # And Lạng Sơn's addresses of 2024 (a ward, a commune in its city), as in ``generate``.
    places += [(f"{commune}, {district}".strip(", "), "Lạng Sơn") for _v, commune, district in PLACES]
    rng = random.Random(2025)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["DANH SÁCH THUÊ BAO 2G ONLY - VIETTEL TOÀN QUỐC"])
        writer.writerow(["STT", "Số thuê bao", "Họ và tên", "Địa chỉ", "Loại máy"])
        for n in range(1, rows + 1):
            number = 868000000 + n
            written = f"0{868000000 + n - 7:09d}" if n % 20 == 4 and n > 10 else f"0{number:09d}"
            if n % 20 == 1:
                written = str(number)  # Excel lost the leading 0
            commune, province = places[n % len(places)]
            address = f"Thôn {n % 12 + 1}, {commune}, {province}"
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            writer.writerow([n, written, name, fold(address) if n % 4 == 0 else address, "Nokia 1280"])


AS_OF = datetime.date(2024, 8, 1)
COLUMNS = (
    "operator_id", "msisdn", "msisdn_original", "name", "search_name", "address", "unit_id", "list_area_id",
    "imei", "device", "status", "first_seen", "last_listed", "left_on", "first_list_id",
)  # fmt: skip


def index_fields() -> list[tuple[bool, list[str]]]:
    """The registry table's own indexes, as (unique, columns), so that the baseline pays for the same ones."""
    from django.db.models import UniqueConstraint

    from switchoff.subscribers.models import Subscriber

    def column(name: str) -> str:
        return Subscriber._meta.get_field(name).column

    found = [(False, [column(f) for f in index.fields]) for index in Subscriber._meta.indexes]
    found += [
        (True, [column(f) for f in c.fields]) for c in Subscriber._meta.constraints if isinstance(c, UniqueConstraint)
    ]
    return found


def sqlite_registry_like(cursor: Any, name: str) -> None:
    """SQLite: an empty table ``name`` with the registry's columns and indexes, without its foreign keys."""
    cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'subscribers_subscriber'")
    ddl = cursor.fetchone()[0].replace('"subscribers_subscriber"', name, 1)
    cursor.execute(re.sub(r' REFERENCES "[a-z_]+" \("id"\) DEFERRABLE INITIALLY DEFERRED', "", ddl))
    for n, (unique, fields) in enumerate(index_fields()):
        kind = "UNIQUE INDEX" if unique else "INDEX"
        cursor.execute(f"CREATE {kind} {name}_{n} ON {name} ({', '.join(fields)})")


def setup_child() -> Any:
    """Django, a migrated database and the Lạng Sơn units; the operator branch."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
    # The bench builds and reads tables of millions of rows outside any job: not under the web's time limits
    # (DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS), which would cancel them.
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from switchoff.units.loaders import load_province
    from switchoff.units.models import UnitKind
    from switchoff.units.services import unit_create

    call_command("migrate", verbosity=0)
    province = load_province("Lạng Sơn", legacy=True).province
    viettel = unit_create(
        actor=None, kind=UnitKind.objects.get(code="operator_branch"), name="Viettel Lạng Sơn", parent=province
    )
    return province, viettel


def setup_country() -> Any:
    """Django, a migrated database, the country with its 2024 structure; a national operator branch."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from switchoff.units.loaders import load_country
    from switchoff.units.models import UnitKind
    from switchoff.units.services import unit_create

    call_command("migrate", verbosity=0)
    country = load_country(legacy=True).country
    viettel = unit_create(actor=None, kind=UnitKind.objects.get(code="operator_branch"), name="Viettel", parent=country)
    return country, viettel


def child_end_to_end(path: Path, label: str, *, national: bool = False) -> None:
    """From the uploaded bytes to the committed registry, as a person waits on the import page.

    ``national``: a list for the whole country, split by province (the country loaded first, not timed).
    """
    province, viettel = setup_country() if national else setup_child()
    from django.core.files.uploadedfile import UploadedFile

    from switchoff.lib.uploads import store_upload
    from switchoff.people.models import User
    from switchoff.subscribers import jobs
    from switchoff.subscribers.models import ImportJob, Subscriber

    person = User.objects.create(username="bench.importer", full_name="Bench")
    owner = jobs.owner_key(viettel.pk, province.pk)
    started = time.perf_counter()
    with path.open("rb") as handle:  # the upload, as the page stores it
        upload_id, _stored = store_upload("subscribers", owner, UploadedFile(handle, name=path.name))
    job = ImportJob.objects.create(
        operator=viettel, area=province, as_of=AS_OF, upload_id=upload_id, file_name=path.name,
        status=ImportJob.Status.CHECKING, created_by=person,
    )  # fmt: skip
    jobs.run_job(job.pk)  # the job's check step: every row read and checked, the cleaned rows saved
    check_s = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, (job.status, job.message)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)  # the confirmation
    jobs.run_job(job.pk)  # the write of the saved rows
    total_s = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, (job.status, job.message)
    rows = Subscriber.objects.count()
    assert job.result is not None and rows == job.result.summary["good"] == job.result.summary["new"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    provinces = Subscriber.objects.values("list_area_id").distinct().count()
    assert not national or provinces == 34, provinces
    # A national list's own rows in the database alone (their addresses, a thousand units): not timed above.
    from django.db import connection

    own_db_only_s = database_only_s(connection) if national else 0.0
    print(
        f"{label}: rows={rows} e2e_check_s={check_s:.1f} e2e_s={total_s:.1f} peak_rss_mb={peak_mb:.0f} "
        f"provinces={provinces} db_only_s={own_db_only_s:.2f}"
    )


def child(path: Path, label: str) -> None:
    province, viettel = setup_child()
    from django.db import connection, transaction

    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.importer import check_list, import_list
    from switchoff.subscribers.models import Subscriber
    from switchoff.units.models import Unit

    content = path.read_bytes()

    # Phase one as the import page runs it (every row checked, nothing written).
    started = time.perf_counter()
    checked = check_list(read_file(content, path.name), content=content, operator=viettel, area=province)
    check_s = time.perf_counter() - started
    del checked
    # Phase two as the worker runs it after confirmation: read, check again and write, in one transaction.
    started = time.perf_counter()
    result = import_list(read_file(content, path.name), content=content, operator=viettel, area=province, as_of=AS_OF)
    import_s = time.perf_counter() - started
    # The largest process: this one, or (SQLite) the child that read the file meanwhile.
    peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    rows = result.new
    assert rows == result.checked.good, (rows, result.checked.good)

    # Raw baseline: the same cleaned rows, loaded with the database's own bulk path into a table
    # with the registry's columns and indexes (no foreign keys), in one transaction.
    clean = list(Subscriber.objects.order_by("pk").values_list(*[c.removesuffix("_id") for c in COLUMNS]))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE raw_baseline (LIKE subscribers_subscriber INCLUDING ALL)")
        else:
            sqlite_registry_like(cursor, "raw_baseline")
    raw_started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY raw_baseline ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in clean:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(f"INSERT INTO raw_baseline ({', '.join(COLUMNS)}) VALUES ({marks})", clean)  # noqa: S608
    raw_s = time.perf_counter() - raw_started
    del clean
    db_only_s = database_only_s(connection)

    # The same file again: recognised by its content before it is read.
    second_started = time.perf_counter()
    again = import_list(read_file(content, path.name), content=content, operator=viettel, area=province, as_of=AS_OF)
    second_s = time.perf_counter() - second_started
    assert again.already_imported

    ward = Unit.objects.get(code_system="2025", code="05983")
    small = registry_page_ms(ward)
    big = {"page": 0.0, "number": 0.0, "name": 0.0}
    if connection.vendor == "postgresql" and Subscriber.objects.count() < REGISTRY_ROWS:
        grow_registry(province, REGISTRY_ROWS)
        big = registry_page_ms(ward)
    print(
        f"{label}: rows={rows} check_s={check_s:.1f} import_s={import_s:.1f} raw_s={raw_s:.2f} second_s={second_s:.3f} "
        f"page_ms={small['page']:.1f} number_ms={small['number']:.1f} name_ms={small['name']:.1f} "
        f"big_page_ms={big['page']:.1f} big_number_ms={big['number']:.1f} big_name_ms={big['name']:.1f} "
        f"peak_rss_mb={peak_mb:.0f} db_only_s={db_only_s:.2f}"
    )


def database_only_s(connection: Any) -> float:
    """The database alone storing the imported rows, no Python per row: the floor under any import here.

    PostgreSQL: the registry's rows copied out in COPY's own format, then timed as COPY reads them back
    (blocks of bytes handed over, nothing parsed in Python) into a table with the registry's indexes.
    SQLite: INSERT … SELECT into a table with the registry's indexes, all in SQLite's C code.
    """
    from django.db import transaction

    table = "subscribers_subscriber"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE db_only (LIKE {table} INCLUDING ALL)")
            with tempfile.TemporaryFile() as dump:
                with cursor.copy(f"COPY {table} TO STDOUT") as out:  # type: ignore[attr-defined]
                    for block in out:
                        dump.write(block)
                dump.seek(0)
                started = time.perf_counter()
                with (
                    transaction.atomic(),
                    connection.cursor() as inner,
                    inner.copy("COPY db_only FROM STDIN") as copy,  # type: ignore[attr-defined]
                ):
                    while block := dump.read(1 << 20):
                        copy.write(block)
                took = time.perf_counter() - started
        else:
            sqlite_registry_like(cursor, "db_only")
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as inner:
                inner.execute(f"INSERT INTO db_only SELECT * FROM {table}")  # noqa: S608
            took = time.perf_counter() - started
        cursor.execute("DROP TABLE db_only")
    return took


def registry_page_ms(ward: Any) -> dict[str, float]:
    """Server time of a ward's registry page, as a ward official opens it (view, queries, template).

    ``page``: the slower of the first page and the next one (each with the ward's
    counts); ``number``: a search by a number; ``name``: a search by a name that
    matches nobody (every subscriber of the ward is looked at). Best of three runs each.
    """
    from django.test import Client
    from django.test.utils import setup_test_environment

    from switchoff.people.models import Membership, User
    from switchoff.people.roles import Role
    from switchoff.subscribers.models import Subscriber
    from switchoff.units.models import Unit

    if not hasattr(setup_test_environment, "done"):
        setup_test_environment()  # so that responses carry their context (the next page's key)
        setup_test_environment.done = True  # type: ignore[attr-defined]
    committee = Unit.objects.filter(parent=ward, kind__code="people_committee").first() or ward
    user, _created = User.objects.get_or_create(username="bench.ward", defaults={"full_name": "Bench"})
    Membership.objects.get_or_create(user=user, unit=committee, role=Role.REPORTER)
    client = Client()
    client.force_login(user)

    def best(params: dict[str, object]) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert client.get("/registry/", params).status_code == 200
            times.append(time.perf_counter() - started)
        return min(times) * 1000

    first = client.get("/registry/", {"unit": ward.pk})
    pages = [best({"unit": ward.pk})]
    if first.context["next_after"]:
        pages.append(best({"unit": ward.pk, "after": first.context["next_after"]}))
    some = Subscriber.objects.filter(unit__in=Unit.objects.rolling_into(ward)).order_by("-pk").first()
    number = "0" + some.msisdn[3:] if some else "0912345678"
    return {
        "page": max(pages),
        "number": best({"unit": ward.pk, "q": number}),
        "name": best({"unit": ward.pk, "q": "khong co ai ten nay"}),
    }


def grow_registry(province: Any, total: int) -> None:
    """Another operator's subscribers, spread over the province's units, until the registry holds ``total``.

    Written by PostgreSQL itself (generate_series), 2 million rows at a time,
    with the counters an import would have kept; then the statistics are refreshed.
    """
    from django.db import connection, transaction

    from switchoff.subscribers.models import Subscriber
    from switchoff.units.models import Unit, UnitKind
    from switchoff.units.services import unit_create

    branch = unit_create(
        actor=None, kind=UnitKind.objects.get(code="operator_branch"), name="VNPT Lạng Sơn", parent=province
    )
    units = list(
        Unit.objects.rolling_into(province)
        .filter(kind__category__in=["commune", "village"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    have = Subscriber.objects.count()
    step = 2_000_000
    for start in range(0, total - have, step):
        count = min(step, total - have - start)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO subscribers_subscriber (operator_id, msisdn, msisdn_original, name, search_name, "
                "address, unit_id, list_area_id, imei, device, status, first_seen, last_listed, left_on) "
                "SELECT %s, '+843' || (2 + g / 10000000)::text || lpad((g %% 10000000)::text, 7, '0'), '', "
                "'Nguyễn Văn ' || g, 'nguyen van ' || g, '', "
                "(%s::bigint[])[1 + g %% %s], %s, '', 'Nokia 1280', "
                "CASE WHEN g %% 10 = 0 THEN 'left' ELSE 'listed' END, DATE '2024-08-01', DATE '2024-08-01', NULL "
                "FROM generate_series(%s, %s) g",
                [branch.pk, units, len(units), province.pk, start + 1, start + count],
            )
        print(f"  registry: {have + start + count:,} subscribers", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO counts_count (unit_id, key, dimension, day, delta, is_squashed) "
            "SELECT COALESCE(unit_id, list_area_id), 'subscribers.status.' || status, operator_id, DATE '2024-08-01', "
            "COUNT(*), TRUE FROM subscribers_subscriber WHERE operator_id = %s GROUP BY 1, 2, 3",
            [branch.pk],
        )
    # As autovacuum would after such a load: statistics, and the visibility map index-only scans need.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE subscribers_subscriber")
        cursor.execute("VACUUM ANALYZE counts_count")


def fresh_pg() -> bool:
    admin = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {PG_NAME}",
         "-c", f"CREATE DATABASE {PG_NAME}"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    return admin.returncode == 0


def run_child(path: Path, label: str, database_url: str, workdir: str, mode: str = "--child") -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url, "SWITCHOFF_VAR_DIR": workdir}
    output = (
        subprocess.run(
            [sys.executable, __file__, mode, str(path), label],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    print(output)
    return {k: float(v) for k, v in (part.split("=") for part in output.split(": ", 1)[1].split())}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] in ("--end-to-end", "--national"):
        child_end_to_end(Path(sys.argv[2]), sys.argv[3], national=sys.argv[1] == "--national")
        return
    workdir = tempfile.mkdtemp(prefix="switchoff-bench-import-")
    path = Path(workdir) / "viettel.csv"
    generate(path)
    print(f"generated {ROWS} rows, {path.stat().st_size / 1e6:.0f} MB")
    results = {"sqlite": run_child(path, "sqlite", f"sqlite:///{workdir}/bench.sqlite3", workdir)}
    if fresh_pg():
        results["pg"] = run_child(path, "pg", PG_URL, workdir)
    else:
        print("PostgreSQL not reachable: only SQLite measured")
    # End to end, each in a fresh database: the page's upload, the job's check, the confirmation, the write.
    e2e = {"sqlite": run_child(path, "sqlite e2e", f"sqlite:///{workdir}/e2e.sqlite3", workdir, "--end-to-end")}
    if "pg" in results and fresh_pg():
        e2e["pg"] = run_child(path, "pg e2e", PG_URL, workdir, "--end-to-end")
    # A national list of as many rows over the 34 provinces, end to end on PostgreSQL.
    national = None
    if "pg" in results and fresh_pg():
        country_list = Path(workdir) / "viettel-national.csv"
        generate_national(country_list)
        national = run_child(country_list, "pg e2e national", PG_URL, workdir, "--national")
        country_list.unlink()
    large = None
    if "pg" in results and RSS_ROWS and fresh_pg():
        big = Path(workdir) / "viettel-large.csv"
        generate(big, RSS_ROWS)
        print(f"generated {RSS_ROWS} rows, {big.stat().st_size / 1e6:.0f} MB")
        large = run_child(big, "pg e2e large", PG_URL, workdir, "--end-to-end")
        big.unlink()
    parts = []
    for label, r in results.items():
        parts.append(f"import_rows_per_s_{label}={r['rows'] / r['import_s']:.0f}")
    for label, r in results.items():
        parts.append(f"ratio_to_raw_{label}={r['import_s'] / max(r['raw_s'], 1e-6):.1f}")
    for label, r in results.items():
        parts.append(f"second_import_s_{label}={r['second_s']:.3f}")
    for label, r in results.items():  # the database alone storing the same rows: no import can beat it
        parts.append(f"db_only_rows_per_s_{label}={r['rows'] / max(r['db_only_s'], 1e-6):.0f}")
    parts.append(f"peak_rss_mb={max(r['peak_rss_mb'] for r in results.values()):.0f}")
    for label, r in results.items():
        parts.append(f"registry_page_ms_{ROWS // 1000}k_{label}={r['page_ms']:.1f}")
    for label, r in e2e.items():
        parts.append(f"end_to_end_rows_per_s_{label}={r['rows'] / r['e2e_s']:.0f}")
    if national is not None:
        per_s = national["rows"] / national["e2e_s"]
        db_only = results["pg"]["rows"] / max(results["pg"]["db_only_s"], 1e-6)
        parts.append(f"end_to_end_rows_per_s_pg_national={per_s:.0f}")
        parts.append(f"national_over_db_only_pg={per_s / db_only:.2f}")
        # The ceiling for the national list's own rows (an address of about 30 characters on each, over a
        # thousand units), which the provincial list's rows (no address column, a few wards) do not carry.
        own = national["rows"] / max(national["db_only_s"], 1e-6)
        parts.append(f"db_only_rows_per_s_pg_national={own:.0f}")
        parts.append(f"national_over_own_db_only_pg={per_s / own:.2f}")
    if large is not None:
        parts.append(f"peak_rss_mb_{RSS_ROWS // 1_000_000}m={large['peak_rss_mb']:.0f}")
        parts.append(f"end_to_end_rows_per_s_pg_{RSS_ROWS // 1_000_000}m={large['rows'] / large['e2e_s']:.0f}")
    if results.get("pg", {}).get("big_page_ms"):
        size = f"{REGISTRY_ROWS // 1_000_000}m"
        parts.append(f"registry_page_ms_{size}={results['pg']['big_page_ms']:.1f}")
        parts.append(f"registry_number_search_ms_{size}={results['pg']['big_number_ms']:.1f}")
        parts.append(f"registry_name_search_ms_{size}={results['pg']['big_name_ms']:.1f}")
    print(" ".join(parts))


if __name__ == "__main__":
    main()
