"""bench/devices: classify 1,000,000 IMEIs against a 200,000-row device table through the bulk path.

A throw-away SQLite database (or the one DATABASE_URL names) gets 200,000
generated device models (random radio bits); the classifier is built from it
once (one query, as a bulk file or an API batch does), then a million IMEIs
are classified: 80 % of known TACs, 15 % of unknown ones, 5 % invalid (a wrong
check digit, a letter, a wrong length, spaces). Only the classification is
timed; the table's load and the classifier's build are printed too.

Then the registry's side: in a child process per database (a fresh SQLite file,
and PostgreSQL's ``switchoff_bench_devices`` when it is reachable), the same
device table and an operator's list of 1,000,000 subscribers, each with an IMEI
(80 % of known TACs), written as the importer writes them; timed is the one
UPDATE that gives the list's subscribers their device class
(``devices.registry.classify_list``, what ``subscribers.services.list_write``
runs inside the import's transaction), then the same again with nothing to
change.

The last line: ``registry_classify_s_1m_sqlite=… registry_classify_s_1m_pg=…
imei_classify_per_s=…`` (the target: ≥ 1,000,000 IMEIs per second on this machine).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="switchoff-bench-devices-")
os.environ.setdefault("SWITCHOFF_VAR_DIR", workdir)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
# The bench builds and reads tables of millions of rows outside any job: not under the web's time limits
# (DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS), which would cancel them.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from stdnum import luhn  # noqa: E402

DEVICES = int(os.environ.get("BENCH_DEVICES", "200000"))
IMEIS = int(os.environ.get("BENCH_IMEIS", "1000000"))
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "1000000"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench_devices")


def load_devices(rng: random.Random) -> tuple[list[str], list[str]]:
    """The generated device table (written once per database), and as many TACs again that it does not have."""
    from switchoff.devices.importer import CheckedTable, DeviceRow
    from switchoff.devices.models import DeviceModel
    from switchoff.devices.services import devices_import

    call_command("migrate", verbosity=0)
    tacs = rng.sample(range(10_000_000, 99_999_999), DEVICES + 50_000)
    known, unknown = [f"{t:08d}" for t in tacs[:DEVICES]], [f"{t:08d}" for t in tacs[DEVICES:]]
    if not DeviceModel.objects.exists():
        rows = [
            DeviceRow(t, "Bench", f"M{i}", rng.randrange(0, 32), "Handset", rng.random() < 0.3)
            for i, t in enumerate(known)
        ]
        devices_import(actor=None, checked=CheckedTable(rows_read=len(rows), rows=rows), source="bench")
    return known, unknown


def registry_child() -> None:
    """A list of SUBSCRIBERS with IMEIs in this process's database; prints the classification's seconds."""
    from django.db import connection, transaction

    from switchoff.devices.registry import classify_list
    from switchoff.lib.bulk import bulk_insert
    from switchoff.subscribers.models import Subscriber
    from switchoff.units.kinds import ensure_default_kinds
    from switchoff.units.models import UnitKind
    from switchoff.units.services import unit_create

    rng = random.Random(15)
    known, unknown = load_devices(rng)
    ensure_default_kinds(UnitKind)
    kinds = {k.code: k for k in UnitKind.objects.all()}
    province = unit_create(actor=None, kind=kinds["province"], name="Tỉnh Bench", parent=None, log=False)
    operator = unit_create(actor=None, kind=kinds["operator_branch"], name="Bench", parent=province, log=False)

    def rows():  # type: ignore[no-untyped-def]
        for n in range(SUBSCRIBERS):
            tac = rng.choice(known) if rng.random() < 0.80 else rng.choice(unknown)
            body = tac + f"{n % 1_000_000:06d}"
            yield (f"+8486{n:08d}", body + luhn.calc_check_digit(body))

    day = "2024-08-01"
    with transaction.atomic():
        bulk_insert(
            Subscriber._meta.db_table,
            ("msisdn", "imei"),
            rows(),
            {"operator_id": operator.pk, "list_area_id": province.pk, "status": "listed", "first_seen": day,
             "last_listed": day, "msisdn_original": "", "name": "", "search_name": "", "address": "",
             "device": ""},
        )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as import_list does after a big list, before the classification
            cursor.execute(f"ANALYZE {Subscriber._meta.db_table}")
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        with transaction.atomic():
            changed = classify_list(operator_id=operator.pk, area_id=province.pk)
        timings.append(time.perf_counter() - start)
        print(f"  {connection.vendor}: {changed:,} subscribers classified in {timings[-1]:.2f} s", file=sys.stderr)
    print(f"registry_classify_s={timings[0]:.2f} registry_classify_again_s={timings[1]:.2f}")


def registry_on(database_url: str, workdir: str) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url, "SWITCHOFF_VAR_DIR": workdir}
    done = subprocess.run(
        [sys.executable, __file__, "--registry"], env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    last = done.stdout.strip().splitlines()[-1]
    return {k: float(v) for k, v in (part.split("=") for part in last.split())}


def main() -> None:
    if sys.argv[1:] == ["--registry"]:
        registry_child()
        return
    from switchoff.devices.bulk import VERDICTS
    from switchoff.devices.selectors import build_classifier
    from switchoff.devices.verdicts import Stops

    rng = random.Random(15)
    start = time.perf_counter()
    known, unknown = load_devices(rng)
    load_s = time.perf_counter() - start

    start = time.perf_counter()
    classifier = build_classifier(Stops(g2=None, g3=None))
    build_s = time.perf_counter() - start

    # A pool of IMEI texts drawn as a file brings them (made once: generating is not what is measured).
    pool: list[str] = []
    for _ in range(200_000):
        roll = rng.random()
        tac = rng.choice(known) if roll < 0.80 else rng.choice(unknown)
        body = tac + f"{rng.randrange(1_000_000):06d}"
        imei = body + luhn.calc_check_digit(body)
        if roll >= 0.95:
            kind = rng.randrange(4)
            imei = [
                body + str((int(luhn.calc_check_digit(body)) + 1) % 10),  # wrong check digit
                imei[:7] + "O" + imei[8:],  # a letter O for a zero
                imei[:-2],  # too short
                f"{imei[:2]} {imei[2:8]} {imei[8:]}",  # spaces, still valid
            ][kind]
        pool.append(imei)
    imeis = [pool[rng.randrange(len(pool))] for _ in range(IMEIS)]

    start = time.perf_counter()
    result = classifier.classify(imeis)
    classify_s = time.perf_counter() - start
    counts = {str(v): int((result.verdicts == i).sum()) for i, v in enumerate(VERDICTS)}
    print(f"devices={DEVICES} imeis={IMEIS} load_s={load_s:.1f} build_s={build_s:.2f} classify_s={classify_s:.3f}")
    print(" ".join(f"{k}={v}" for k, v in counts.items()))

    size = f"{SUBSCRIBERS // 1_000_000}m" if SUBSCRIBERS >= 1_000_000 else f"{SUBSCRIBERS // 1000}k"
    parts = []
    sqlite = registry_on(f"sqlite:///{workdir}/registry.sqlite3", workdir)
    parts.append(f"registry_classify_s_{size}_sqlite={sqlite['registry_classify_s']:.2f}")
    admin = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "DROP DATABASE IF EXISTS switchoff_bench_devices",
         "-c", "CREATE DATABASE switchoff_bench_devices"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if admin.returncode == 0:
        pg = registry_on(PG_URL, workdir)
        parts.append(f"registry_classify_s_{size}_pg={pg['registry_classify_s']:.2f}")
    else:
        print("PostgreSQL not reachable: the registry's classification measured on SQLite only")
    print(" ".join([*parts, f"imei_classify_per_s={IMEIS / classify_s:.0f}"]))


if __name__ == "__main__":
    main()
