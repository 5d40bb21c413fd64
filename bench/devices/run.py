"""bench/devices: classify 1,000,000 IMEIs against a 200,000-row device table through the bulk path.

A throw-away SQLite database (or the one DATABASE_URL names) gets 200,000
generated device models (random radio bits); the classifier is built from it
once (one query, as a bulk file or an API batch does), then a million IMEIs
are classified: 80 % of known TACs, 15 % of unknown ones, 5 % invalid (a wrong
check digit, a letter, a wrong length, spaces). Only the classification is
timed; the table's load and the classifier's build are printed too.

The last line: ``imei_classify_per_s=…`` (target ≥ 1,000,000 on this machine).
"""

from __future__ import annotations

import os
import random
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

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from stdnum import luhn  # noqa: E402

DEVICES = int(os.environ.get("BENCH_DEVICES", "200000"))
IMEIS = int(os.environ.get("BENCH_IMEIS", "1000000"))


def main() -> None:
    from switchoff.devices.bulk import VERDICTS
    from switchoff.devices.importer import CheckedTable, DeviceRow
    from switchoff.devices.models import DeviceModel
    from switchoff.devices.selectors import build_classifier
    from switchoff.devices.services import devices_import
    from switchoff.devices.verdicts import Stops

    call_command("migrate", verbosity=0)
    rng = random.Random(15)
    tacs = rng.sample(range(10_000_000, 99_999_999), DEVICES + 50_000)
    known, unknown = [f"{t:08d}" for t in tacs[:DEVICES]], [f"{t:08d}" for t in tacs[DEVICES:]]
    start = time.perf_counter()
    if not DeviceModel.objects.exists():
        rows = [
            DeviceRow(t, "Bench", f"M{i}", rng.randrange(0, 32), "Handset", rng.random() < 0.3)
            for i, t in enumerate(known)
        ]
        devices_import(actor=None, checked=CheckedTable(rows_read=len(rows), rows=rows), source="bench")
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
    print(f"imei_classify_per_s={IMEIS / classify_s:.0f}")


if __name__ == "__main__":
    main()
