"""The field work's pages: the team page, cases and their reassignment, a case, a visit from the page, progress."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from switchoff.audit.models import AuditEvent
from switchoff.fieldwork.models import Case, FieldDevice, Visit
from switchoff.fieldwork.rules import Status
from switchoff.fieldwork.services import device_enrol, visits_record
from switchoff.subscribers.models import NumberView
from switchoff.units.models import Unit
from tests.conftest import World, logged_in
from tests.fieldwork_helpers import open_field, visit


def test_team_page_counts_the_villages_it_covers_and_lists_members_cases_and_phones(world: World) -> None:
    open_field(world)
    device_enrol(actor=world.member_a, name="Điện thoại của A")
    page = logged_in(world.leader_a).get(reverse("fieldwork:team", args=[world.team_a.pk])).content.decode()
    assert (
        "Khối 1" in page and "Khối 2" in page and "Khối 3" not in page.split('id="team-villages"')[1].split("</ul>")[0]
    )
    assert "Member A" in page and "Điện thoại của A" in page
    # The units page of a team counts the villages it covers (it said 0 above a list of them).
    unit_page = logged_in(world.leader_a).get(reverse("units:detail", args=[world.team_a.pk]))
    assert unit_page.context["counts"].villages == 2


def test_a_leader_revokes_a_members_phone_from_the_team_page(world: World) -> None:
    open_field(world)
    device, _raw = device_enrol(actor=world.member_a, name="Mất")
    client = logged_in(world.leader_a)
    page = client.get(reverse("fieldwork:team", args=[world.team_a.pk])).content.decode()
    # Revoking stops new work, not work done: what the phone recorded before waits for the leader.
    assert "wait for you to accept or discard" in page or "chờ tổ trưởng" in page
    asked = client.post(reverse("fieldwork:device_revoke", args=[device.pk]), {"team": world.team_a.pk}, follow=True)
    assert FieldDevice.objects.get(pk=device.pk).revoked_at is None
    assert "Tick the confirmation" in asked.content.decode() or "Đánh dấu" in asked.content.decode()
    client.post(reverse("fieldwork:device_revoke", args=[device.pk]), {"team": world.team_a.pk, "confirm": "yes"})
    assert FieldDevice.objects.get(pk=device.pk).revoked_at is not None


def test_taking_a_member_out_of_the_team_asks_for_a_confirmation(world: World) -> None:
    from switchoff.people.models import Membership

    open_field(world)
    client = logged_in(world.reporter_a)
    membership = Membership.objects.get(user=world.member_a, unit=world.team_a)
    url = reverse("fieldwork:team_members", args=[world.team_a.pk])
    client.post(url, {"remove": membership.pk})
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(url, {"remove": membership.pk, "confirm": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_commune_official_hands_the_cases_of_a_village_without_team_to_a_team(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.reporter_a)
    listed = client.get(reverse("fieldwork:cases"), {"missing": "team"})
    assert list(listed.context["page"]) == [field.bao]
    url = reverse("fieldwork:cases") + f"?unit={world.villages_a[2].pk}"
    unconfirmed = client.post(url, {"team": world.team_a.pk, "scope": "filter"}, follow=True)
    assert Case.objects.get(pk=field.bao.pk).team is None
    assert "Tick the confirmation" in unconfirmed.content.decode() or "Đánh dấu" in unconfirmed.content.decode()
    client.post(url, {"team": world.team_a.pk, "scope": "filter", "confirm": "on"})
    assert Case.objects.get(pk=field.bao.pk).team == world.team_a
    assert AuditEvent.objects.filter(action="fieldwork.cases.assigned").exists()


def test_a_leader_hands_a_ticked_case_to_a_member(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.leader_a)
    client.post(
        reverse("fieldwork:cases") + f"?unit={world.team_a.pk}",
        {"team": world.team_a.pk, "member": f"{world.team_a.pk}:{world.member_a.pk}", "scope": "chosen",
         "case": [field.an.pk]},
    )  # fmt: skip
    assert Case.objects.get(pk=field.an.pk).member == world.member_a
    assert Case.objects.get(pk=field.binh.pk).member is None


def test_the_assign_form_keeps_the_team_unless_told_and_names_the_real_problem(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.leader_a)
    url = reverse("fieldwork:cases") + f"?unit={world.team_a.pk}"
    form = client.get(url).context["form"]
    assert form["team"].value() == "keep"
    # Only a member chosen, the team left as is: the case keeps its team and goes to her.
    client.post(url, {"team": "keep", "member": f"{world.team_a.pk}:{world.member_a.pk}", "case": [field.an.pk],
                      "scope": "chosen"})  # fmt: skip
    an = Case.objects.get(pk=field.an.pk)
    assert (an.team, an.member) == (world.team_a, world.member_a)
    # Everything left as is: the case stays in the team (its member taken off), never "no team".
    client.post(url, {"team": "keep", "member": "", "case": [field.an.pk], "scope": "chosen"})
    an = Case.objects.get(pk=field.an.pk)
    assert (an.team, an.member) == (world.team_a, None)
    wrong = client.post(url, {"team": "none", "member": f"{world.team_a.pk}:{world.member_a.pk}",
                              "case": [field.an.pk], "scope": "chosen"}, follow=True)  # fmt: skip
    assert Case.objects.get(pk=field.an.pk).team == world.team_a
    text = wrong.content.decode()
    assert "không phải thành viên" not in text
    assert "A member can only be chosen with their team" in text or "cùng với tổ" in text


def test_member_of_one_team_cannot_open_or_visit_another_teams_case_through_pages(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.member_a)
    assert client.get(reverse("fieldwork:case", args=[field.cuc.pk])).status_code == 404
    answer = client.post(reverse("fieldwork:case_visit", args=[field.cuc.pk]), {"outcome": "agrees"})
    assert answer.status_code == 404
    assert field.cuc.pk not in {c.pk for c in client.get(reverse("fieldwork:cases")).context["page"]}
    assert not Visit.objects.exists()


def test_a_visit_recorded_from_the_page_goes_through_the_same_service_and_a_resubmit_adds_nothing(
    world: World,
) -> None:
    field = open_field(world)
    client = logged_in(world.member_a)
    form = client.get(reverse("fieldwork:case_visit", args=[field.an.pk])).context["form"]
    data = {
        "id": str(form.initial["id"]),
        "case_version": field.an.version,
        "visited_at": form.initial["visited_at"].strftime("%Y-%m-%dT%H:%M"),
        "outcome": "agrees",
        "note": "Sẽ mua máy",
        "household": [str(field.hoa.pk)],
        "consent_photo": "on",
    }
    url = reverse("fieldwork:case_visit", args=[field.an.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Visit.objects.count() == 1
    assert Visit.objects.get().consent_photo and not Visit.objects.get().consent_location
    assert Case.objects.get(pk=field.hoa.pk).status == Status.AGREED


def test_the_tap_on_call_shows_the_number_and_is_logged(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.member_a)
    page = client.get(reverse("fieldwork:case", args=[field.an.pk])).content.decode()
    assert "0868123456" not in page
    answer = client.post(reverse("fieldwork:case_call", args=[field.an.pk]), HTTP_HX_REQUEST="true")
    assert 'href="tel:0868123456"' in answer.content.decode()
    assert NumberView.objects.filter(purpose="call").count() == 1


def test_the_leader_resolves_a_conflict_and_both_visits_stay(world: World) -> None:
    field = open_field(world)
    seen = field.an.version
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed", case_version=seen)])
    visits_record(actor=world.leader_a, visits=[visit(field.an, "agrees", case_version=seen)])
    client = logged_in(world.leader_a)
    assert "resolve" in client.get(reverse("fieldwork:case", args=[field.an.pk])).content.decode()
    client.post(reverse("fieldwork:case_resolve", args=[field.an.pk]), {"status": Status.AGREED, "note": "Đã gọi lại"})
    case = Case.objects.get(pk=field.an.pk)
    assert not case.conflict and case.status == Status.AGREED
    assert Visit.objects.filter(case=case).count() == 2
    # The resolution is in the case's history: who, the status chosen, the reason written.
    history = client.get(reverse("fieldwork:case", args=[case.pk])).content.decode().split('id="history"')[1]
    resolved = history.split('class="resolution"')[1].split("</li>")[0]
    assert "Leader A" in resolved and "Đồng ý chuyển" in resolved and "Đã gọi lại" in resolved


def test_verified_is_not_offered_to_resolve_a_conflict_and_the_service_refuses_it(world: World) -> None:
    from django.core.exceptions import ValidationError

    from switchoff.fieldwork.services import case_resolve

    field = open_field(world)
    seen = field.an.version
    visits_record(actor=world.member_a, visits=[visit(field.an, "switched", case_version=seen)])
    visits_record(actor=world.leader_a, visits=[visit(field.an, "informed", case_version=seen)])
    client = logged_in(world.leader_a)
    page = client.get(reverse("fieldwork:case", args=[field.an.pk]))
    offered = {code for code, _label in page.context["resolve"].fields["status"].choices}
    assert Status.VERIFIED not in offered and Status.NEW not in offered and Status.SWITCHED in offered
    # The page's form refuses it, and so does the service whatever calls it.
    client.post(reverse("fieldwork:case_resolve", args=[field.an.pk]), {"status": Status.VERIFIED})
    assert Case.objects.get(pk=field.an.pk).conflict
    with pytest.raises(ValidationError):
        case_resolve(actor=world.leader_a, case=field.an, status=Status.VERIFIED)
    case = Case.objects.get(pk=field.an.pk)
    assert case.conflict and case.status != Status.VERIFIED


def test_a_member_adds_a_person_found_in_the_field(world: World) -> None:
    open_field(world)
    client = logged_in(world.member_a)
    data = {"id": str(uuid.uuid4()), "name": "Hoàng Văn Nam", "number": "0868999777", "address": "Số 1",
            "village": world.villages_a[1].pk, "outcome": "informed"}  # fmt: skip
    assert client.post(reverse("fieldwork:team_found", args=[world.team_a.pk]), data).status_code == 302
    assert Case.objects.get(found_in_field=True).unit == world.villages_a[1]
    team_page = client.get(reverse("fieldwork:team", args=[world.team_a.pk]))
    assert team_page.context["progress"].found == 1 and 'id="team-found"' in team_page.content.decode()


def test_progress_pages_of_a_team_a_commune_and_the_province(world: World) -> None:
    field = open_field(world)
    visits_record(actor=world.member_a, visits=[visit(field.an, "switched")])
    for who, unit in ((world.leader_a, world.team_a), (world.reporter_a, world.ward_a), (world.admin, world.province)):
        answer = logged_in(who).get(reverse("fieldwork:progress", args=[unit.pk]))
        assert answer.status_code == 200, (who, unit)
        funnel = {stage: n for stage, _label, n, _pct in answer.context["funnel"]}
        assert funnel[3] == 1


def test_the_teams_registry_sums_the_villages_it_covers(world: World) -> None:
    from switchoff.subscribers.selectors import unit_counts

    open_field(world)
    team = Unit.objects.select_related("kind").get(pk=world.team_a.pk)
    assert unit_counts(team).listed == 3
    page = logged_in(world.member_a).get(reverse("subscribers:registry"), {"unit": world.team_a.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nguyễn Văn An" in body and "Trần Văn Bình" in body and "Nguyễn Thị Cúc" not in body


def test_an_official_puts_a_case_placed_only_in_the_commune_into_a_village(world: World) -> None:
    import datetime

    from switchoff.subscribers.models import Subscriber
    from tests.fieldwork_helpers import LIST, import_rows

    open_field(world)
    import_rows(world, LIST + "6;0868123461;Lê Văn Sáu;Phường Lương Văn Tri\n".encode(), datetime.date(2024, 8, 2))
    case = Case.objects.get(subscriber__msisdn__endswith="868123461")
    assert case.unit == world.ward_a and case.subscriber_id is not None
    sub_id: int = case.subscriber_id
    client = logged_in(world.reporter_a)
    listed = client.get(reverse("fieldwork:cases"), {"missing": "village"}).content.decode()
    assert f"{reverse('fieldwork:case', args=[case.pk])}#place" in listed
    page = client.get(reverse("fieldwork:case", args=[case.pk]))
    villages = dict(page.context["place"])
    assert world.villages_a[0].pk in villages and world.ward_a.pk not in villages
    assert 'id="place"' in page.content.decode()
    assert "Phường Lương Văn Tri · Phường Lương Văn Tri" not in page.content.decode()
    registry = client.get(reverse("subscribers:detail", args=[case.subscriber_id])).content.decode()
    assert 'id="assign"' in registry
    back = client.post(
        reverse("subscribers:assign", args=[case.subscriber_id]),
        {"unit": world.villages_a[0].pk, "next": reverse("fieldwork:case", args=[case.pk])},
    )
    assert back["Location"] == reverse("fieldwork:case", args=[case.pk])
    case.refresh_from_db()
    assert case.unit == world.villages_a[0] and case.team == world.team_a
    assert Subscriber.objects.get(pk=sub_id).unit == world.villages_a[0]
    # Now in a village: no more form, and a second placing is refused.
    assert client.get(reverse("fieldwork:case", args=[case.pk])).context["place"] == []
    again = client.post(reverse("subscribers:assign", args=[case.subscriber_id]), {"unit": world.villages_a[1].pk})
    assert again.status_code == 403
    assert Subscriber.objects.get(pk=sub_id).unit == world.villages_a[0]


def test_team_page_counts_add_up_and_coverage_warns_of_a_village_another_team_covers(world: World) -> None:
    import datetime

    from switchoff.units.models import UnitKind
    from switchoff.units.services import unit_create
    from tests.fieldwork_helpers import LIST, import_rows

    open_field(world)
    import_rows(world, LIST + "6;0868123461;Lê Văn Sáu;Phường Lương Văn Tri\n".encode(), datetime.date(2024, 8, 2))
    sau = Case.objects.get(subscriber__msisdn__endswith="868123461")
    client = logged_in(world.reporter_a)
    client.post(reverse("fieldwork:cases") + "?missing=team", {"team": world.team_a.pk, "case": [sau.pk],
                                                              "scope": "chosen"})  # fmt: skip
    page = client.get(reverse("fieldwork:team", args=[world.team_a.pk]))
    rows = page.context["villages"]
    assert sum(n for _v, n, _o in rows) + page.context["elsewhere"] == page.context["cases_total"]
    assert page.context["elsewhere"] == 1 and 'id="team-elsewhere"' in page.content.decode()
    team_2 = unit_create(actor=None, kind=UnitKind.objects.get(code="digital_team"), name="Tổ số 2",
                         parent=world.ward_a, log=False)  # fmt: skip
    form = client.get(reverse("units:coverage", args=[team_2.pk])).content.decode()
    assert "Tổ công nghệ số số 1" in form  # Khối 1 and 2 say who covers them
    saved = client.post(reverse("units:coverage", args=[team_2.pk]), {"villages": [world.villages_a[0].pk]})
    assert saved["Location"] == reverse("fieldwork:team", args=[team_2.pk])
    shown = client.get(saved["Location"]).content.decode()
    assert "Tổ công nghệ số số 1" in shown  # the warning names the other team
    assert client.get(saved["Location"]).context["villages"][0][2] == 2  # Khối 1's two cases, with team 1


def test_the_pages_say_2g_only_in_vietnamese_and_name_the_field_app_as_it_names_itself(world: World) -> None:
    from pathlib import Path

    catalogue = Path("switchoff/locale/vi/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert not [line for line in catalogue.splitlines() if line.startswith("msgstr") and "2G Only" in line]
    open_field(world)
    client = logged_in(world.member_a)
    team = client.get(reverse("fieldwork:team", args=[world.team_a.pk])).content.decode()
    assert "2G Only" not in team and "chỉ dùng 2G" in team
    home = client.get("/").content.decode()
    card = home.split('id="field-app"')[1].split("</h2>")[0]
    assert "Công việc thực địa" in card


def test_progress_never_visited_is_one_figure_its_link_lists_the_same_cases(world: World) -> None:
    field = open_field(world)
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed")])
    client = logged_in(world.reporter_a)
    answer = client.get(reverse("fieldwork:progress", args=[world.ward_a.pk]))
    page = answer.content.decode()
    figure = answer.context["p"].without_visit
    link = f"{answer.context['cases_url']}&amp;novisit=1"
    assert link in page
    listed = client.get(answer.context["cases_url"], {"novisit": "1"}).context["page"].paginator.count
    assert listed == figure == 3
    assert field.bao.pk in {c.pk for c in client.get(answer.context["cases_url"], {"novisit": "1"}).context["page"]}


def test_the_leader_may_add_the_people_of_the_teams_commune_not_only_those_already_in_it(world: World) -> None:
    from django.core.exceptions import ValidationError

    from switchoff.fieldwork.services import team_member_add
    from switchoff.people.models import Membership
    from switchoff.people.roles import Role
    from tests.conftest import make_user

    village_head = make_user("truong.khoi", world.villages_a[2], Role.VIEWER)
    elsewhere = make_user("nguoi.dong.kinh", world.village_b, Role.VIEWER)
    client = logged_in(world.leader_a)
    page = client.get(reverse("fieldwork:team", args=[world.team_a.pk]))
    offered = {p.pk for p in page.context["candidates"]}
    assert village_head.pk in offered and world.reporter_a.pk in offered
    assert elsewhere.pk not in offered and world.member_a.pk not in offered and world.leader_a.pk not in offered
    # Searchable, diacritics optional.
    found = client.get(reverse("fieldwork:team", args=[world.team_a.pk]), {"who": "truong"})
    assert [p.pk for p in found.context["candidates"]] == [village_head.pk]
    client.post(
        reverse("fieldwork:team_members", args=[world.team_a.pk]), {"person": village_head.pk, "role": "team_member"}
    )
    assert Membership.objects.filter(user=village_head, unit=world.team_a, role=Role.TEAM_MEMBER).exists()
    # Someone of another commune is refused by the page and by the service.
    client.post(
        reverse("fieldwork:team_members", args=[world.team_a.pk]), {"person": elsewhere.pk, "role": "team_member"}
    )
    assert not Membership.objects.filter(user=elsewhere, unit=world.team_a).exists()
    with pytest.raises(ValidationError):
        team_member_add(actor=world.reporter_a, team=world.team_a, person=elsewhere)


def test_member_rows_show_their_open_cases_and_the_follow_ups_due(world: World) -> None:
    import datetime

    from django.utils import timezone

    from switchoff.fieldwork.services import cases_assign

    field = open_field(world)
    team_cases = Case.objects.filter(pk__in=[field.an.pk, field.binh.pk])
    cases_assign(actor=world.leader_a, cases=team_cases, team=world.team_a, member=world.member_a)
    yesterday = timezone.now() - datetime.timedelta(days=3)
    visits_record(actor=world.member_a, visits=[visit(Case.objects.get(pk=field.an.pk), "not_home", at=yesterday)])
    page = logged_in(world.leader_a).get(reverse("fieldwork:team", args=[world.team_a.pk]))
    rows = dict((m.user_id, load) for m, load in page.context["members"])
    assert rows[world.member_a.pk] == (2, 1) and rows[world.leader_a.pk] == (0, 0)
    # An's household neighbour Hoa is the team's, handed to nobody.
    assert page.context["unassigned"] == (1, 0)
    body = page.content.decode().split('id="team-members"')[1].split("</ul>")[0]
    assert f"member={world.member_a.pk}" in body and "member=none" in body
    listed = logged_in(world.leader_a).get(reverse("fieldwork:cases"), {"unit": str(world.team_a.pk), "member": "none"})
    assert [c.pk for c in listed.context["page"]] == [field.hoa.pk]
    # Each figure links to the list of the same cases.
    member = str(world.member_a.pk)
    query = {"unit": str(world.team_a.pk), "member": member, "open": "1"}
    opened = logged_in(world.leader_a).get(reverse("fieldwork:cases"), query)
    assert sorted(c.pk for c in opened.context["page"]) == sorted([field.an.pk, field.binh.pk])
    assert "Member A" in opened.context["title"]
    due = logged_in(world.leader_a).get(reverse("fieldwork:cases"), {**query, "due": "1"})
    assert [c.pk for c in due.context["page"]] == [field.an.pk]


def test_the_list_of_cases_without_a_team_asks_for_a_team_and_a_member_alone_names_it(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.reporter_a)
    url = reverse("fieldwork:cases") + "?missing=team"
    form = client.get(url).context["form"]
    assert form["team"].value() == "" and form.fields["team"].choices[0][0] == ""
    # Keeping "no team" would hand nothing over: the page says what to choose instead.
    answer = client.post(url, {"case": field.bao.pk, "team": "", "member": "", "scope": "chosen"}, follow=True)
    assert "Choose the team" in answer.content.decode() or "Chọn tổ" in answer.content.decode()
    assert Case.objects.get(pk=field.bao.pk).team is None
    chosen = {"case": field.bao.pk, "team": "", "member": f"{world.team_a.pk}:{world.member_a.pk}", "scope": "chosen"}
    client.post(url, chosen)
    bao = Case.objects.get(pk=field.bao.pk)
    assert (bao.team_id, bao.member_id) == (world.team_a.pk, world.member_a.pk)


def test_a_hand_over_that_changes_nothing_says_so(world: World) -> None:
    field = open_field(world)
    client = logged_in(world.leader_a)
    url = reverse("fieldwork:cases") + f"?unit={world.team_a.pk}"
    answer = client.post(url, {"case": field.an.pk, "team": "keep", "member": "", "scope": "chosen"}, follow=True)
    body = answer.content.decode()
    assert "Nothing changed" in body or "Không có gì thay đổi" in body


def test_a_communes_progress_lists_its_teams_and_its_cases_without_a_team(world: World) -> None:
    field = open_field(world)
    visits_record(actor=world.member_a, visits=[visit(field.an, "switched")])
    page = logged_in(world.reporter_a).get(reverse("fieldwork:progress", args=[world.ward_a.pk]))
    rows = {(t.team.pk if t.team else None): (t.cases, t.without_visit, t.switched) for t in page.context["p"].per_team}
    # Team A: An, Hoa, Bình (An switched); no team: Bảo of Khối 3. Team B's case is in another commune.
    assert rows == {world.team_a.pk: (3, 2, 1), None: (1, 1, 0)}
    assert 'id="per-team"' in page.content.decode()
    team_page = logged_in(world.leader_a).get(reverse("fieldwork:progress", args=[world.team_a.pk]))
    assert team_page.context["p"].per_team == []


def test_the_team_page_counts_what_waits_for_the_leader_and_offers_only_what_they_may_do(world: World) -> None:
    from switchoff.people.models import Membership

    field = open_field(world)
    seen = field.an.version
    visits_record(actor=world.member_a, visits=[visit(field.an, "informed", case_version=seen)])
    visits_record(actor=world.leader_a, visits=[visit(field.an, "agrees", case_version=seen)])
    visits_record(actor=world.member_a, visits=[visit(field.binh, "wrong_number")])
    page = logged_in(world.leader_a).get(reverse("fieldwork:team", args=[world.team_a.pk]))
    assert page.context["to_lead"] == {"conflict": 1, "escalated": 1, "held": 0}
    # A leader cannot take a leader out (a commune official can): the page does not offer it.
    leader = Membership.objects.get(user=world.leader_a, unit=world.team_a)
    body = page.content.decode()
    assert f'name="remove" value="{leader.pk}"' not in body
    official = logged_in(world.reporter_a).get(reverse("fieldwork:team", args=[world.team_a.pk])).content.decode()
    assert f'name="remove" value="{leader.pk}"' in official
    # The leader's home page says so too, each figure linking to its cases; a member's does not.
    home = logged_in(world.leader_a).get(reverse("web:home")).content.decode()
    assert f"?unit={world.team_a.pk}&amp;conflict=1" in home and "1 trường hợp xung đột" in home
    assert f"?unit={world.team_a.pk}&amp;status=escalated" in home and "1 trường hợp chuyển lên tổ trưởng" in home
    member_home = logged_in(world.member_a).get(reverse("web:home")).content.decode()
    assert f'id="to-lead-{world.team_a.pk}"' not in member_home


def test_the_cases_list_names_a_member_only_of_a_team_the_user_sees(world: World) -> None:
    client = logged_in(world.leader_a)
    named = client.get(reverse("fieldwork:cases"), {"member": str(world.member_a.pk)})
    assert "Member A" in named.context["title"]
    stranger = client.get(reverse("fieldwork:cases"), {"member": str(world.operator_staff.pk)})
    assert "Viettel" not in stranger.content.decode().split("<h1>")[1].split("</h1>")[0]


def test_a_cases_place_names_the_village_once() -> None:
    village = Unit(pk=7, name="Khối 3")
    assert Case(unit=village, found_address="Khối 3, P. Chi Lăng").address_line == "Khối 3, P. Chi Lăng"
    assert Case(unit=village, found_address="khoi 3 - phuong Chi Lang").address_line == "khoi 3 - phuong Chi Lang"
    assert Case(unit=village, found_address="Số 12 ngõ 4").address_line == "Số 12 ngõ 4 · Khối 3"
    assert Case(unit=village, found_address="").address_line == "Khối 3"
    assert Case(found_address="Số 12 ngõ 4").address_line == "Số 12 ngõ 4"
