"""Vietnamese alphabetical order, from ICU's Vietnamese collator: in Python, on PostgreSQL and on SQLite.

Vietnamese sorts by its own alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), tones second: "Đông Kinh"
comes after every name in D and before "Hoàng Văn Thụ", "Ủy ban…" before "Viettel" and "VNPT".
Code points or names folded without diacritics get it wrong ("Đ" after "T", "Đông" before "Dương").

- In Python, ``vi_key`` is ICU's sort key (PyICU, from the ``pyicu-wheels`` wheels that bundle ICU).
- In SQL, ``vi_order("name")`` is ``name COLLATE "vi-x-icu"``: on PostgreSQL the ICU collation that
  initdb imports (a migration of ``units`` creates it where it is missing); on SQLite a collation of the
  same name that ``register_sqlite`` adds to every connection, answered by the same ICU collator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import icu
from django.db.models import F
from django.db.models.functions import Collate

COLLATION = "vi-x-icu"
T = TypeVar("T")


@functools.cache
def _collator() -> Any:
    # The collator's defaults, as PostgreSQL's "vi-x-icu" has them, so that Python and SQL agree.
    return icu.Collator.createInstance(icu.Locale("vi"))


def vi_key(text: str) -> bytes:
    """The sort key of ``text`` in Vietnamese alphabetical order."""
    return bytes(_collator().getSortKey(text or ""))


def vi_sorted(items: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """``items`` in Vietnamese alphabetical order (of ``key(item)``, or of the items themselves)."""
    if key is None:
        return sorted(items, key=lambda item: vi_key(str(item)))
    chosen = key
    return sorted(items, key=lambda item: vi_key(chosen(item)))


def vi_order(field: str, *, descending: bool = False) -> Any:
    """An ``order_by`` term: ``field`` in Vietnamese alphabetical order, on PostgreSQL and SQLite alike."""
    collated = Collate(F(field), COLLATION)
    return collated.desc() if descending else collated.asc()


def _compare(left: str | None, right: str | None) -> int:
    return int(_collator().compare(left or "", right or ""))


def register_sqlite(sender: object, connection: Any, **kwargs: object) -> None:
    """``connection_created`` receiver: give each SQLite connection the ``vi-x-icu`` collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, _compare)


# A constant statement (the name is this module's, never input).
CREATE_POSTGRESQL = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'vi-x-icu') THEN
        CREATE COLLATION "vi-x-icu" (provider = icu, locale = 'vi');
    END IF;
END
$$;
"""
