"""bench/cases: what the door-to-door cases add to an operator's list of N rows (default 1,000,000).

The same generated list as bench/import, imported into a fresh database with a running
campaign over the province and teams covering villages, in one transaction as the
worker does (``subscribers.services.list_write``): first ``importer.import_list``, then the
field work's hook ``fieldwork.cases.cases_after_list`` (one INSERT … SELECT of the cases,
their counters grouped), each timed. Then a second, newer list with 10 % of the
numbers gone and cases switched before it: the loop closed (verified / revisit), timed.
SQLite, and PostgreSQL when reachable. The last line prints key=value pairs.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/switchoff_bench_cases")
AS_OF = datetime.date(2024, 8, 1)
SECOND_AS_OF = datetime.date(2024, 9, 1)


def _bench_import():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child(path: Path, label: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchoff.settings")
    # The bench builds and reads tables of millions of rows outside any job: not under the web's time limits
    # (DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS), which would cancel them.
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    os.environ.setdefault("DB_LOCK_TIMEOUT_MS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from switchoff.campaigns.services import campaign_create
    from switchoff.fieldwork.cases import cases_after_list
    from switchoff.fieldwork.models import Case
    from switchoff.lib.sheets import read_file
    from switchoff.subscribers.importer import import_list
    from switchoff.units.loaders import load_province
    from switchoff.units.models import Unit, UnitKind
    from switchoff.units.services import team_set_coverage, unit_create

    call_command("migrate", verbosity=0)
    province = load_province("Lạng Sơn", legacy=True).province
    kinds = {k.code: k for k in UnitKind.objects.all()}
    viettel = unit_create(actor=None, kind=kinds["operator_branch"], name="Viettel Lạng Sơn", parent=province)
    office = unit_create(actor=None, kind=kinds["coordinating_office"], name="Phòng VH-TT", parent=province)
    # Villages the generated addresses name, each pair covered by a team.
    for code in ("05983", "05977"):
        ward = Unit.objects.get(code_system="2025", code=code)
        villages = [unit_create(actor=None, kind=kinds["village"], name=f"Khối {n}", parent=ward, log=False)
                    for n in range(1, 41)]  # fmt: skip
        for start in range(0, 40, 2):
            team = unit_create(actor=None, kind=kinds["digital_team"], name=f"Tổ {start}", parent=ward, log=False)
            team_set_coverage(actor=None, team=team, villages=villages[start : start + 2])
    campaign_create(
        actor=None, name="2G", area=province, coordinating_unit=office, recipient_name="Sở", issuing_body="UBND",
        place_name="Lạng Sơn", start_date=datetime.date(2024, 7, 1),
        end_date=timezone.localdate() + datetime.timedelta(days=365), cutoff_date=datetime.date(2024, 9, 16),
    )  # fmt: skip
    content = path.read_bytes()
    with transaction.atomic():
        started = time.perf_counter()
        result = import_list(read_file(content, path.name), content=content, operator=viettel, area=province,
                             as_of=AS_OF)  # fmt: skip
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        made = cases_after_list(source=result.source)
        cases_s = time.perf_counter() - started
    cases = Case.objects.count()
    with_team = Case.objects.filter(team__isnull=False).count()
    # Cases switched before the next list, a tenth of the numbers gone from it.
    with transaction.atomic():
        Case.objects.filter(pk__in=Case.objects.order_by("pk").values("pk")[: cases // 5]).update(
            status="switched", stage=3, switched_on=datetime.date(2024, 8, 15)
        )
        from switchoff.counts.verify import find_differences, fix_differences

        fix_differences(find_differences())
    lines = content.decode().splitlines(keepends=True)
    second = "".join(line for n, line in enumerate(lines) if n < 2 or n % 10 != 0).encode()
    with transaction.atomic():
        started = time.perf_counter()
        again = import_list(read_file(second, "second.csv"), content=second, operator=viettel, area=province,
                            as_of=SECOND_AS_OF, allow_mass_leave=True)  # fmt: skip
        second_import_s = time.perf_counter() - started
        started = time.perf_counter()
        closed = cases_after_list(source=again.source)
        second_cases_s = time.perf_counter() - started
    print(
        f"{label}: rows={result.new} cases={cases} with_team={with_team} import_s={import_s:.1f} cases_s={cases_s:.1f} "
        f"second_import_s={second_import_s:.1f} second_cases_s={second_cases_s:.1f} "
        f"verified={closed.get('cases_verified', 0)} revisit={closed.get('cases_revisit', 0)} "
        f"closed={closed.get('cases_closed', 0)} new={made.get('cases_new', 0)}"
    )


def run_child(path: Path, label: str, database_url: str, workdir: str) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url, "SWITCHOFF_VAR_DIR": workdir}
    done = subprocess.run([sys.executable, __file__, "--child", str(path), label], env=env, stdout=subprocess.PIPE,
                          text=True, check=True)  # fmt: skip
    output = done.stdout.strip().splitlines()[-1]
    print(output)
    return {k: float(v) for k, v in (part.split("=") for part in output.split(": ", 1)[1].split())}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3])
        return
    workdir = tempfile.mkdtemp(prefix="switchoff-bench-cases-")
    path = Path(workdir) / "viettel.csv"
    _bench_import().generate(path)
    results = {"sqlite": run_child(path, "sqlite", f"sqlite:///{workdir}/bench.sqlite3", workdir)}
    admin = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "DROP DATABASE IF EXISTS switchoff_bench_cases",
         "-c", "CREATE DATABASE switchoff_bench_cases"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if admin.returncode == 0:
        results["pg"] = run_child(path, "pg", PG_URL, workdir)
    parts = []
    for label, r in results.items():
        parts.append(f"cases_share_of_import_{label}={r['cases_s'] / r['import_s']:.2f}")
        parts.append(f"cases_s_{label}={r['cases_s']:.1f} import_s_{label}={r['import_s']:.1f}")
        parts.append(f"loop_s_{label}={r['second_cases_s']:.1f}")
    print(" ".join(parts))


if __name__ == "__main__":
    main()
