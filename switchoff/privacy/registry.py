"""The personal fields of every model, declared by the app that owns the model.

An app declares, in its ``personal.py``, each of its models that holds personal data: how to find the rows a
``Scope`` covers (people as subscriber ids and case ids), what to write over each personal field to erase it,
which file fields hold stored files (deleted through the field's storage), whether the rows go altogether, and
which fields describe the rows in a person's file. The erasure (``erasure.py``) and a person's request
(``selectors.py``) read only this registry: a new kind of personal data joins with one declaration, and
``tests/test_privacy.py`` scans every text column of every table to find one that was forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.functional import Promise


@dataclass(frozen=True)
class Scope:
    """Whose data: subscribers (registry rows) and cases (a campaign's door-to-door rows, people found at the door
    included), shops (their owners and signed commitments) and entries of the communes' lists of poor households.
    A campaign's erasure and one person's both come down to these sets of ids; ``campaign_ids`` adds the files a
    campaign's own rows hold (activities' evidence, banners' photos), which only a campaign's erasure reaches."""

    subscriber_ids: frozenset[int] = frozenset()
    case_ids: frozenset[int] = frozenset()
    shop_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    campaign_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return any((self.subscriber_ids, self.case_ids, self.shop_ids, self.category_ids, self.campaign_ids))


Rows = Callable[[Scope], QuerySet[Any, Any]]


@dataclass(frozen=True)
class PersonalData:
    model: type[Model]
    # The model's rows the scope covers.
    rows: Rows
    # Field -> what erases it (a value or a query expression, as ``QuerySet.update`` takes it).
    erase: dict[str, Any] = field(default_factory=dict)
    # File fields: their stored files are deleted through the field's own storage, and the rows with them.
    files: tuple[str, ...] = ()
    # Erasing that needs more than one UPDATE (called with the scope and the rows' ids, instead of ``erase``).
    apply: Callable[[Scope, list[Any]], None] | None = None
    # The rows themselves go (files, or rows that are nothing but personal data); never rows that counters count.
    delete_rows: bool = False
    # What a person's file shows of each row (the fields, in this order: a name, or a name and its heading when the
    # field has no verbose name), and the kind's name.
    label: Promise | str = ""
    shown: tuple[str | tuple[str, Promise], ...] = ()
    # The rows a person's file lists, when they are more than those erased (a household kept for its other members).
    held: Rows | None = None
    # Run before the others (rows found through fields that others erase, such as a name).
    early: bool = False

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


_REGISTRY: dict[str, PersonalData] = {}


def register(*entries: PersonalData) -> None:
    for entry in entries:
        _REGISTRY[entry.key] = entry


def declared() -> list[PersonalData]:
    """Every declaration, those that must run first first."""
    return sorted(_REGISTRY.values(), key=lambda entry: (not entry.early, entry.key))


def chunks(ids: Iterable[int], size: int = 2000) -> Iterable[frozenset[int]]:
    batch: list[int] = []
    for value in ids:
        batch.append(value)
        if len(batch) >= size:
            yield frozenset(batch)
            batch = []
    if batch:
        yield frozenset(batch)
