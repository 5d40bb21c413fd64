"""A unit's boundary, imported from the province's GIS office, drawn on the dashboard's map."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Boundary(models.Model):
    """The outline of one unit (a commune, a district) as a simplified GeoJSON MultiPolygon in WGS 84.

    Kept as text: the map only draws it, nothing queries inside it (no PostGIS needed). Importing again
    replaces it; the audit trail keeps who imported which file when.
    """

    unit = models.OneToOneField("units.Unit", on_delete=models.CASCADE, related_name="boundary", verbose_name=_("unit"))
    geometry = models.TextField(_("geometry (GeoJSON)"))
    vertices = models.PositiveIntegerField(_("vertices in the file"))
    kept = models.PositiveIntegerField(_("vertices kept"))
    source_name = models.CharField(_("file"), max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return str(self.unit)
