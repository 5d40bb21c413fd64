"""bench/visits: field members posting visits to the app served by gunicorn on PostgreSQL.

1. A throw-away PostgreSQL database (BENCH_PG_URL, default switchoff_bench_visits on loopback)
   is made, migrated and seeded: a ward with TEAMS villages, a team covering each, MEMBERS
   members per team each with a field device token, a running campaign and an operator's list
   of CASES_PER_TEAM subscribers per village, imported through the one import path (which
   makes the cases).
2. gunicorn serves the app on loopback (WORKERS workers, sync or THREADS threads each, DEBUG off).
3. locust, headless (bench/visits/locustfile.py), runs USERS members for DURATION seconds:
   batches of visits and single visits, a tenth of the requests sent twice with the same
   visit ids, and a bare authenticated endpoint (GET /api/v1/field/me) in the same run.
4. The visits in the database are counted against what the server acknowledged.

The last line prints key=value pairs: visits_per_s (visits acknowledged on their first send, per
second of the run), p95_ms (over every request that posts visits, batches and single ones, retries
included), lost (acknowledged but absent from the database), duplicated (rows beyond one per visit
id sent, plus retries answered "created" instead of "same"), ratio_to_bare (median time of a single
visit over the median time of the bare endpoint). The line before it gives the detail.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench_visits")
TEAMS = int(os.environ.get("BENCH_TEAMS", "20"))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "2"))
CASES_PER_TEAM = int(os.environ.get("BENCH_CASES_PER_TEAM", "200"))
USERS = int(os.environ.get("BENCH_USERS", "6"))
DURATION = int(os.environ.get("BENCH_DURATION_S", "30"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))  # above 1: gunicorn's gthread workers
BIN = Path(sys.executable).parent

workdir = tempfile.mkdtemp(prefix="switchoff-bench-visits-")
SERVER_ENV = {
    **os.environ,
    "DATABASE_URL": PG_URL,
    "SWITCHOFF_VAR_DIR": workdir,
    "DJANGO_SETTINGS_MODULE": "switchoff.settings",
    "DEBUG": "0",
    "LOG_LEVEL": "WARNING",
    "DB_CONN_MAX_AGE": "600",
}


def make_database() -> bool:
    """A fresh throw-away database; False when PostgreSQL cannot be reached (psql missing or refused)."""
    name = PG_URL.rsplit("/", 1)[1]
    drop, create = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"
    try:
        admin = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", drop, "-c", create],
            check=False,
            capture_output=True,
        )
    except FileNotFoundError:
        return False
    if admin.returncode != 0:
        print(admin.stderr.decode(errors="replace").strip())
    return admin.returncode == 0


def seed() -> dict[str, Any]:
    """Units, teams, members with device tokens, a campaign and its cases (in this process, then closed)."""
    os.environ.update(SERVER_ENV)
    import datetime

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from switchoff.campaigns.services import assignments_add, campaign_create
    from switchoff.fieldwork.models import Case
    from switchoff.fieldwork.services import device_enrol
    from switchoff.lib.sheets import read_file
    from switchoff.people.models import Membership, User
    from switchoff.people.roles import Role
    from switchoff.subscribers.services import list_write
    from switchoff.units.kinds import ensure_default_kinds
    from switchoff.units.models import Unit, UnitKind
    from switchoff.units.services import team_set_coverage, unit_create

    call_command("migrate", verbosity=0)
    ensure_default_kinds(UnitKind)
    kinds = {kind.code: kind for kind in UnitKind.objects.all()}

    def make(kind: str, name: str, parent: Unit | None, **extra: Any) -> Unit:
        return unit_create(actor=None, kind=kinds[kind], name=name, parent=parent, log=False, **extra)

    province = make("province", "Tỉnh Lạng Sơn", None, code="20", code_system="2025")
    ward = make("commune", "Phường Lương Văn Tri", province, code="05983", code_system="2025")
    office = make("coordinating_office", "Phòng Văn hóa và Thông tin", province)
    operator = make("operator_branch", "Viettel Lạng Sơn", province)
    make("people_committee", "UBND phường Lương Văn Tri", ward)
    today = timezone.localdate()
    campaign = campaign_create(
        actor=None,
        name="Lộ trình dừng công nghệ di động 2G",
        area=province,
        coordinating_unit=office,
        recipient_name="Sở Khoa học và Công nghệ tỉnh Lạng Sơn",
        issuing_body="ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
        place_name="Lạng Sơn",
        signer_title="Trưởng phòng",
        signer_name="Nguyễn Văn A",
        start_date=today - datetime.timedelta(days=30),
        cutoff_date=today + datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=365),
    )
    assignments_add(actor=None, campaign=campaign, kind_codes=["people_committee", "operator_branch"], within=province)
    members: list[dict[str, Any]] = []
    teams: list[tuple[Unit, list[User]]] = []
    for n in range(1, TEAMS + 1):
        village = make("village", f"Khối {n}", ward)
        team = make("digital_team", f"Tổ công nghệ số khối {n}", ward)
        team_set_coverage(actor=None, team=team, villages=[village])
        people = []
        for m in range(1, MEMBERS + 1):
            user = User.objects.create(username=f"member.{n}.{m}", full_name=f"Thành viên {n}.{m}")
            Membership.objects.create(user=user, unit=team, role=Role.TEAM_MEMBER)
            people.append(user)
        teams.append((team, people))
    rows = io.StringIO()
    writer = csv.writer(rows, delimiter=";")
    writer.writerow(["STT", "Số thuê bao", "Họ và tên", "Địa chỉ"])
    for n in range(1, TEAMS + 1):
        for k in range(CASES_PER_TEAM):
            row = (n - 1) * CASES_PER_TEAM + k
            writer.writerow(
                [row + 1, f"0868{row:06d}", f"Nguyễn Văn {row}", f"Số {k // 3 + 1}, Khối {n}, Phường Lương Văn Tri"]
            )
    content = rows.getvalue().encode()
    list_write(read_file(content, "list.csv"), content=content, operator=operator, area=province,
               as_of=today - datetime.timedelta(days=20), allow_mass_leave=True)  # fmt: skip
    for team, people in teams:
        cases = list(Case.objects.filter(team=team).values_list("pk", "version"))
        assert len(cases) == CASES_PER_TEAM, (team, len(cases))
        for user in people:
            _device, token = device_enrol(actor=user, name="bench")
            members.append({"token": token, "cases": cases})
    connection.close()
    return {"members": members}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_up(base: str, token: str) -> None:
    request = urllib.request.Request(f"{base}/api/v1/field/me", headers={"Authorization": f"Device {token}"})  # noqa: S310
    for _ in range(120):
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def warm_up(base: str, members: list[dict[str, Any]]) -> None:
    """Every worker answers a few requests first: its first one loads the URLs and the API's schemas (seconds)."""
    from concurrent.futures import ThreadPoolExecutor

    def hit(n: int) -> None:
        token = members[n % len(members)]["token"]
        request = urllib.request.Request(f"{base}/api/v1/field/me", headers={"Authorization": f"Device {token}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  (loopback)
            response.read()

    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        list(pool.map(hit, range(WORKERS * 20)))


def count(sent: set[str]) -> tuple[int, int]:
    """(visits sent that are in the database, rows in the database)."""
    from switchoff.fieldwork.models import Visit

    in_db = 0
    ids = list(sent)
    for start in range(0, len(ids), 5000):
        in_db += Visit.objects.filter(pk__in=ids[start : start + 5000]).count()
    return in_db, Visit.objects.count()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    if not make_database():
        # The figures mean something only on the production database: nothing is measured without it.
        print("PostgreSQL not reachable on 127.0.0.1 (psql -U postgres): bench/visits needs it, nothing measured")
        return
    seeded = seed()
    seed_path = Path(workdir) / "seed.json"
    seed_path.write_text(json.dumps(seeded))
    out_path = Path(workdir) / "out.json"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "switchoff.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--threads", str(THREADS), "--log-level", "warning", "--chdir", str(ROOT), "--preload"],
        env=SERVER_ENV,
    )  # fmt: skip
    try:
        wait_up(base, seeded["members"][0]["token"])
        warm_up(base, seeded["members"])
        started = time.monotonic()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless", "--users",
             str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{DURATION}s", "--host", base, "--only-summary",
             "--loglevel", "WARNING", "--stop-timeout", "10"],
            env={**os.environ, "BENCH_VISITS_SEED": str(seed_path), "BENCH_VISITS_OUT": str(out_path)},
            check=False,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        elapsed = min(time.monotonic() - started, DURATION + 10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = json.loads(out_path.read_text())
    answers: dict[str, list[str]] = result["answers"]
    acknowledged = {i for i, got in answers.items() if got[0] in ("created", "same")}
    retried_created = sum(1 for got in answers.values() if got.count("created") > 1)
    refused = sum(1 for got in answers.values() if got[0] not in ("created", "same"))
    sent = set(answers) | set(result["failed"])
    in_db, rows = count(sent)
    lost = len(acknowledged) - count(acknowledged)[0]
    duplicated = max(0, rows - len(sent)) + retried_created
    timings: dict[str, list[float]] = {}
    errors = 0
    for name, ms, ok in result["timings"]:
        timings.setdefault(name, []).append(ms)
        errors += 0 if ok else 1
    posting = [ms for name in ("batch", "batch retry", "one", "one retry") for ms in timings.get(name, [])]
    first_sends = sum(1 for got in answers.values() if got[0] == "created")
    ratio = statistics.median(timings["one"]) / statistics.median(timings["bare"])
    detail = {
        "requests": len(result["timings"]),
        "errors": errors,
        "refused_visits": refused,
        "visits_in_db": in_db,
        "p50_one_ms": round(statistics.median(timings["one"]), 1),
        "p95_one_ms": round(percentile(timings["one"], 0.95), 1),
        "p50_batch_ms": round(statistics.median(timings["batch"]), 1),
        "p95_batch_ms": round(percentile(timings["batch"], 0.95), 1),
        "p50_bare_ms": round(statistics.median(timings["bare"]), 1),
        "p95_bare_ms": round(percentile(timings["bare"], 0.95), 1),
        "users": USERS,
        "workers": WORKERS,
        "threads": THREADS,
        "batch": int(os.environ.get("BENCH_VISITS_BATCH", "50")),
    }
    print(" ".join(f"{k}={v}" for k, v in detail.items()))
    print(
        f"visits_per_s={first_sends / elapsed:.0f} p95_ms={percentile(posting, 0.95):.1f} lost={lost} "
        f"duplicated={duplicated} ratio_to_bare={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
