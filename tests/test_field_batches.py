"""Random batches of visits (valid, refused for every reason, duplicate ids, in any order): the answer for each visit
and the visits stored always agree, and no valid visit is ever lost because of an invalid neighbour."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchoff.fieldwork import limits
from switchoff.fieldwork.models import Case, Visit
from tests.conftest import World
from tests.fieldwork_helpers import device_client, open_field

OUTCOMES = ["not_home", "informed", "agrees", "needs_support", "switched", "refuses", "not_used", "moved"]
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
# Each kind of refused item, and the code it must be answered with when its id is new.
INVALID = {
    "reason_too_long": "reason_too_long",
    "model_too_long": "device_model_too_long",
    "unknown_outcome": "unknown_outcome",
    "no_village": "village_required",
    "not_yours": "not_your_case",
    "both": "case_or_found",
    "household_not_yours": "household_not_yours",
    "nul": "unreadable_text",
    "unreadable": "malformed",
}
KINDS = ["valid", "valid", "valid", "found", *INVALID, "repeat", "repeat_changed"]


class Rollback(Exception):
    """Leaves the database as it was after each example."""


@st.composite
def batches(draw: Any, cases: list[Case], other: Case, village: int) -> list[tuple[str, Any]]:
    """(kind, item) pairs: each item carries one defect at most, so its answer is known."""
    items: list[tuple[str, Any]] = []
    for kind in draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=14)):
        if kind in {"repeat", "repeat_changed"}:
            earlier = [(k, i) for k, i in items if k != "unreadable"]
            if not earlier:
                continue
            was, item = draw(st.sampled_from(earlier))
            item = dict(item)
            if kind == "repeat_changed":
                item["note"] = item.get("note", "") + " (đã sửa)"
            items.append((f"{kind}:{was}", item))
            continue
        case = draw(st.sampled_from(cases))
        minutes = draw(st.integers(min_value=1, max_value=60 * 24 * 20))
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "case_id": case.pk,
            "case_version": draw(st.sampled_from([case.version, 0, None])),
            "visited_at": (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat(),
            "outcome": draw(st.sampled_from(OUTCOMES)),
            "note": draw(TEXT),
        }
        if kind == "found":
            body.pop("case_id")
            body["found"] = {"name": "Người " + draw(TEXT), "village_id": village}
        elif kind == "reason_too_long":
            body.update(outcome="refuses", reason="x" * (limits.REASON_MAX + draw(st.integers(1, 300))))
        elif kind == "model_too_long":
            body.update(outcome="switched", device_model="m" * (limits.DEVICE_MODEL_MAX + draw(st.integers(1, 100))))
        elif kind == "unknown_outcome":
            body["outcome"] = draw(st.sampled_from(["went_away", "", "SWITCHED"]))
        elif kind == "no_village":
            body.pop("case_id")
            body["found"] = {"name": "Người không thôn", "village_id": None}
        elif kind == "not_yours":
            body["case_id"] = other.pk
        elif kind == "both":
            body["found"] = {"name": "Hai lần", "village_id": village}
        elif kind == "household_not_yours":
            body["household"] = [{"case_id": other.pk, "outcome": "informed"}]
        elif kind == "nul":
            body["note"] = "có\x00ký tự lạ"
        elif kind == "unreadable":
            body = draw(
                st.sampled_from(
                    [
                        {**body, "id": "not-a-uuid"},
                        {**body, "visited_at": "hôm qua"},
                        {**body, "household": "An"},
                        {"outcome": "informed"},
                        "a visit",
                    ]
                )
            )
        items.append((kind, body))
    return draw(st.permutations(items))


def _expected(batch: list[tuple[str, Any]]) -> list[tuple[str, str | None]]:
    """The answer each item must get, from its kind and from what came before it in the batch."""
    stored: dict[str, str] = {}
    out: list[tuple[str, str | None]] = []
    for kind, item in batch:
        base = kind.split(":")[-1]
        if base == "unreadable":
            out.append(("invalid", "malformed"))
            continue
        text = json.dumps(item, sort_keys=True)
        if item["id"] in stored:
            out.append(("same", None) if stored[item["id"]] == text else ("conflict", "id_reused"))
        elif base in INVALID:
            out.append(("invalid", INVALID[base]))
        else:
            stored[item["id"]] = text
            out.append(("created", None))
    return out


def test_random_batches_answer_each_visit_and_store_exactly_what_they_answer(world: World) -> None:
    field = open_field(world)
    client, _raw = device_client(world.member_a)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batch=batches([field.an, field.hoa, field.binh], field.cuc, world.villages_a[0].pk))
    def check(batch: list[tuple[str, Any]]) -> None:
        try:
            with transaction.atomic():
                _check(client, batch)
                raise Rollback
        except Rollback:
            pass

    check()


def _check(client: Client, batch: list[tuple[str, Any]]) -> None:
    items = [item for _kind, item in batch]
    answer = client.post("/api/v1/field/visits", json.dumps({"visits": items}), content_type="application/json")
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    expected = _expected(batch)
    assert [(r["result"], r["code"] if r["result"] != "created" else None) for r in results] == expected, batch
    created = {str(r["id"]) for r in results if r["result"] == "created"}
    # The visits stored are exactly those answered "created": none lost beside an invalid one, none extra.
    assert {str(pk) for pk in Visit.objects.values_list("pk", flat=True)} == created
    assert {item["id"] for (_k, item), e in zip(batch, expected, strict=True) if e[0] == "created"} == created
