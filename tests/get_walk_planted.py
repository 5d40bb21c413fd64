"""Views that write on GET, planted in their own URLconf to show that the GET walk names them."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from switchoff.units.models import UnitKind
from switchoff.urls import urlpatterns as site

TABLE = UnitKind._meta.db_table


def insert(request: HttpRequest) -> HttpResponse:
    UnitKind.objects.create(code="planted", name="Planted", category="other")
    return HttpResponse("inserted")


def update(request: HttpRequest) -> HttpResponse:
    UnitKind.objects.filter(code="planted").update(name="Planted again")
    return HttpResponse("updated")


def delete(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE code = %s", ["planted"])
    return HttpResponse("deleted")


def read(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(UnitKind.objects.count()))


def unwatched(request: HttpRequest) -> HttpResponse:
    """A write through the driver's own cursor, which no execute wrapper sees."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    cursor.execute(f"UPDATE {TABLE} SET name = name || ' (planted)' WHERE id = (SELECT MIN(id) FROM {TABLE})")
    cursor.close()
    return HttpResponse("written")


urlpatterns = [
    path("planted/insert/", insert),
    path("planted/update/", update),
    path("planted/delete/", delete),
    path("planted/read/", read),
    path("planted/unwatched/", unwatched),
    # The site itself, whose middleware names its own pages.
    *site,
]
