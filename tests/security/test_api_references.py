"""Input is never changed in silence (hardening item 6).

A reference the caller may not use, or that does not exist, is refused (422
naming the field) instead of being stored as null or as another row; links
are web addresses only, and a stored non-web link is never rendered.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from switchoff.campaigns.models import Campaign, Medium
from switchoff.reports import services
from switchoff.reports.models import Activity
from tests.conftest import World, logged_in
from tests.reporting import make_campaign
from tests.security._disclosure import api_client

HOSTILE_URLS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.com/file",
    "file:///etc/passwd",
]


def post(client: Client, campaign: Campaign, world: World, **fields: Any) -> Any:
    url = f"/api/v1/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities"
    body = {"client_key": f"k-{len(fields)}-{sorted(fields.items())}"[:60], "date": "2024-07-05", "count": 1}
    body.update({"form": "loudspeaker"} | fields)
    return client.post(url, body, content_type="application/json")


def refused(response: Any, field: str) -> bool:
    error = response.json()["error"]
    return response.status_code == 422 and field in (error["details"] or {})


def test_api_refuses_a_place_in_another_ward_naming_place_id(world: World) -> None:
    campaign = make_campaign(world)
    client = api_client(world.reporter_a)
    response = post(client, campaign, world, place_id=world.village_b.pk)  # Đông Kinh's village
    assert refused(response, "place_id")
    assert not Activity.objects.exists()


def test_api_refuses_a_place_that_does_not_exist_or_is_not_visible(world: World) -> None:
    campaign = make_campaign(world)
    client = api_client(world.reporter_a)
    assert refused(post(client, campaign, world, place_id=99_999_999), "place_id")
    # A unit of the area that is no place (the committee itself, a merged legacy village).
    assert refused(post(client, campaign, world, place_id=world.team_a.pk), "place_id")
    assert refused(post(client, campaign, world, place_id=world.legacy_village.pk), "place_id")
    assert not Activity.objects.exists()
    # A village of the ward is fine.
    ok = post(client, campaign, world, place_id=world.villages_a[0].pk)
    assert ok.status_code == 201 and ok.json()["place_id"] == world.villages_a[0].pk


def test_api_refuses_an_unknown_medium_instead_of_storing_the_first(world: World) -> None:
    campaign = make_campaign(world)
    other = make_campaign(world, end_date=datetime.date(2024, 11, 30))
    client = api_client(world.reporter_a)
    assert refused(post(client, campaign, world, medium_id=99_999_999), "medium_id")
    # A medium of another campaign is no medium of this one.
    assert refused(post(client, campaign, world, medium_id=other.media.first().pk), "medium_id")  # type: ignore[union-attr]
    assert not Activity.objects.exists()
    # Leaving the medium out still picks the form's only medium (nothing asked, nothing changed).
    ok = post(client, campaign, world)
    assert ok.status_code == 201 and ok.json()["medium_id"] is not None


def test_api_refuses_an_unknown_form_naming_form(world: World) -> None:
    campaign = make_campaign(world)
    assert refused(post(api_client(world.reporter_a), campaign, world, form="pigeon"), "form")


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_api_refuses_a_non_web_evidence_url(world: World, url: str) -> None:
    campaign = make_campaign(world)
    response = post(api_client(world.reporter_a), campaign, world, evidence_url=url)
    assert refused(response, "evidence_url")
    assert not Activity.objects.exists()


def test_api_takes_a_web_evidence_url(world: World) -> None:
    campaign = make_campaign(world)
    response = post(api_client(world.reporter_a), campaign, world, evidence_url="https://langson.gov.vn/tin/1")
    assert response.status_code == 201
    assert Activity.objects.get().evidence_url == "https://langson.gov.vn/tin/1"


def test_the_service_refuses_what_the_api_and_the_page_would(world: World) -> None:
    campaign = make_campaign(world)
    form = campaign.forms.get(code="meeting")
    foreign = Medium.objects.create(campaign=make_campaign(world), name="Loa")
    with pytest.raises(ValidationError) as error:
        services.activity_create(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            day=datetime.date(2024, 7, 5),
            form=form,
            medium=foreign,
            place=world.village_b,
            evidence_url="javascript:alert(1)",
            count=1,
            client_key="svc-1",
        )
    assert {"medium", "place", "evidence_url"} <= set(error.value.message_dict)


def page_post(world: World, campaign: Campaign, **fields: Any) -> Any:
    form = campaign.forms.get(code="meeting")
    data = {
        "client_key": "page-1",
        "date": "05/07/2024",
        "form": form.pk,
        "count": 1,
        "medium": "",
        "place": "",
        "description": "",
        "evidence_url": "",
    } | fields
    # The page logs into the month it shows (the form's July day, on July's page).
    url = reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]) + "?month=2024-07"
    return logged_in(world.reporter_a).post(url, data)


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_page_form_refuses_a_non_web_evidence_url(world: World, url: str) -> None:
    campaign = make_campaign(world)
    response = page_post(world, campaign, evidence_url=url)
    assert response.status_code == 200  # the form again, with the error
    assert "evidence_url" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_page_form_refuses_a_place_in_another_ward(world: World) -> None:
    campaign = make_campaign(world)
    response = page_post(world, campaign, place=world.village_b.pk)
    assert "place" in response.context["form"].errors
    assert not Activity.objects.exists()
    assert page_post(world, campaign, evidence_url="https://langson.gov.vn/a").status_code == 302


def test_a_stored_non_web_link_is_never_rendered(world: World) -> None:
    campaign = make_campaign(world)
    activity, _ = services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=datetime.date(2024, 7, 5),
        form=campaign.forms.get(code="meeting"),
        count=1,
        client_key="old-row",
        evidence_url="https://langson.gov.vn/a",
    )
    # A row stored before the check.
    Activity.objects.filter(pk=activity.pk).update(evidence_url="javascript:alert(1)")
    url = reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]) + "?month=2024-07"
    page = logged_in(world.reporter_a).get(url).content.decode()
    assert "javascript:" not in page
