"""Campaign pages: the list, one campaign, its reporting rule, catalogue and reporting units."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.campaigns import services
from switchoff.campaigns.models import CatalogueSynonym, CommunicationForm, Medium, SynonymProposal
from switchoff.lib.collation import vi_order
from switchoff.lib.months import add_months, first_of_month
from switchoff.lib.text import is_id
from switchoff.people.access import access_campaign, can, reporting_units, require, visible_campaigns, visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.reports.forms import AssignForm, CampaignForm, CatalogueForm, MediumForm, RuleForm, SynonymForm
from switchoff.units.models import UnitKind


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = visible_campaigns(_user(request)).select_related("area")
    context = {"campaigns": campaigns, "can_create": can(_user(request), Perm.MANAGE_CAMPAIGNS)}
    return render(request, "campaigns/list.html", context)


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    """A new campaign (the next one will switch off 3G): its dates, reporting rule and document header."""
    user = _user(request)
    require(user, Perm.MANAGE_CAMPAIGNS)
    managed = (
        visible_units(user, Perm.MANAGE_CAMPAIGNS).current().select_related("kind").order_by("depth", vi_order("name"))
    )
    form = CampaignForm(request.POST or None, initial={"technology": "2G", "due_day": 10, "lock_days": 5})
    form.fields["area"].choices = [  # type: ignore[attr-defined]
        (u.pk, u.name) for u in managed if u.kind.category in {UnitKind.Category.PROVINCE, UnitKind.Category.COMMUNE}
    ]
    form.fields["coordinating_unit"].choices = [(u.pk, u.name) for u in managed]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["area"] = managed.get(pk=data["area"])
        data["coordinating_unit"] = managed.get(pk=data["coordinating_unit"])
        try:
            campaign = services.campaign_create(actor=user, **data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The campaign was created. Now choose the units that must report."))
            return redirect("campaigns:assignments", campaign_id=campaign.pk)
    return render(request, "units/form.html", {"form": form, "title": _("New campaign")})


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    today = timezone.localdate()
    # The report being prepared is last month's: it is due in the first days of this one.
    due = add_months(first_of_month(today), -1)
    current = min(max(due, first_of_month(campaign.start_date)), first_of_month(campaign.end_date))
    context = {
        "campaign": campaign,
        "my_units": reporting_units(user, campaign).order_by(vi_order("name")),
        "months": campaign.months(),
        "current_month": current,
        "deadline_text": campaign.deadline_text(current),
        "can_manage": can(user, Perm.MANAGE_CAMPAIGNS, campaign.area),
        "can_review": can(user, Perm.REVIEW, campaign.area),
        "can_view_reports": can(user, Perm.VIEW_REPORTS, campaign.area),
        "assigned": campaign.assignments.count(),
    }
    return render(request, "campaigns/detail.html", context)


@login_required
def campaign_rule(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.MANAGE_CAMPAIGNS)
    form = RuleForm(
        request.POST or None,
        initial={
            "cutoff_date": campaign.cutoff_date,
            "due_day": campaign.due_day,
            "deadline_inclusive": campaign.deadline_inclusive,
            "lock_days": campaign.lock_days,
            "submission_from_day": campaign.submission_from_day,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update_rule(actor=user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The reporting rule was saved."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(
        request, "units/form.html", {"form": form, "title": _("Reporting rule of %(name)s") % {"name": campaign}}
    )


@login_required
def campaign_assignments(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Who must report: add all units of some kinds within an area, in one go."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.MANAGE_CAMPAIGNS)
    form = AssignForm(request.POST or None)
    form.fields["kinds"].choices = [  # type: ignore[attr-defined]
        (k.code, k.label) for k in UnitKind.objects.exclude(category__in=["province", "district", "village"])
    ]
    areas = (
        visible_units(user, Perm.MANAGE_CAMPAIGNS)
        .current()
        .filter(rollup_path__startswith=campaign.area.rollup_path, kind__category__in=["province", "commune"])
    )
    form.fields["within"].choices = [(u.pk, u.name) for u in areas.order_by("depth", vi_order("name"))]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        within = areas.get(pk=form.cleaned_data["within"])
        try:
            added = services.assignments_add(
                actor=user, campaign=campaign, kind_codes=form.cleaned_data["kinds"], within=within
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(n)s units were added to the reporting units.") % {"n": added})
            return redirect("campaigns:assignments", campaign_id=campaign.pk)
    assigned = campaign.assignments.select_related("unit__kind", "unit__parent").order_by(vi_order("unit__name"))
    return render(request, "campaigns/assignments.html", {"campaign": campaign, "form": form, "assigned": assigned})


@login_required
def campaign_catalogue(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _user(request)
    campaign = access_campaign(user, campaign_id)
    can_manage = can(user, Perm.MANAGE_CAMPAIGNS, campaign.area)
    form = CatalogueForm(request.POST if "code" in request.POST else None)
    medium_form = MediumForm(request.POST if "medium_name" in request.POST else None)
    media = list(campaign.media.all())
    form.fields["media_ids"].choices = [(m.pk, m.shown_name) for m in media]  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        if medium_form.is_valid():
            services.medium_add(
                actor=user,
                campaign=campaign,
                name=medium_form.cleaned_data["medium_name"],
                name_en=medium_form.cleaned_data["medium_name_en"],
            )
            messages.success(request, _("The catalogue was saved."))
            return redirect("campaigns:catalogue", campaign_id=campaign.pk)
        if form.is_valid():
            data = form.cleaned_data
            existing = CommunicationForm.objects.filter(campaign=campaign, code=data["code"]).first()
            try:
                services.form_save(
                    actor=user,
                    campaign=campaign,
                    form=existing,
                    code=data["code"],
                    name=data["name"],
                    name_en=data["name_en"],
                    count_unit=data["count_unit"],
                    count_unit_en=data["count_unit_en"],
                    count_unit_en_one=data["count_unit_en_one"],
                    media=[m for m in media if m.pk in data["media_ids"]],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The catalogue was saved."))
                return redirect("campaigns:catalogue", campaign_id=campaign.pk)
    forms = campaign.forms.prefetch_related("media")
    context = {"campaign": campaign, "forms": forms, "form": form, "medium_form": medium_form, "can_manage": can_manage}
    return render(request, "campaigns/catalogue.html", context)


@login_required
def campaign_synonyms(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The other names units write for the catalogue's forms and media, read by the activity import."""
    user = _user(request)
    campaign = access_campaign(user, campaign_id, Perm.MANAGE_CAMPAIGNS)
    forms = list(campaign.forms.all())
    media = list(campaign.media.all())
    targets = {f"f-{f.pk}": f for f in forms} | {f"m-{m.pk}": m for m in media}
    form = SynonymForm(request.POST if "text" in request.POST else None)
    form.fields["target"].choices = [  # type: ignore[attr-defined]
        (_("Forms of communication"), [(f"f-{f.pk}", f.name) for f in forms]),
        (_("Media"), [(f"m-{m.pk}", m.name) for m in media]),
    ]
    if request.method == "POST":
        decide = request.POST.get("accept", "") or request.POST.get("dismiss", "")
        if is_id(decide):
            proposal = SynonymProposal.objects.filter(campaign=campaign, pk=int(decide)).first()
            if proposal is not None:
                accept = "accept" in request.POST
                services.synonym_proposal_decide(actor=user, proposal=proposal, accept=accept)
                messages.success(
                    request, _("The other name was saved.") if accept else _("The proposed name was dismissed.")
                )
            return redirect("campaigns:synonyms", campaign_id=campaign.pk)
        delete = request.POST.get("delete", "")
        if is_id(delete):
            synonym = CatalogueSynonym.objects.filter(campaign=campaign, pk=int(delete)).first()
            if synonym is not None:
                services.synonym_delete(actor=user, synonym=synonym)
                messages.success(request, _("The other name was deleted."))
            return redirect("campaigns:synonyms", campaign_id=campaign.pk)
        if form.is_valid():
            target = targets[form.cleaned_data["target"]]
            try:
                services.synonym_add(
                    actor=user,
                    campaign=campaign,
                    text=form.cleaned_data["text"],
                    form=target if isinstance(target, CommunicationForm) else None,
                    medium=target if isinstance(target, Medium) else None,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The other name was saved."))
                return redirect("campaigns:synonyms", campaign_id=campaign.pk)
    synonyms = CatalogueSynonym.objects.filter(campaign=campaign).select_related("form", "medium")
    proposals = SynonymProposal.objects.filter(campaign=campaign).select_related(
        "unit", "form", "medium", "proposed_by"
    )
    context = {"campaign": campaign, "synonyms": synonyms, "form": form, "proposals": proposals}
    return render(request, "campaigns/synonyms.html", context)
