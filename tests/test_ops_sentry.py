"""Sentry: nothing without SENTRY_DSN; with it, the client is set up (Django and Huey, no personal data) and what
it would send is scrubbed of bodies, query strings and numbers. Nothing here reaches the network: a client is
made and inspected, no event is captured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from switchoff.ops import context
from switchoff.ops.sentry import scrub

ROOT = Path(__file__).resolve().parent.parent
DSN = "https://0123456789abcdef0123456789abcdef@sentry.invalid/42"

INSPECT = """
import json, django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
options = client.options if client.is_active() else {}
print(json.dumps({
    "active": client.is_active(),
    "dsn": options.get("dsn"),
    "send_default_pii": options.get("send_default_pii"),
    "include_local_variables": options.get("include_local_variables"),
    "max_request_body_size": options.get("max_request_body_size"),
    "before_send": getattr(options.get("before_send"), "__qualname__", None),
    "integrations": sorted(getattr(client, "integrations", {})),
    "environment": options.get("environment"),
}))
"""


def inspect(**env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    clean["DJANGO_SETTINGS_MODULE"] = "switchoff.test_settings"
    out = subprocess.run([sys.executable, "-c", INSPECT], env={**clean, **env}, cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True)  # fmt: skip
    answer: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def test_without_a_dsn_nothing_is_set_up() -> None:
    assert inspect() == {
        "active": False,
        "dsn": None,
        "send_default_pii": None,
        "include_local_variables": None,
        "max_request_body_size": None,
        "before_send": None,
        "integrations": [],
        "environment": None,
    }


def test_with_a_dsn_the_client_is_set_up_without_personal_data() -> None:
    found = inspect(SENTRY_DSN=DSN, SENTRY_ENVIRONMENT="staging")
    assert found["active"] is True
    assert found["dsn"] == DSN
    assert found["send_default_pii"] is False
    assert found["include_local_variables"] is False
    assert found["max_request_body_size"] == "never"
    assert found["before_send"] == "scrub"
    integrations = found["integrations"]
    assert isinstance(integrations, list) and {"django", "huey"} <= set(integrations)
    assert found["environment"] == "staging"


def test_scrub_removes_bodies_query_strings_and_numbers() -> None:
    token = context.request_id.set("abc123def456")
    try:
        event = scrub(
            {
                "event_id": "12345678901234567890123456789012",
                "message": "Lookup of 0912 345 678 failed (IMEI 990000011234566) on 2024-08-01",
                "request": {
                    "url": "https://switchoff.example.vn/registry/?q=0912345678",
                    "query_string": "q=0912345678",
                    "data": {"msisdn": "0912345678", "name": "Nguyễn Thị Hoa"},
                    "cookies": {"sessionid": "secret"},
                    "headers": {"Cookie": "sessionid=secret", "User-Agent": "Mozilla/5.0", "X-Phone": "+84912345678"},
                },
                "exception": {"values": [{"type": "ValueError", "value": "bad number +84.912.345.678"}]},
                "breadcrumbs": {"values": [{"message": "SELECT … WHERE msisdn = '84912345678'"}]},
            }
        )
    finally:
        context.request_id.reset(token)
    text = json.dumps(event, ensure_ascii=False)
    for secret in ("912345678", "912.345.678", "912 345 678", "990000011234566", "Nguyễn", "secret", "X-Phone"):
        assert secret not in text, secret
    assert event["request"] == {
        "url": "https://switchoff.example.vn/registry/",
        "headers": {"User-Agent": "Mozilla/5.0"},
    }
    assert event["message"] == "Lookup of [digits] failed (IMEI [digits]) on 2024-08-01"
    assert event["event_id"] == "12345678901234567890123456789012"
    assert event["tags"] == {"request_id": "abc123def456"}
