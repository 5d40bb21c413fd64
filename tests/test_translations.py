"""Every string has its Vietnamese translation, and pages come out in Vietnamese."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

CATALOGUE = Path(__file__).resolve().parent.parent / "switchoff" / "locale" / "vi" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="gettext tools are not installed")
@pytest.mark.parametrize("flag", ["--untranslated", "--only-fuzzy"])
def test_vietnamese_catalogue_is_complete(flag: str) -> None:
    result = subprocess.run(
        ["msgattrib", flag, "--no-obsolete", str(CATALOGUE)], capture_output=True, text=True, check=True
    )
    entries = [line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert entries == [], f"{flag}: {entries}"


def test_compiled_catalogue_carries_the_translations() -> None:
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists() and compiled.stat().st_size > 1000
    assert "Đăng nhập" in compiled.read_bytes().decode("utf-8", errors="ignore")


def test_vietnamese_even_when_the_browser_asks_for_english(db: None) -> None:
    page = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get(reverse("people:login"))
    assert "Tên đăng nhập hoặc số điện thoại" in page.content.decode()
    assert page["Content-Language"] == "vi"


def test_english_is_complete_when_chosen(db: None) -> None:
    client = Client()
    client.post(reverse("people:language"), {"language": "en"})
    page = client.get(reverse("people:login")).content.decode()
    assert "Username or phone number" in page and 'lang="en"' in page
