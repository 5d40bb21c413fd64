"""Login, two-factor, account, people and their roles. Thin: parse, call a service, render."""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from switchoff.lib.collation import vi_order
from switchoff.lib.request_context import client_ip
from switchoff.lib.text import fold
from switchoff.people import services, throttle
from switchoff.people.access import access_person, can, require, visible_people, visible_units
from switchoff.people.auth import find_login_user
from switchoff.people.forms import (
    CodeForm,
    GrantForm,
    InviteForm,
    LoginForm,
    PasswordChangeForm,
    SetPasswordForm,
    TokenForm,
)
from switchoff.people.models import ApiToken, Membership, User
from switchoff.people.roles import Perm, Role

PENDING_KEY = "switchoff_pending_user"
TOTP_KEY = "switchoff_totp_setup_key"


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# The language chosen on the login page, before anyone was logged in: it becomes the person's own at login.
CHOSEN_LANGUAGE_KEY = "switchoff_chosen_language"


def _finish_login(request: HttpRequest, user: User, device: TOTPDevice | None) -> HttpResponse:
    chosen = request.session.pop(CHOSEN_LANGUAGE_KEY, None)
    if chosen in dict(settings.LANGUAGES):
        services.user_set_language(user=user, language=chosen)
    services.user_log_in(request=request, user=user, device=device)
    target = request.session.pop("switchoff_next", "") or reverse("web:home")
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
    throttle.remember_device(request, response, user)
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    form = LoginForm(request.POST or None)
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        request.session["switchoff_next"] = next_url
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["username"]
        attempt = throttle.attempt_for(
            request, user=find_login_user(identifier), identifier=identifier, ip=client_ip(request)
        )
        refused = throttle.refusal(attempt)
        if refused:
            form.add_error(None, refused)
        else:
            user = authenticate(request, username=identifier, password=form.cleaned_data["password"])
            if user is None:
                throttle.record_failure(attempt)
                form.add_error(None, _("The username, phone number or password is wrong."))
            else:
                throttle.record_success(attempt)
                assert isinstance(user, User)
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    request.session[PENDING_KEY] = user.pk
                    return redirect("people:login_verify")
                return _finish_login(request, user, None)
    return render(request, "people/login.html", {"form": form})


