"""A person's request: whom a number names in an official's area, everything held about them, who looked.

Found by the number in any written form (``lib.phones``): the subscribers with that number on any operator's
list, where they live or were listed in the official's area, and the people found at the door with that number in
the area; and every case of theirs. What is held is read through the registry of personal fields
(``registry.py``), so a kind of data declared by an app is in the file without a change here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.audit.models import AuditEvent
from switchoff.fieldwork.models import Case
from switchoff.lib.phones import display_phone, mask_phone, normalize_phone
from switchoff.lib.text import fold
from switchoff.people.access import visible_units
from switchoff.people.models import User
from switchoff.people.roles import Perm
from switchoff.privacy.registry import PersonalData, Scope, declared
from switchoff.shops.models import Shop
from switchoff.subscribers.models import NumberView, Subscriber


def person_scope(user: User, e164: str, perm: Perm = Perm.ANSWER_REQUESTS) -> Scope:
    """Whom ``e164`` names in the units where ``user`` holds ``perm`` (answers requests, or reads the audit trail)."""
    units = visible_units(user, perm)
    subscribers = Subscriber.objects.filter(msisdn=e164).filter(
        Q(unit__in=units) | Q(unit__isnull=True, list_area__in=units)
    )
    subscriber_ids = set(subscribers.values_list("pk", flat=True))
    cases = Case.objects.filter(Q(subscriber_id__in=subscriber_ids) | Q(found_msisdn=e164, unit__in=units))
    # A shop's phone is kept as the inspector wrote it (with dots or spaces): the shops whose phone ends with the
    # number's last three digits, each then read as a number and compared whole.
    shops = Shop.objects.filter(unit__in=units, phone__endswith=e164[-3:]).values_list("pk", "phone")
    return Scope(
        subscriber_ids=frozenset(subscriber_ids),
        case_ids=frozenset(cases.values_list("pk", flat=True)),
        shop_ids=frozenset(pk for pk, phone in shops if normalize_phone(phone) == e164),
    )


@dataclass(frozen=True)
class Candidate:
    """A person of the official's area with the name asked for: enough to tell namesakes apart, the number masked."""

    kind: str  # "s": a subscriber, "c": a person found at the door, "p": a phone shop's owner
    pk: int
    name: str
    number: str
    address: str
    unit: str

    @property
    def pick(self) -> str:
        return f"{self.kind}{self.pk}"


def candidates(user: User, name: str) -> list[Candidate]:
    """Subscribers, people found at the door and shops' owners named ``name`` (diacritics optional) where ``user``
    answers requests; at most 50 of each."""
    folded = fold(name)
    if not folded:
        return []
    units = visible_units(user, Perm.ANSWER_REQUESTS)
    subscribers = (
        Subscriber.objects.filter(search_name=folded)
        .filter(Q(unit__in=units) | Q(unit__isnull=True, list_area__in=units))
        .select_related("unit", "list_area")
        .order_by("pk")[:50]
    )
    found = [
        Candidate("s", s.pk, s.name, mask_phone(s.msisdn), s.address, (s.unit or s.list_area).name) for s in subscribers
    ]
    at_door = Case.objects.filter(found_in_field=True, unit__in=units).exclude(found_msisdn="").select_related("unit")
    found += [
        Candidate("c", c.pk, c.found_name, mask_phone(c.found_msisdn), c.found_address, c.unit.name)
        for c in at_door.filter(found_name__icontains=name.strip()[:100]).order_by("pk")[:50]
        if fold(c.found_name) == folded
    ]
    # A shop's owner, when the shop has a phone (the request is answered by the number). The shops keep no folded
    # name: the owners of the area's shops (a few thousand in a province) are folded here.
    shops = Shop.objects.filter(unit__in=units).exclude(owner_name="").exclude(phone="").select_related("unit")
    owners = [
        Candidate("p", shop.pk, shop.owner_name, mask_phone(e164), _parts(shop.name, shop.address), shop.unit.name)
        for shop in shops.order_by("pk").iterator()
        if fold(shop.owner_name) == folded and (e164 := normalize_phone(shop.phone)) is not None
    ]
    return found + owners[:50]


def _parts(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def candidates_by_pick(user: User, pick: str) -> list[str]:
    """The full number of the candidate ``pick`` ("s12", "c7"), when they are in ``user``'s area."""
    units = visible_units(user, Perm.ANSWER_REQUESTS)
    kind, digits = pick[:1], pick[1:]
    if not digits.isdigit():
        return []
    if kind == "s":
        return list(
            Subscriber.objects.filter(pk=int(digits))
            .filter(Q(unit__in=units) | Q(unit__isnull=True, list_area__in=units))
            .values_list("msisdn", flat=True)
        )
    if kind == "c":
        return list(
            Case.objects.filter(pk=int(digits), found_in_field=True, unit__in=units).values_list(
                "found_msisdn", flat=True
            )
        )
    if kind == "p":
        phones = Shop.objects.filter(pk=int(digits), unit__in=units).values_list("phone", flat=True)
        return [e164 for phone in phones if (e164 := normalize_phone(phone)) is not None]
    return []


@dataclass(frozen=True)
class Held:
    """One kind of record held about the person: its name, its columns, its rows as shown."""

    key: str
    label: str
    columns: list[str]
    rows: list[list[Any]]


def _value(row: Any, name: str) -> Any:
    value = getattr(row, name)
    if name in ("msisdn", "found_msisdn", "phone") and str(value).startswith("+"):
        return display_phone(value)
    display = getattr(row, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, FieldFile):
        return value.name or ""  # where the stored file is; the file itself is the official's to open
    if hasattr(value, "_meta"):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (dict, list)):
        return (
            "; ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else ", ".join(map(str, value))
        )
    return value


