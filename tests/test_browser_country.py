"""The registry at the country in the browser: a national viewer opens on the country's figure, then a province's."""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from playwright.sync_api import Browser, expect

from switchoff.counts.models import Count, CountTotal
from switchoff.counts.services import count_add
from switchoff.people.models import Membership
from switchoff.people.roles import Role
from switchoff.subscribers import counts as keys
from switchoff.units.kinds import ensure_default_kinds
from switchoff.units.loaders import load_country
from switchoff.units.models import Unit, UnitKind
from tests.conftest import CHROMIUM, PASSWORD
from tests.test_browser import SCREENSHOTS, log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make browser)")


@pytest.mark.parametrize("width", [360, 1366])
def test_a_national_viewer_reads_the_countrys_figure_then_a_provinces(
    browser: Browser, live_server: object, transactional_db: None, width: int
) -> None:
    from switchoff.people.models import User

    ensure_default_kinds(UnitKind)  # a transactional test's flush took the migrations' kinds
    country = load_country().country
    lang_son = Unit.objects.get(code_system="2025", code="20")
    for code, n in (("20", 1234), ("01", 5678)):
        commune = Unit.objects.filter(parent__code=code, parent__code_system="2025").order_by("code").first()
        assert commune is not None
        with transaction.atomic():
            count_add(unit_id=commune.pk, key=keys.LISTED, delta=n, dimension=99)
    national = User.objects.create_user(username="national", password=PASSWORD)
    Membership.objects.create(user=national, unit=country, role=Role.VIEWER)
    base = str(live_server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, base, "national")
    page.goto(f"{base}/registry/")
    expect(page.locator("body")).to_contain_text("6.912")
    expect(page.locator("body")).to_contain_text("Việt Nam")
    page.screenshot(path=str(SCREENSHOTS / f"country-registry-{width}.png"), full_page=False)
    page.goto(f"{base}/registry/?unit={lang_son.pk}")
    expect(page.locator("body")).to_contain_text("1.234")
    context.close()
    Count.objects.filter(dimension=99).delete()
    CountTotal.objects.filter(dimension=99).delete()
