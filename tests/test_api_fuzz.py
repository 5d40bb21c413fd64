"""schemathesis against the API: generated requests, valid and not, never get a server error.

Every operation of the OpenAPI schema is called in-process (WSGI) with a real
token of an operator's staff member; the answer must not be a 5xx, and when it
is a success, it must match the documented response schema; every status it
answers with must be documented (the error answers are listed once, in
``switchoff/api/root.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from switchoff.people.services import api_token_create
from switchoff.wsgi import application
from tests.conftest import World

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(world: World) -> Iterator[str]:
    _token, raw = api_token_create(user=world.operator_staff, name="fuzz")
    # As Django's test client does: the test's transaction must outlive each request
    # (Django closes connections when a request finishes).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield raw
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))  # per operation; 300 for a deeper hunt


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_with_a_server_error(case: Any, token: str) -> None:
    case.call_and_validate(
        # The WSGI client does not undo gzip, which the field API's answers use when asked for (web/compression.py).
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
