"""Items 6-8 of the monthly-reports issue: the home page says what is due, reminders by hand,
notifications read, confirmation before submit/accept/return, English names and labels."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from switchoff.audit.actions import action_for
from switchoff.audit.models import AuditEvent
from switchoff.campaigns.models import Campaign
from switchoff.lib.months import add_months, first_of_month, last_of_month
from switchoff.people.models import User
from switchoff.reports import services
from switchoff.reports.home_cards import reporting_cards
from switchoff.reports.models import MonthlyReport, Notification, Reminder
from switchoff.reports.reminders import notifications_mark_read, units_remind
from switchoff.units.models import Unit
from tests.conftest import PASSWORD, World, logged_in
from tests.reporting import make_campaign

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JULY = datetime.date(2024, 7, 1)


def running_campaign(world: World) -> Campaign:
    """A campaign running now, that started three months ago."""
    today = timezone.localdate()
    return make_campaign(
        world,
        start_date=add_months(first_of_month(today), -3),
        end_date=last_of_month(add_months(first_of_month(today), 2)),
    )


def in_english(user: User) -> Client:
    """A client of ``user``, who reads the pages in English."""
    from switchoff.people.services import user_set_language

    user_set_language(user=user, language="en")
    return logged_in(user)


# Item 6: the home page -----------------------------------------------------------------------------


def test_reporter_card_counts_this_month_and_the_days_left_with_a_frozen_clock(world: World) -> None:
    campaign = make_campaign(world)
    form = campaign.forms.get(code="loudspeaker")
    for day, count in ((2, 3), (4, 4)):
        services.activity_create(
            actor=world.reporter_a,
            campaign=campaign,
            unit=world.committee_a,
            day=datetime.date(2024, 8, day),
            form=form,
            count=count,
            client_key=f"aug-{day}",
        )
    cards = reporting_cards(world.reporter_a, now=datetime.datetime(2024, 8, 5, 9, tzinfo=HCM))
    card = next(c for c in cards if c.unit == world.committee_a)
    assert card.activities == 2
    assert [(f.code, total) for f, total in card.totals] == [("loudspeaker", 7)]
    # July's report is due before 10/08: the 9th is the last day, 4 days from the 5th.
    assert card.pending is not None and card.pending.month == JULY
    assert (card.pending.last_day, card.pending.days_left) == (datetime.date(2024, 8, 9), 4)
    assert card.current is not None and card.current.report is None
    assert card.current.last_day == datetime.date(2024, 9, 9)
    assert card.report_month == JULY
    # Once July is submitted it is no longer pending; a late one shows as days late.
    services.report_submit(
        actor=world.reporter_a,
        report=services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY),
        now=datetime.datetime(2024, 8, 5, 10, tzinfo=HCM),
        no_activity=True,
    )
    card = reporting_cards(world.reporter_a, now=datetime.datetime(2024, 8, 5, 11, tzinfo=HCM))[0]
    assert card.pending is None and card.report_month == datetime.date(2024, 8, 1)
    late = reporting_cards(world.reporter_b, now=datetime.datetime(2024, 8, 12, tzinfo=HCM))[0]
    assert late.pending is not None and late.pending.overdue and late.pending.days_late == 3


def test_the_reporter_card_shows_the_figures_of_the_logs_selector(world: World) -> None:
    """The card reads the log through ``selectors.form_sums``: per form, what ``log_totals`` sums over media."""
    from switchoff.reports.selectors import form_sums, log_totals

    campaign = make_campaign(world)
    media = {m.name: m for m in campaign.media.all()}
    logged = [
        (1, "loudspeaker", 3, None),
        (2, "meeting", 1, "Trực tiếp"),
        (3, "leaflet", 200, "Ấn phẩm in (băng rôn, tờ rơi, áp phích)"),
        (4, "loudspeaker", 4, None),
        (4, "leaflet", 50, None),
    ]
    for day, code, count, medium in logged:
        services.activity_create(
            actor=world.reporter_a, campaign=campaign, unit=world.committee_a, day=datetime.date(2024, 8, day),
            form=campaign.forms.get(code=code), medium=media[medium] if medium else None, count=count,
            client_key=f"aug-{day}-{code}",
        )  # fmt: skip
    services.activity_create(  # after the card's day: not in it
        actor=world.reporter_a, campaign=campaign, unit=world.committee_a, day=datetime.date(2024, 8, 20),
        form=campaign.forms.get(code="meeting"), count=9, client_key="aug-20",
    )  # fmt: skip
    card = next(
        c
        for c in reporting_cards(world.reporter_a, now=datetime.datetime(2024, 8, 5, 9, tzinfo=HCM))
        if c.unit == world.committee_a
    )
    assert [(f.code, total) for f, total in card.totals] == [("loudspeaker", 7), ("meeting", 1), ("leaflet", 250)]
    assert card.activities == 5
    sums = form_sums(
        campaign_ids={campaign.pk},
        unit_ids={world.committee_a.pk},
        first=datetime.date(2024, 8, 1),
        last=datetime.date(2024, 8, 5),
    )[(campaign.pk, world.committee_a.pk)]
    assert [(s.form, s.total) for s in sums] == card.totals and sum(s.entries for s in sums) == card.activities
    # The whole month, as the report's selector sums it by form × medium, added up per form.
    by_form: dict[int, int] = {}
    for (form_id, _medium), total in log_totals(campaign, world.committee_a, datetime.date(2024, 8, 1)).items():
        by_form[form_id] = by_form.get(form_id, 0) + total.count
    month = form_sums(
        campaign_ids={campaign.pk},
        unit_ids={world.committee_a.pk},
        first=datetime.date(2024, 8, 1),
        last=datetime.date(2024, 8, 31),
    )[(campaign.pk, world.committee_a.pk)]
    assert {s.form.pk: s.total for s in month} == by_form


def test_reporter_home_has_the_buttons_and_the_state(world: World) -> None:
    campaign = running_campaign(world)
    services.activity_create(
        actor=world.reporter_a,
        campaign=campaign,
        unit=world.committee_a,
        day=timezone.localdate(),
        form=campaign.forms.get(code="meeting"),
        count=2,
        client_key="today",
    )
    page = in_english(world.reporter_a).get(reverse("web:home")).content.decode()
    month = first_of_month(timezone.localdate())
    assert "1 activity logged so far." in page
    assert "Conferences and village meetings: <b>2 sessions</b>" in page
    assert "is not submitted yet" in page  # last month's report
    assert reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]) in page
    assert reverse("reports:grid", args=[campaign.pk, world.committee_a.pk]) in page
    last = add_months(month, -1)
    assert reverse("reports:report", args=[campaign.pk, world.committee_a.pk, f"{last:%Y-%m}"]) in page
    assert "Due by " in page


def test_coordinator_home_lists_units_to_chase_and_reports_to_review(world: World) -> None:
    campaign = running_campaign(world)
    last = add_months(first_of_month(timezone.localdate()), -1)
    services.report_submit(
        actor=world.reporter_a,
        report=services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=last),
        no_activity=True,
    )
    page = in_english(world.coordinator).get(reverse("web:home")).content.decode()
    chase = page[page.index('id="home-to-chase"') :]
    chase = chase[: chase.index("</ul>")]
    assert world.committee_b.name in chase and world.operator.name in chase
    assert world.committee_a.name not in chase
    waiting = page[page.index('id="home-waiting"') :]
    assert world.committee_a.name in waiting[: waiting.index("</ul>")]
    assert "1 / 3" in page


def test_home_writes_nothing(world: World) -> None:
    running_campaign(world)
    client = logged_in(world.coordinator)
    before = (AuditEvent.objects.count(), MonthlyReport.objects.count(), Reminder.objects.count())
    assert client.get(reverse("web:home")).status_code == 200
    assert (AuditEvent.objects.count(), MonthlyReport.objects.count(), Reminder.objects.count()) == before


# Item 6: reminders by hand -------------------------------------------------------------------------


def test_remind_one_unit_notifies_and_mails_once_a_day_and_is_logged(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    campaign = make_campaign(world)
    world.reporter_b.email = "b@example.org"
    world.reporter_b.save()
    client = logged_in(world.coordinator)
    url = reverse("reports:remind", args=[campaign.pk])
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(url, {"month": "2024-07", "unit": world.committee_b.pk})
    assert response.status_code == 302
    assert Notification.objects.filter(user=world.reporter_b).count() == 1
    assert Notification.objects.filter(user=world.reporter_a).count() == 0
    assert [m.to for m in mail.outbox] == [["b@example.org"]]
    event = AuditEvent.objects.get(action="reports.reminder.sent")
    assert event.unit_id == world.committee_b.pk and event.actor_id == world.coordinator.pk
    assert event.data == {"month": "2024-07", "people": 1, "emails": 1}
    # The same day again: nothing more.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(url, {"month": "2024-07", "unit": world.committee_b.pk})
    assert Notification.objects.filter(user=world.reporter_b).count() == 1
    assert len(mail.outbox) == 1
    # The next day, again.
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    run = units_remind(
        actor=world.coordinator,
        campaign=campaign,
        month=JULY,
        units=Unit.objects.filter(pk=world.committee_b.pk),
        now=tomorrow,
    )
    assert run.reminded == 1
    assert Notification.objects.filter(user=world.reporter_b).count() == 2


def test_remind_all_skips_units_whose_report_is_in(world: World) -> None:
    campaign = make_campaign(world)
    services.report_submit(
        actor=world.reporter_a,
        report=services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY),
        now=datetime.datetime(2024, 8, 2, tzinfo=HCM),
        no_activity=True,
    )
    response = logged_in(world.coordinator).post(reverse("reports:remind", args=[campaign.pk]), {"month": "2024-07"})
    assert response.status_code == 302
    reminded = set(Reminder.objects.filter(kind=Reminder.Kind.BY_HAND).values_list("unit_id", flat=True))
    assert reminded == {world.committee_b.pk, world.operator.pk}
    assert not Notification.objects.filter(user=world.reporter_a).exists()
    assert Notification.objects.filter(user=world.operator_staff).count() == 1
    page = logged_in(world.coordinator).get(reverse("reports:completeness", args=[campaign.pk]), {"month": "2024-07"})
    assert page.content.decode().count('class="tag reminded"') == 2


def test_a_unit_is_claimed_once_a_day_by_the_database(world: World) -> None:
    campaign = make_campaign(world)
    day = datetime.date(2024, 8, 12)
    Reminder.objects.create(campaign=campaign, unit=world.committee_b, month=JULY, kind="by_hand", day=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(campaign=campaign, unit=world.committee_b, month=JULY, kind="by_hand", day=day)


def test_reporter_cannot_remind(world: World) -> None:
    campaign = make_campaign(world)
    response = logged_in(world.reporter_a).post(reverse("reports:remind", args=[campaign.pk]), {"month": "2024-07"})
    assert response.status_code == 403
    assert not Reminder.objects.exists()


def test_reminder_audit_label_reads_in_both_languages() -> None:
    action = action_for("reports.reminder.sent")
    with translation.override("en"):
        assert str(action.label) == "Unit reminded of its report"
        assert action.describe({"month": "2024-07", "people": 2, "emails": 1}) == (
            "report of 07/2024; 2 notified, 1 by e-mail"
        )


# Item 6: notifications -----------------------------------------------------------------------------


def test_notifications_are_marked_read_one_or_all_and_only_ones_own(world: World) -> None:
    mine = [Notification.objects.create(user=world.reporter_a, text=f"n{i}") for i in range(3)]
    theirs = Notification.objects.create(user=world.reporter_b, text="theirs")
    client = logged_in(world.reporter_a)
    client.post(reverse("web:notifications_read"), {"id": mine[0].pk})
    assert Notification.objects.filter(read_at__isnull=False).count() == 1
    client.post(reverse("web:notifications_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(reverse("web:notifications_read"))
    assert Notification.objects.filter(user=world.reporter_a, read_at__isnull=True).count() == 0
    assert notifications_mark_read(user=world.reporter_b) == 1
    page = client.get(reverse("web:notifications")).content.decode()
    assert "n1" in page and "theirs" not in page
    assert client.get(reverse("web:notifications_read")).status_code == 405


# Item 7: confirmation pages ------------------------------------------------------------------------


def test_submit_asks_once_on_its_own_page(world: World) -> None:
    campaign = running_campaign(world)
    last = add_months(first_of_month(timezone.localdate()), -1)
    client = in_english(world.reporter_a)
    report_url = reverse("reports:report", args=[campaign.pk, world.committee_a.pk, f"{last:%Y-%m}"])
    key = f"{campaign.forms.get(code='meeting').pk}-{campaign.media.get(name='Trực tiếp').pk}"
    response = client.post(report_url, {"action": "submit", f"count-{key}": "3"})
    confirm_url = reverse("reports:submit", args=[campaign.pk, world.committee_a.pk, f"{last:%Y-%m}"])
    assert response.status_code == 302 and response["Location"] == confirm_url
    report = MonthlyReport.objects.get()
    assert report.status == MonthlyReport.Status.DRAFT  # saved, not submitted
    page = client.get(confirm_url).content.decode()
    assert "You are about to submit the report" in page
    assert "Conferences and village meetings" in page and "Yes, submit the report" in page
    assert MonthlyReport.objects.get().status == MonthlyReport.Status.DRAFT
    client.post(confirm_url)
    assert MonthlyReport.objects.get().status == MonthlyReport.Status.SUBMITTED
    # A submitted report's confirmation page sends back to the report.
    assert client.get(confirm_url)["Location"] == report_url


def test_accept_and_return_say_what_will_happen_before_doing_it(world: World) -> None:
    campaign = make_campaign(world)
    report = services.report_submit(
        actor=world.reporter_a,
        report=services.report_open(actor=world.reporter_a, campaign=campaign, unit=world.committee_a, month=JULY),
        now=datetime.datetime(2024, 8, 2, tzinfo=HCM),
        no_activity=True,
    )
    client = in_english(world.coordinator)
    accept = reverse("reports:review", args=[campaign.pk, world.committee_a.pk, "2024-07", "accept"])
    ret = reverse("reports:review", args=[campaign.pk, world.committee_a.pk, "2024-07", "return"])
    report_page = client.get(reverse("reports:report", args=[campaign.pk, world.committee_a.pk, "2024-07"]))
    assert f'href="{accept}"' in report_page.content.decode()
    page = client.get(accept).content.decode()
    assert "You are about to accept the report" in page and "Yes, accept the report" in page
    page = client.get(ret).content.decode()
    assert "Its reporters are told, see your reason" in page and 'name="reason"' in page
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.SUBMITTED
    client.post(ret, {"reason": "Thiếu số buổi họp."})
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.RETURNED
    assert (
        client.get(reverse("reports:review", args=[campaign.pk, world.committee_a.pk, "2024-07", "x"])).status_code
        == 404
    )


# Item 8: English -----------------------------------------------------------------------------------


def test_catalogue_and_campaign_names_follow_the_language(world: World) -> None:
    campaign = make_campaign(world, name_en="2G switch-off")
    form = campaign.forms.get(code="loudspeaker")
    with translation.override("en"):
        assert (str(campaign), str(form), form.shown_count_unit) == (
            "2G switch-off",
            "Broadcasts on the local loudspeakers",
            "broadcasts",
        )
        assert str(campaign.media.get(name="Trực tiếp")) == "In person"
    with translation.override("vi"):
        assert (str(campaign), str(form), form.shown_count_unit) == (
            "Lộ trình dừng công nghệ di động 2G",
            "Phát thanh trên loa truyền thanh cơ sở",
            "lượt phát",
        )
    page = in_english(world.reporter_a).get(reverse("reports:activities", args=[campaign.pk, world.committee_a.pk]))
    assert "Broadcasts on the local loudspeakers (broadcasts)" in page.content.decode()


def test_completeness_badges_are_in_the_readers_language(world: World) -> None:
    campaign = make_campaign(world)
    client = logged_in(world.coordinator)
    url = reverse("reports:completeness", args=[campaign.pk])
    vi = client.get(url, {"month": "2024-07"}).content.decode()
    en = in_english(world.coordinator).get(url, {"month": "2024-07"}).content.decode()
    assert 'lang="en"' in en
    with translation.override("vi"):
        missing_vi = translation.gettext("missing")
    assert missing_vi != "missing"
    assert f'class="status-missing">{missing_vi}' in vi
    assert 'class="status-missing">missing' in en


def test_language_chosen_on_the_login_page_is_kept_after_logging_in(world: World) -> None:
    assert world.reporter_a.language == "vi"
    client = Client()
    client.post(reverse("people:language"), {"language": "en", "next": reverse("people:login")})
    response = client.post(reverse("people:login"), {"username": "reporter.a", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert User.objects.get(pk=world.reporter_a.pk).language == "en"


def test_api_errors_are_in_the_token_owners_language(world: World) -> None:
    from switchoff.people.services import api_token_create, user_set_language

    user_set_language(user=world.reporter_a, language="en")
    _token, raw = api_token_create(user=world.reporter_a, name="en")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    body = client.get("/api/v1/campaigns/999999/completeness?month=2024-07").json()
    assert body["error"]["message"] == "Not found."
    campaign = make_campaign(world)
    url = f"/api/v1/campaigns/{campaign.pk}/units/{world.committee_a.pk}/activities"
    body = client.post(
        url, {"client_key": "k", "date": "2024-07-05", "form": "nope", "count": 1}, content_type="application/json"
    ).json()
    assert body["error"]["details"]["form"] == ["This campaign has no form of communication with the code nope."]
