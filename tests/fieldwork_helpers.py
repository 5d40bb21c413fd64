"""Helpers for the field work's tests: a running campaign over the test world, a list imported through the one path."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case
from switchoff.fieldwork.services import VisitInput, device_enrol
from switchoff.lib.sheets import read_file
from switchoff.people.models import User
from switchoff.subscribers.services import list_write
from tests.conftest import World
from tests.reporting import make_campaign

# Khối 1 and Khối 2 are team A's villages, Khối 3 is nobody's, Nà Chuông is team B's.
LIST = (
    "STT;Số thuê bao;Họ và tên;Địa chỉ\n"
    "1;0868123456;Nguyễn Văn An;Số 5, Khối 1, Phường Lương Văn Tri\n"
    "2;0868123459;Nguyễn Thị Hoa;Số 5, Khối 1, Phường Lương Văn Tri\n"
    "3;0868123460;Trần Văn Bình;Số 9, Khối 2, Phường Lương Văn Tri\n"
    "4;0868123457;Nguyễn Văn Bảo;Khối 3, Phường Lương Văn Tri\n"
    "5;0868123458;Nguyễn Thị Cúc;Thôn Nà Chuông, Phường Đông Kinh\n"
).encode()


@dataclass
class Field:
    campaign: Campaign
    an: Case  # Khối 1, team A
    hoa: Case  # same address as An
    binh: Case  # Khối 2, team A
    bao: Case  # Khối 3, no team
    cuc: Case  # Nà Chuông, team B


def import_rows(world: World, content: bytes, as_of: datetime.date) -> Any:
    return list_write(read_file(content, "list.csv"), content=content, operator=world.operator, area=world.province,
                      as_of=as_of, allow_mass_leave=True)  # fmt: skip


def open_field(world: World) -> Field:
    campaign = make_campaign(world, end_date=timezone.localdate() + datetime.timedelta(days=365))
    import_rows(world, LIST, datetime.date(2024, 8, 1))
    by_name = {c.name: c for c in Case.objects.select_related("subscriber")}
    return Field(
        campaign=campaign,
        an=by_name["Nguyễn Văn An"],
        hoa=by_name["Nguyễn Thị Hoa"],
        binh=by_name["Trần Văn Bình"],
        bao=by_name["Nguyễn Văn Bảo"],
        cuc=by_name["Nguyễn Thị Cúc"],
    )


def visit(case: Case | None, outcome: str, *, at: datetime.datetime | None = None, **extra: Any) -> VisitInput:
    return VisitInput(
        id=extra.pop("id", uuid.uuid4()),
        case_id=case.pk if case else None,
        case_version=extra.pop("case_version", case.version if case else None),
        visited_at=at or timezone.now() - datetime.timedelta(minutes=5),
        outcome=outcome,
        **extra,
    )


def visit_json(case: Case, outcome: str, **extra: Any) -> dict[str, Any]:
    body = {
        "id": str(extra.pop("id", uuid.uuid4())),
        "case_id": case.pk,
        "case_version": case.version,
        "visited_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        "outcome": outcome,
    }
    body.update(extra)
    return body


def device_client(user: User) -> tuple[Client, str]:
    from switchoff.audit.services import log_action  # noqa: F401  # services log in their own transaction

    _device, raw = device_enrol(actor=user, name="Điện thoại")
    return Client(HTTP_AUTHORIZATION=f"Device {raw}"), raw
