"""Shared helpers of the disclosure tests (number search, reveal, references, exports)."""

from __future__ import annotations

import datetime

from django.test import Client

from switchoff.lib.sheets import read_file
from switchoff.people.services import api_token_create
from switchoff.subscribers.importer import import_list
from tests.conftest import World

# Đông Kinh's subscriber is the one an outsider of Lương Văn Tri would like to find.
LIST = (
    "STT;Số thuê bao;Họ và tên;Địa chỉ\n"
    "1;0868123456;Nguyễn Văn An;Khối 1, Phường Lương Văn Tri\n"
    "2;0868123457;Nguyễn Văn Bảo;Khối 3, Phường Lương Văn Tri\n"
    "3;0868123458;Nguyễn Thị Cúc;Thôn Nà Chuông, Phường Đông Kinh\n"
).encode()


def load_registry(world: World) -> None:
    """Viettel's list of three subscribers: two in Lương Văn Tri, one in Đông Kinh."""
    import_list(
        read_file(LIST, "a.csv"),
        content=LIST,
        operator=world.operator,
        area=world.province,
        as_of=datetime.date(2024, 8, 1),
    )


def api_client(user: object) -> Client:
    """A client that calls the API with a fresh token of ``user``."""
    _token, raw = api_token_create(user=user, name="test script")  # type: ignore[arg-type]
    return Client(headers={"Authorization": f"Bearer {raw}"})