def login_verify(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("people:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt = throttle.attempt_for(request, user=user, identifier=user.username, ip=client_ip(request))
        refused = throttle.refusal(attempt)
        if refused:
            form.add_error(None, refused)
        else:
            code = form.cleaned_data["code"].replace(" ", "")
            for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                if device.verify_token(code):
                    del request.session[PENDING_KEY]
                    throttle.record_success(attempt)
                    return _finish_login(request, user, device)
            throttle.record_failure(attempt)
            form.add_error("code", _("The code is wrong or has expired. Try the newest code."))
    return render(request, "people/login_verify.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("people:login")


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "vi")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    else:
        request.session[CHOSEN_LANGUAGE_KEY] = language
    target = request.POST.get("next") or reverse("web:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:home")
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


def link_view(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation or a password reset: choose a password."""
    link = services.link_lookup(token)
    form = SetPasswordForm(request.POST or None)
    if link is not None and request.method == "POST" and form.is_valid():
        try:
            user = services.link_redeem(raw=token, password=form.cleaned_data["password"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your password is set. Log in with it now."))
            return redirect(reverse("people:login") + f"?username={user.username}")
    return render(request, "people/link.html", {"form": form, "link": link})


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "memberships": Membership.objects.filter(user=user).select_related("unit__kind"),
        "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "requires_2fa": services.user_requires_two_factor(user),
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True),
        "can_use_api": can(user, Perm.USE_API),
        "token_form": TokenForm(),
        "token_days": settings.API_TOKEN_DAYS,
        "new_token": request.session.pop("switchoff_new_token", None),
    }
    return render(request, "people/account.html", context)


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, _("Your password was changed."))
            return redirect("people:account")
    return render(request, "people/password_change.html", {"form": form})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = CodeForm(request.POST or None)
    # The secret waits in the session until a code from it checks: looking at this page writes nothing.
    key = request.session.get(TOTP_KEY) or services.totp_new_key()
    request.session[TOTP_KEY] = key
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.totp_device_confirm(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            del request.session[TOTP_KEY]
            otp_login(request, confirmed)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("people:account")
    device = services.totp_unsaved_device(user=user, key=key)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": services.user_requires_two_factor(user),
    }
    return render(request, "people/two_factor_setup.html", context)


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    try:
        services.totp_device_remove(user=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("people:account")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.api_token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        request.session["switchoff_new_token"] = raw
    return redirect("people:account")


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(user=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("people:account")


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require(user, Perm.VIEW_PEOPLE)
    query = request.GET.get("q", "").strip()
    people = visible_people(user).prefetch_related("memberships__unit")
    if query:
        people = people.filter(search_name__contains=fold(query)) | people.filter(username__icontains=query)
    page = Paginator(people.order_by(vi_order("full_name"), "username", "pk"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_manage": can(user, Perm.MANAGE_PEOPLE)}
    return render(request, "people/people_list.html", context)


def _unit_choices(user: User) -> list[tuple[int, str]]:
    units = visible_units(user, Perm.MANAGE_PEOPLE).current().select_related("kind").order_by("path")
    return [(u.pk, f"{'· ' * u.depth}{u.name}") for u in units]


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = access_person(user, person_id)
    can_manage = person.pk != user.pk and visible_people(user, Perm.MANAGE_PEOPLE).filter(pk=person.pk).exists()
    grant_form = GrantForm(request.POST or None)
    grant_form.fields["unit"].choices = _unit_choices(user) if can_manage else []  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_manage:
            return HttpResponse(status=403)
        if grant_form.is_valid():
            unit = visible_units(user, Perm.MANAGE_PEOPLE).get(pk=grant_form.cleaned_data["unit"])
            try:
                services.membership_grant(
                    actor=user, user=person, unit=unit, role=Role(grant_form.cleaned_data["role"])
                )
            except ValidationError as exc:
                _form_errors(grant_form, exc)
            else:
                messages.success(request, _("The role was granted."))
                return redirect("people:person", person_id=person.pk)
    context = {
        "person": person,
        "memberships": person.memberships.select_related("unit__kind"),
        "can_manage": can_manage,
        "grant_form": grant_form,
        "reset_link": request.session.pop("switchoff_link", None),
    }
    return render(request, "people/person_detail.html", context)


@login_required
@require_POST
def membership_revoke(request: HttpRequest, person_id: int, membership_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = access_person(user, person_id, Perm.MANAGE_PEOPLE)
    membership = get_object_or_404(Membership, pk=membership_id, user=person)
    try:
        services.membership_revoke(actor=user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people:person", person_id=person.pk)


@login_required
@require_POST
def person_reset_link(request: HttpRequest, person_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    person = access_person(user, person_id, Perm.MANAGE_PEOPLE)
    raw = services.password_reset_link_create(actor=user, user=person)
    request.session["switchoff_link"] = request.build_absolute_uri(reverse("people:link", args=[raw]))
    return redirect("people:person", person_id=person.pk)


@login_required
def person_invite(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require(user, Perm.MANAGE_PEOPLE)
    form = InviteForm(request.POST or None, initial={"unit": request.GET.get("unit")})
    form.fields["unit"].choices = _unit_choices(user)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = visible_units(user, Perm.MANAGE_PEOPLE).get(pk=data["unit"])
        try:
            person, raw = services.user_invite(
                actor=user,
                full_name=data["full_name"],
                username=data["username"],
                phone=data["phone"],
                email=data["email"],
                unit=unit,
                role=Role(data["role"]),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            request.session["switchoff_link"] = request.build_absolute_uri(reverse("people:link", args=[raw]))
            messages.success(request, _("The account was created. Hand over the link below."))
            return redirect("people:person", person_id=person.pk)
    return render(request, "people/invite.html", {"form": form})
