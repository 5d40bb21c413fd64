"""bench/sync: the field app on a 3G link, as a member with 500 cases uses it, through the real app in Chromium.

1. A throw-away PostgreSQL database (BENCH_PG_URL, default switchoff_bench_sync on loopback) is made,
   migrated and seeded: a ward with VILLAGES villages, one team covering them, a member of it, a
   running campaign and an operator's list of CASES subscribers imported through the one import path
   (which makes the cases, imported a day before: their last change is then).
2. The static files are collected and compressed as in production (collectstatic, then WhiteNoise's
   own compressor), and gunicorn serves the app on loopback (DEBUG off, WhiteNoise for the static files).
   Between Chromium and gunicorn a small relay counts every byte, both ways, headers included: what the
   member's prepaid data pays for, the service worker's fetches too.
3. Debian's Chromium (Playwright) at 360 x 740, its network set by the DevTools protocol's
   Network.emulateNetworkConditions to DOWN_KBPS down, UP_KBPS up and LATENCY_MS latency. The member logs
   in and taps "Use this phone for field work" (not measured), then:
   - first sync: from that tap to the 500 cases listed and synced, and the bytes until the app is
     installed (the service worker's precache included);
   - a visit: one visit saved with signal, sent, and the list brought up to date: the bytes;
   - reopening: the app closed and opened again with nothing changed (the installed app: its shell from
     the service worker, the list's changes since the sync token): the bytes.

The look log's growth (issue 28): each download of the case list writes one ``NumberView`` row per page of up to
500 case ids and an audit row. Read from the database after each step (rows, and their bytes as stored:
``pg_column_size`` of each row, its ids compressed or not), and the two tables' size on disk at the end, their
indexes (the GIN index of "who looked at this number") included.

The last line prints first_sync_s, first_sync_kb, visit_sync_kb, reopen_kb (KB = 1024 bytes, both ways), then
looks_first_sync, looks_first_sync_kb, audit_first_sync, looks_visit, audit_visit, looks_reopen, audit_reopen and
look_tables_kb. Targets (issue 22): first sync <= 3 s and <= 150 KB; after a visit <= 5 KB; reopening unchanged
<= 5 KB.
"""

from __future__ import annotations

import asyncio
import csv
import datetime
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench_sync")
CASES = int(os.environ.get("BENCH_CASES", "500"))
VILLAGES = int(os.environ.get("BENCH_VILLAGES", "10"))
DOWN_KBPS = int(os.environ.get("BENCH_DOWN_KBPS", "750"))
UP_KBPS = int(os.environ.get("BENCH_UP_KBPS", "250"))
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", "300"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PASSWORD = "bench-sync-password-2026"  # noqa: S105  (a throw-away database's member)
BIN = Path(sys.executable).parent

workdir = tempfile.mkdtemp(prefix="switchoff-bench-sync-")
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


