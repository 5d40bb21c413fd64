"""A visit photo cannot take a web worker's memory (issue 21, finding 3).

A 7000 × 7000 PNG weighs 6 KB and was decoded whole (1.3 GB at 16 bits a channel, 12 s). The pixels
decoded are now bounded at what a real photo gives (the app's 1280 px downscale; a camera's JPEG at its
draft scale) and so are their bytes, before anything is decoded; every photo bomb is refused on the field
API and the page's visit form, and the memory the refusal takes is measured in a process of its own.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from switchoff.fieldwork.models import Visit, VisitPhoto
from switchoff.fieldwork.photos import TooManyPixels, prepare_photo
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import device_client, open_field
from tests.security.hostile_files import HostileFile, photo_bombs
from tests.test_fieldwork_photos import jpeg, recorded, upload

ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20
BOMBS = photo_bombs()

PREPARE_ALONE = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "switchoff.test_settings"
django.setup()
from switchoff.fieldwork.photos import NotAnImage, prepare_photo
from switchoff.lib.sheets.child import peak_bytes
content = sys.stdin.buffer.read()
base = peak_bytes()
try:
    prepare_photo(content, keep_location=False)
    refused = ""
except NotAnImage as exc:
    refused = type(exc).__name__
print(json.dumps({"refused": refused, "base": base, "peak": peak_bytes()}))
"""


@pytest.mark.parametrize("bomb", BOMBS, ids=repr)
def test_a_pixel_bomb_is_refused_before_it_is_decoded(bomb: HostileFile) -> None:
    started = time.monotonic()
    with pytest.raises(TooManyPixels):
        prepare_photo(bomb.content, keep_location=False)
    assert time.monotonic() - started < 0.5
    done = subprocess.run(
        [sys.executable, "-c", PREPARE_ALONE],
        input=bomb.content,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert answer["refused"] == "TooManyPixels"
    assert answer["peak"] < 300 * MB and answer["peak"] - answer["base"] < 20 * MB


@pytest.mark.parametrize("bomb", BOMBS, ids=repr)
def test_the_field_api_refuses_a_pixel_bomb_422(world: World, bomb: HostileFile) -> None:
    field = open_field(world)
    made = recorded(world, field, consent_photo=True)
    client, _raw = device_client(world.member_a)
    answer = upload(client, made.pk, uuid.uuid4(), bomb.content, bomb.name)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "too_many_pixels" and "6,5 megapixel" in error["message"]
    assert not VisitPhoto.objects.exists()


def test_the_page_visit_form_refuses_a_pixel_bomb(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.member_a)
    url = reverse("fieldwork:case_visit", kwargs={"case_id": field.an.pk})
    fields = {"id": str(uuid.uuid4()), "photo_id": str(uuid.uuid4()), "case_version": field.an.version,
              "visited_at": "2026-12-01T09:00", "outcome": "informed", "consent_photo": "on"}  # fmt: skip
    page = client.post(url, {**fields, "photo": SimpleUploadedFile("p.png", BOMBS[0].content)})
    assert page.status_code == 200 and "6,5 megapixel" in page.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


@pytest.mark.parametrize("size", [(1280, 960), (960, 1280), (4000, 3000), (8160, 6120)])
def test_real_photos_still_pass(size: tuple[int, int]) -> None:
    """What the app sends (1280 px), and a camera's JPEG of any size through the page (decoded at its draft scale)."""
    prepared = prepare_photo(jpeg(size, gps=False), keep_location=False)
    assert max(prepared.width, prepared.height) <= 1280


@override_settings(FIELD_PHOTO_MAX_PIXELS=50_000_000)
def test_the_decoded_bytes_are_bounded_on_their_own() -> None:
    """With the old pixel limit, the 16-bit RGBA PNG is still refused by what it decodes to."""
    with override_settings(FIELD_PHOTO_MAX_DECODED_BYTES=20 * MB), pytest.raises(TooManyPixels, match="bytes"):
        prepare_photo(BOMBS[1].content, keep_location=False)
    out = io.BytesIO()
    Image.new("RGB", (1280, 960), "blue").save(out, "PNG")
    assert prepare_photo(out.getvalue(), keep_location=False).width == 1280
