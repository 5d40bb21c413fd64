"""Erasing what a scope covers, through the declarations of ``registry.py``: one path for a campaign past its
retention and for one person's request.

Rows are found first, every declaration at once (some are found through fields others erase), then their fields
are written over in one UPDATE per declaration, files deleted through their field's storage, and rows that are
nothing but personal data deleted. Nothing that a counter counts changes (statuses, units, teams, dates,
outcomes), so the counters, reports and aggregate documents stay as they were and ``verify_counts`` is clean.
Returns how many rows of each model and how many files: the erasure's record, never who.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Model

from switchoff.privacy.registry import Scope, declared

log = logging.getLogger(__name__)


def _delete_files(rows: list[Model], fields: tuple[str, ...]) -> int:
    deleted = 0
    for row in rows:
        for name in fields:
            stored = getattr(row, name)
            if stored and stored.name:
                # The field's own storage (a folder or an S3 bucket alike), never a path on this machine's disk.
                stored.storage.delete(stored.name)
                deleted += 1
    return deleted


def erase_scope(scope: Scope) -> tuple[Counter[str], int]:
    """Erase every declared personal field of the rows ``scope`` covers; (rows per model, files deleted).

    Call inside the caller's transaction: the stored files are deleted once it commits, so a rollback keeps
    them with their rows.
    """
    rows: Counter[str] = Counter()
    if not scope:
        return rows, 0
    found: list[tuple[Any, list[Any]]] = []
    for entry in declared():
        queryset = entry.rows(scope)
        if entry.files:
            found.append((entry, list(queryset)))
        else:
            found.append((entry, list(queryset.values_list("pk", flat=True))))
    files: list[tuple[list[Model], tuple[str, ...]]] = []
    for entry, hits in found:
        if not hits:
            continue
        manager = entry.model._default_manager
        pks = [hit.pk for hit in hits] if entry.files else hits
        if entry.files:
            files.append((hits, entry.files))
        if entry.apply is not None:
            entry.apply(scope, pks)
        elif entry.delete_rows:
            manager.filter(pk__in=pks).delete()
        elif entry.erase:
            manager.filter(pk__in=pks).update(**entry.erase)
        rows[entry.key] += len(pks)
    count = sum(1 for hits, fields in files for row in hits for name in fields if getattr(row, name))
    transaction.on_commit(lambda: [_delete_files(hits, fields) for hits, fields in files])
    return rows, count