def seed() -> None:
    """Units, a team and its member, a campaign and its cases (in this process, then closed)."""
    os.environ.update(SERVER_ENV)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from switchoff.campaigns.services import campaign_create
    from switchoff.fieldwork.models import Case
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
    today = timezone.localdate()
    campaign_create(
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
    villages = [make("village", f"Khối {n}", ward) for n in range(1, VILLAGES + 1)]
    team = make("digital_team", "Tổ công nghệ số số 1", ward)
    team_set_coverage(actor=None, team=team, villages=villages)
    member = User.objects.create(username="member.bench", full_name="Nguyễn Thị Thành Viên")
    member.set_password(PASSWORD)
    member.save()
    Membership.objects.create(user=member, unit=team, role=Role.TEAM_MEMBER)
    rows = io.StringIO()
    writer = csv.writer(rows, delimiter=";")
    writer.writerow(["STT", "Số thuê bao", "Họ và tên", "Địa chỉ"])
    surnames = ["Nguyễn Văn", "Trần Thị", "Hoàng Văn", "Lý Thị", "Nông Văn", "Vi Thị", "Lương Văn", "Hà Thị"]
    names = ["An", "Bình", "Cúc", "Dũng", "Hoa", "Khánh", "Lan", "Minh", "Nga", "Phúc", "Quang", "Thắm"]
    for n in range(CASES):
        village = n % VILLAGES + 1
        name = f"{surnames[n % len(surnames)]} {names[(n // len(surnames)) % len(names)]}"
        writer.writerow(
            [n + 1, f"0868{n:06d}", name, f"Số {n // 3 + 1}, ngõ {n % 7 + 1}, Khối {village}, Phường Lương Văn Tri"]
        )
    content = rows.getvalue().encode()
    list_write(read_file(content, "list.csv"), content=content, operator=operator, area=province,
               as_of=today - datetime.timedelta(days=20), allow_mass_leave=True)  # fmt: skip
    assert Case.objects.filter(team=team).count() == CASES
    # Imported a day ago: a member's phone syncs long after the list came.
    Case.objects.update(changed_at=timezone.now() - datetime.timedelta(days=1))
    connection.close()


class Relay:
    """A TCP relay between the browser and gunicorn that counts the bytes each way."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.down = 0
        self.up = 0
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def reset(self) -> None:
        self.down = self.up = 0

    def kb(self) -> float:
        return (self.down + self.up) / 1024

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            writer.close()
            return

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, downward: bool) -> None:
            try:
                while chunk := await source.read(65536):
                    if downward:
                        self.down += len(chunk)
                    else:
                        self.up += len(chunk)
                    sink.write(chunk)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, True))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_up(base: str) -> None:
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=5) as response:  # noqa: S310  (loopback)
                if response.status == 200:
                    return
        except urllib.error.HTTPError as refused:
            # 503: gunicorn answers, and the health check misses what a bench does not run (the worker, the
            # scheduler): the app serves all the same.
            if refused.code == 503:
                return
            time.sleep(0.5)
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def collect_static() -> None:
    """As in production: collectstatic, then every file compressed beside it (WhiteNoise serves the .gz)."""
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=SERVER_ENV, check=True, cwd=ROOT)
    static_root = Path(workdir) / "static"
    subprocess.run([str(BIN / "python"), "-m", "whitenoise.compress", "-q", str(static_root)], check=True)


def settled(page: Any) -> None:
    """Nothing waits to be sent and no sync is under way."""
    page.wait_for_function(
        "() => { const u = document.querySelector('#unsent'); const b = document.querySelector('#send-now');"
        " return u && b && u.dataset.count === '0' && !b.disabled; }",
        timeout=120_000,
    )


def quiet(page: Any, relay: Relay, idle_s: float = 1.5) -> None:
    """Waits until no byte has crossed the relay for ``idle_s`` (the service worker's own fetches too)."""
    last = -1.0
    still = time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = relay.kb()
        if now != last:
            last, still = now, time.monotonic()
        elif time.monotonic() - still >= idle_s:
            return
        page.wait_for_timeout(100)


LOG_SQL = (
    "SELECT (SELECT count(*) FROM subscribers_numberview),"
    " (SELECT coalesce(sum(pg_column_size(v.*)), 0) FROM subscribers_numberview v),"
    " (SELECT count(*) FROM audit_auditevent),"
    " pg_total_relation_size('subscribers_numberview') + pg_total_relation_size('audit_auditevent')"
)


def look_log() -> tuple[int, int, int, int]:
    """(look rows, their bytes, audit rows, both tables on disk in bytes), read with psql: Django's ORM refuses to
    run inside Playwright's event loop."""
    out = subprocess.run(
        ["psql", PG_URL, "-tAF", " ", "-c", LOG_SQL], check=True, capture_output=True, text=True
    ).stdout.split()
    looks, looks_bytes, audit, disk = (int(value) for value in out)
    return looks, looks_bytes, audit, disk


def grew(before: tuple[int, int, int, int]) -> tuple[int, float, int]:
    """Since ``before``: look rows, their KB, audit rows."""
    now = look_log()
    return now[0] - before[0], (now[1] - before[1]) / 1024, now[2] - before[2]


def measure(base: str, relay: Relay) -> dict[str, float]:
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed (make browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()

        def throttle(target: Any) -> None:
            session = context.new_cdp_session(target)
            session.send("Network.enable")
            session.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": LATENCY_MS,
                    "downloadThroughput": DOWN_KBPS * 1000 / 8,
                    "uploadThroughput": UP_KBPS * 1000 / 8,
                    "connectionType": "cellular3g",
                },
            )

        throttle(page)
        page.goto(f"{base}/login/")
        page.locator("input[name=username]").fill("member.bench")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit], form button:not([type])").last.click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/field/enrol/")
        quiet(page, relay)

        # 1. The first sync: from the tap to the list synced; its bytes until the app is installed.
        log = look_log()
        relay.reset()
        started = time.monotonic()
        page.locator("#enrol").click()
        page.wait_for_url(f"{base}/field/")
        expect(page.locator("#case-count")).to_have_text(str(CASES), timeout=120_000)
        page.wait_for_function(
            "() => { const s = document.querySelector('#last-sync'); return s && s.textContent.includes(':'); }",
            timeout=120_000,
        )
        first_s = time.monotonic() - started
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        quiet(page, relay)
        first_kb = relay.kb()
        first_looks = grew(log)

        # 2. One visit saved with signal: sent, and the list brought up to date.
        log = look_log()
        relay.reset()
        page.locator("#cases a.case").first.click()
        page.locator("fieldset.outcomes label.outcome").nth(1).click()
        page.locator("#save-visit").click()
        expect(page.locator("#cases")).to_be_visible()
        settled(page)
        quiet(page, relay)
        visit_kb = relay.kb()
        visit_looks = grew(log)

        # 3. The installed app closed and opened again, nothing changed.
        log = look_log()
        page.close()
        relay.reset()
        page = context.new_page()
        throttle(page)
        page.goto(f"{base}/field/")
        expect(page.locator("#case-count")).to_have_text(str(CASES), timeout=120_000)
        page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=120_000)
        settled(page)
        quiet(page, relay)
        reopen_kb = relay.kb()
        reopen_looks = grew(log)
        context.close()
        browser.close()
    return {
        "first_sync_s": first_s,
        "first_sync_kb": first_kb,
        "visit_sync_kb": visit_kb,
        "reopen_kb": reopen_kb,
        "looks_first_sync": first_looks[0],
        "looks_first_sync_kb": first_looks[1],
        "audit_first_sync": first_looks[2],
        "looks_visit": visit_looks[0],
        "audit_visit": visit_looks[2],
        "looks_reopen": reopen_looks[0],
        "audit_reopen": reopen_looks[2],
        "look_tables_kb": look_log()[3] / 1024,
    }


