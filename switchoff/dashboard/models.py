"""The coordinator's targets: how many 2G-only subscribers should still be listed on a date.

A target belongs to a campaign and a unit (the dashboard it is drawn on), for every operator together or for
one of them. The dashboard draws the targets of the unit it shows as a line against the figures still listed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    # None: every operator together.
    operator = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("operator")
    )
    day = models.DateField(_("date"))
    listed = models.PositiveIntegerField(_("subscribers still listed"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "operator", "day"],
                condition=Q(operator__isnull=False),
                name="target_one_per_operator_day",
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit", "day"], condition=Q(operator__isnull=True), name="target_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}: {self.listed}"
