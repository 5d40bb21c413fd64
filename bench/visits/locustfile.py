"""The load of bench/visits (run by run.py, not by hand): field members posting visits.

Each simulated member holds a device token and the ids of their team's cases. Visits go in
batches (POST /api/v1/field/visits, as the app sends its outbox) and one by one
(PUT /api/v1/field/visits/{id}); a tenth of the requests are sent a second time with the same
visit ids, as a phone does when the answer was lost. A bare authenticated endpoint
(GET /api/v1/field/me) is measured in the same run. Every request's time and every visit's answer
are written to BENCH_VISITS_OUT when the run stops.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task

SEED = json.loads(Path(os.environ["BENCH_VISITS_SEED"]).read_text(encoding="utf-8"))
BATCH = int(os.environ.get("BENCH_VISITS_BATCH", "50"))
RETRY_SHARE = 0.10
OUTCOMES = ["not_home", "informed", "agrees", "needs_support", "switched"]
_members = itertools.cycle(SEED["members"])
_rng = random.Random(13)

timings: list[tuple[str, float, bool]] = []  # (kind, ms, ok)
answers: dict[str, list[str]] = {}  # visit id -> every result it was answered
failed_ids: list[str] = []  # visits of requests that failed outright (no answer)


def _visit(member: dict[str, Any]) -> dict[str, Any]:
    case = _rng.choice(member["cases"])
    return {
        "id": str(uuid.uuid4()),
        "case_id": case[0],
        "case_version": case[1],
        "visited_at": datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7))).isoformat(),
        "outcome": _rng.choice(OUTCOMES),
        "note": "",
        "reason": "",
        "moved_to": "",
        "device_model": "",
        "household": [],
        "found": None,
        "consent_photo": False,
        "consent_location": False,
        "lat": None,
        "lon": None,
    }


@events.request.add_listener
def _timed(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    timings.append((name, response_time, exception is None))


@events.quitting.add_listener
def _write(environment: Any, **_: Any) -> None:
    with open(os.environ["BENCH_VISITS_OUT"], "w", encoding="utf-8") as handle:
        json.dump({"timings": timings, "answers": answers, "failed": failed_ids}, handle)


class Member(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.member = next(_members)
        self.headers = {"Authorization": f"Device {self.member['token']}", "Content-Type": "application/json"}

    def _send_batch(self, visits: list[dict[str, Any]], name: str) -> None:
        body = json.dumps({"visits": visits})
        with self.client.post(
            "/api/v1/field/visits", data=body, headers=self.headers, name=name, catch_response=True
        ) as r:
            if r.status_code != 200:
                failed_ids.extend(v["id"] for v in visits)
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
            for result in r.json()["results"]:
                answers.setdefault(result["id"], []).append(result["result"])

    def _send_one(self, visit: dict[str, Any], name: str) -> None:
        body = json.dumps(visit)
        url = f"/api/v1/field/visits/{visit['id']}"
        with self.client.put(url, data=body, headers=self.headers, name=name, catch_response=True) as r:
            if r.status_code not in (200, 201):
                failed_ids.append(visit["id"])
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
            answers.setdefault(visit["id"], []).append(r.json()["result"])

    @task(1)
    def batch(self) -> None:
        visits = [_visit(self.member) for _ in range(BATCH)]
        self._send_batch(visits, "batch")
        if _rng.random() < RETRY_SHARE:
            self._send_batch(visits, "batch retry")

    @task(8)
    def one(self) -> None:
        visit = _visit(self.member)
        self._send_one(visit, "one")
        if _rng.random() < RETRY_SHARE:
            self._send_one(visit, "one retry")

    @task(3)
    def bare(self) -> None:
        self.client.get("/api/v1/field/me", headers=self.headers, name="bare")