def main() -> None:
    if not make_database():
        # The figures mean something only on the production database: nothing is measured without it.
        print("PostgreSQL not reachable on 127.0.0.1 (psql -U postgres): bench/sync needs it, nothing measured")
        return
    seed()
    collect_static()
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "switchoff.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
         str(WORKERS), "--log-level", "warning", "--chdir", str(ROOT), "--preload"],
        env=SERVER_ENV,
    )  # fmt: skip
    try:
        wait_up(f"http://127.0.0.1:{port}")
        relay = Relay(port)
        figures = measure(f"http://127.0.0.1:{relay.port}", relay)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"cases={CASES} down_kbps={DOWN_KBPS} up_kbps={UP_KBPS} latency_ms={LATENCY_MS} "
        "targets: first_sync_s<=3 first_sync_kb<=150 visit_sync_kb<=5 reopen_kb<=5"
    )
    print(
        f"first_sync_s={figures['first_sync_s']:.2f} first_sync_kb={figures['first_sync_kb']:.1f} "
        f"visit_sync_kb={figures['visit_sync_kb']:.1f} reopen_kb={figures['reopen_kb']:.1f} "
        f"looks_first_sync={figures['looks_first_sync']:.0f} looks_first_sync_kb={figures['looks_first_sync_kb']:.1f} "
        f"audit_first_sync={figures['audit_first_sync']:.0f} looks_visit={figures['looks_visit']:.0f} "
        f"audit_visit={figures['audit_visit']:.0f} looks_reopen={figures['looks_reopen']:.0f} "
        f"audit_reopen={figures['audit_reopen']:.0f} look_tables_kb={figures['look_tables_kb']:.0f}"
    )


if __name__ == "__main__":
    main()
