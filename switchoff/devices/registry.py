"""The device class of subscribers in the registry, set in one statement for a whole set of subscribers.

Two moments change it: a list is written, and a device table import adds or
replaces models (the subscribers whose TAC it touched, called by
``devices.services.devices_import``). A list's new subscribers are written with
their class (``device_classes``, read before the bulk load: rewriting a million
new rows after it cost most of an import on PostgreSQL); its known ones whose row
brings an IMEI are classified after their update (``classify_staged``), inside the
import's transaction. Each is one UPDATE joining the TAC (the IMEI's first 8
digits) with the device table, writing only the rows whose class changes.
``classify_list`` (every listed subscriber of a list) remains for a device table
that changed while a list was being written.

Not services: they write no audit row of their own and open no transaction;
the import that calls them does both.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Max, QuerySet

from switchoff.devices.classes import DeviceClass, class_of, class_sql
from switchoff.devices.models import DeviceModel
from switchoff.subscribers.models import Subscriber


def _classify(where: str, params: list[Any]) -> int:
    """Set the class of the subscribers ``where`` picks (SQL over ``s``, the subscriber table); the rows changed.

    Two statements, each one pass over the subscribers picked: those whose TAC the table knows
    (joined with it), then those whose TAC it does not know. Only rows whose class changes are
    written: on PostgreSQL every row written is a new version with an entry in each index, which
    is most of the cost (see bench/devices).
    """
    table, devices = Subscriber._meta.db_table, DeviceModel._meta.db_table
    known = class_sql("d.radio")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET device_class = {known} FROM {devices} d "  # noqa: S608  # values as parameters
            f"WHERE d.tac = substr(s.imei, 1, 8) AND s.imei <> '' AND ({where}) AND s.device_class <> {known}",
            params,
        )
        changed = max(cursor.rowcount, 0)
        cursor.execute(
            f"UPDATE {table} AS s SET device_class = {DeviceClass.UNKNOWN:d} "  # noqa: S608
            f"WHERE s.imei <> '' AND ({where}) AND s.device_class <> {DeviceClass.UNKNOWN:d} "
            f"AND NOT EXISTS (SELECT 1 FROM {devices} d WHERE d.tac = substr(s.imei, 1, 8))",
            params,
        )
        return changed + max(cursor.rowcount, 0)


def classify_list(*, operator_id: int, area_id: int) -> int:
    """The subscribers of the list just written for this operator and area (those it names are the ones
    listed under it: whoever it left out was marked as having left)."""
    return _classify("s.operator_id = %s AND s.list_area_id = %s AND s.status = 'listed'", [operator_id, area_id])


def classify_tacs(tacs: QuerySet[DeviceModel, Any]) -> int:
    """The subscribers, listed or not, whose IMEI begins with one of these models' TACs."""
    sql, params = tacs.values("tac").query.sql_with_params()
    return _classify(f"substr(s.imei, 1, 8) IN ({sql})", list(params))


def classify_imported(at: datetime.datetime) -> int:
    """After a device table import: the subscribers whose TAC it added or replaced (rows dated ``at``)."""
    return classify_tacs(DeviceModel.objects.filter(imported_at=at))


def device_classes() -> tuple[dict[str, int], tuple[int, Any]]:
    """TAC → class of every model in the device table, for a list's new rows to be written with their class
    (``subscribers.importer.writing``); and the table's fingerprint, to tell whether it changed meanwhile."""
    classes = {tac: int(class_of(radio)) for tac, radio in DeviceModel.objects.values_list("tac", "radio")}
    return classes, table_fingerprint()


def table_fingerprint() -> tuple[int, Any]:
    """The device table's size and its latest import: a device import changes one or the other."""
    found = DeviceModel.objects.aggregate(n=Count("pk"), last=Max("imported_at"))
    return found["n"], found["last"]


def class_of_imei(classes: dict[str, int], imei: str) -> int:
    """What ``_classify`` sets for a new subscriber with this IMEI (``device_classes``); no IMEI, the default."""
    return classes.get(imei[:8], DeviceClass.UNKNOWN) if imei else DeviceClass.NO_IMEI


def classify_staged(*, operator_id: int, staging: str) -> int:
    """The operator's subscribers whose row in ``staging`` (a list's known subscribers) brings an IMEI."""
    within = f"s.operator_id = %s AND s.msisdn IN (SELECT r.msisdn FROM {staging} r WHERE r.imei <> '')"  # noqa: S608
    return _classify(within, [operator_id])
