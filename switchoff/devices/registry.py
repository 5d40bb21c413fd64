"""The device class of subscribers in the registry, set in one statement for a whole set of subscribers.

Two moments change it: a list is written (its subscribers with an IMEI, called
by ``subscribers.services.list_write`` inside the import's transaction), and a
device table import adds or replaces models (the subscribers whose TAC it
touched, called by ``devices.services.devices_import``). Both are one UPDATE
joining the TAC (the IMEI's first 8 digits) with the device table, writing only
the rows whose class changes; nothing is done per subscriber in Python.

Not services: they write no audit row of their own and open no transaction;
the import that calls them does both.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from switchoff.devices.classes import class_sql
from switchoff.devices.models import DeviceModel
from switchoff.subscribers.models import Subscriber


def _classify(where: str, params: list[Any]) -> int:
    """Set the class of the subscribers ``where`` picks (SQL over ``s``, the subscriber table); the rows changed."""
    table, devices = Subscriber._meta.db_table, DeviceModel._meta.db_table
    sql = (
        f"UPDATE {table} SET device_class = c.cls FROM ("  # noqa: S608  # our own SQL, values as parameters
        f"SELECT s.id AS id, {class_sql('d.radio')} AS cls FROM {table} s "
        f"LEFT JOIN {devices} d ON d.tac = substr(s.imei, 1, 8) WHERE s.imei <> '' AND ({where})"
        f") AS c WHERE {table}.id = c.id AND {table}.device_class <> c.cls"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


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
