"""The field API and pages cost the same number of queries for a few rows as for many (batch by design)."""

from __future__ import annotations

import datetime
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from switchoff.fieldwork.models import Case
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import device_client, import_rows
from tests.reporting import make_campaign


def _list(n: int) -> bytes:
    rows = [f"{i};0868{i:06d};Người {i};Số {i}, Khối 1, Phường Lương Văn Tri" for i in range(1, n + 1)]
    return ("STT;Số thuê bao;Họ và tên;Địa chỉ\n" + "\n".join(rows) + "\n").encode()


def _visits(cases: list[Case]) -> dict[str, object]:
    at = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
    return {"visits": [{"id": str(uuid.uuid4()), "case_id": c.pk, "case_version": c.version, "visited_at": at,
                        "outcome": "informed"} for c in cases]}  # fmt: skip


def test_a_batch_of_visits_costs_a_fixed_handful_of_queries_whatever_its_size(world: World) -> None:
    make_campaign(world, end_date=timezone.localdate() + datetime.timedelta(days=365))
    import_rows(world, _list(160), datetime.date(2024, 8, 1))
    client, _raw = device_client(world.member_a)
    cases = list(Case.objects.order_by("pk"))
    client.get("/api/v1/field/me")  # the phone was seen: later calls do not write that again within the minute
    counts = []
    for batch in (cases[:5], cases[5:20], cases[20:160]):
        with CaptureQueriesContext(connection) as captured:
            answer = client.post("/api/v1/field/visits", _visits(batch), content_type="application/json")
        assert [r["result"] for r in answer.json()["results"]] == ["created"] * len(batch)
        counts.append(len(captured.captured_queries))
        # The member's villages are read only for a person found at the door (two queries a visit did not need).
        assert not [q for q in captured.captured_queries if "units_unit_covers" in q["sql"]]
    assert counts[0] == counts[1], counts
    # 140 visits: the same statements, SQLite's limit of parameters may split an insert or an update in two.
    assert counts[2] <= counts[0] + 3, counts


def test_my_cases_and_the_cases_page_cost_the_same_queries_for_5_or_100_cases(world: World) -> None:
    make_campaign(world, end_date=timezone.localdate() + datetime.timedelta(days=365))
    client, _raw = device_client(world.member_a)
    page = logged_in(world.leader_a)
    client.get("/api/v1/field/me")  # the phone was seen: later calls do not write that again within the minute
    counts: list[tuple[int, int]] = []
    for n in (5, 100):
        import_rows(world, _list(n), datetime.date(2024, 8, n % 28 + 1))
        with CaptureQueriesContext(connection) as api:
            assert len(client.get("/api/v1/field/cases").json()["items"]) == n
        with CaptureQueriesContext(connection) as html:
            assert page.get(reverse("fieldwork:cases")).status_code == 200
        counts.append((len(api.captured_queries), len(html.captured_queries)))
    assert counts[0] == counts[1], counts