def _held(entry: PersonalData, scope: Scope) -> Held:
    names = [item if isinstance(item, str) else item[0] for item in entry.shown]
    columns = [
        str(getattr(entry.model._meta.get_field(item), "verbose_name", item)) if isinstance(item, str) else str(item[1])
        for item in entry.shown
    ]
    found = (entry.held or entry.rows)(scope).order_by("pk")
    rows = [[_value(row, name) for name in names] for row in found]
    return Held(key=entry.key, label=str(entry.label), columns=columns, rows=rows)


PURPOSES = {
    "reveal": _("Revealed the full number"),
    "search": _("Searched by the full number"),
    "export": _("Exported a list with full numbers"),
    "export-masked": _("Exported a list, numbers masked"),
    "call": _("Called the number"),
    "field": _("Received the number on a field phone"),
    "photo": _("Viewed a photo"),
    "request": _("Looked the person up for their request"),
}


@dataclass(frozen=True)
class Look:
    at: datetime.datetime
    who: str
    what: str


def views_naming(subscriber_ids: frozenset[int]) -> QuerySet[NumberView]:
    """On PostgreSQL, the disclosures naming any of the subscribers, by JSON containment: one scan of the GIN index
    ``number_view_subscriber_ids`` per id (subscribers' migration 0014), never a read of every row's ids."""
    match = Q()
    for pk in sorted(subscriber_ids):
        match |= Q(subscriber_ids__contains=[pk])
    return NumberView.objects.filter(match)


def _number_views(subscriber_ids: frozenset[int]) -> list[NumberView]:
    """Every disclosure naming one of the subscribers (a reveal, a search, an export, a call, a download)."""
    if not subscriber_ids:
        return []
    views = NumberView.objects.select_related("user").order_by("-at")
    if connection.vendor == "postgresql":
        return list(views_naming(subscriber_ids).select_related("user").order_by("-at"))
    # SQLite (development) has no JSON containment: read the ids.
    return [view for view in views if subscriber_ids.intersection(view.subscriber_ids)]


def looks(scope: Scope, *, since: datetime.date | None = None, until: datetime.date | None = None) -> list[Look]:
    """Who viewed or exported the person's data, and when (between ``since`` and ``until``, days included): the
    disclosure log and the audit rows about them."""
    found = [
        Look(
            at=view.at,
            who=view.user.full_name or view.user.username,
            what=str(PURPOSES.get(view.purpose, view.purpose)),
        )
        for view in _number_views(scope.subscriber_ids)
    ]
    # A photo of a person found at the door (no subscriber, so no disclosure row names them) is in the audit trail.
    found_at_door = Case.objects.filter(pk__in=scope.case_ids, subscriber__isnull=True).values_list("pk", flat=True)
    about = Q(object_type="fieldwork.case", object_id__in=[str(pk) for pk in found_at_door])
    for event in AuditEvent.objects.filter(about, action="fieldwork.photo.viewed").select_related("actor"):
        who = (event.actor.full_name or event.actor.username) if event.actor else ""
        found.append(Look(at=event.at, who=who, what=str(PURPOSES["photo"])))
    found = [
        look
        for look in found
        if (since is None or timezone.localdate(look.at) >= since)
        and (until is None or timezone.localdate(look.at) <= until)
    ]
    return sorted(found, key=lambda look: look.at, reverse=True)


@dataclass(frozen=True)
class Viewed:
    at: datetime.datetime
    who: str
    what: str
    people: int
    numbers: list[str]  # masked, the first few


def viewed_by(users: Any, *, since: datetime.date | None, until: datetime.date | None) -> list[Viewed]:
    """What the people ``users`` looked at (reveals, searches, exports, calls, downloads, photos): when, how many
    people each time, their numbers masked (the first 10). The latest 200."""
    views = NumberView.objects.filter(user__in=users).select_related("user").order_by("-at")
    if since is not None:
        views = views.filter(at__date__gte=since)
    if until is not None:
        views = views.filter(at__date__lte=until)
    found = list(views[:200])
    ids = {pk for view in found for pk in view.subscriber_ids[:10]}
    numbers = dict(Subscriber.objects.filter(pk__in=ids, msisdn__startswith="+").values_list("pk", "msisdn"))
    return [
        Viewed(
            at=view.at,
            who=view.user.full_name or view.user.username,
            what=str(PURPOSES.get(view.purpose, view.purpose)),
            people=len(view.subscriber_ids),
            numbers=[mask_phone(numbers[pk]) for pk in view.subscriber_ids[:10] if pk in numbers],
        )
        for view in found
    ]


def held(scope: Scope) -> list[Held]:
    """Every kind of record held about the person, as the registry declares them (kinds without a label are the
    audit trail's own, shown as who looked)."""
    return [_held(entry, scope) for entry in declared() if entry.label and entry.shown]
