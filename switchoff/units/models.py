"""The unit tree: geographic units, the organisations attached to them, and their history.

A unit is valid from one date to another. When units merge (as communes did on
1 July 2025), the old unit keeps its place in the old tree (``path``) and gains
a ``merged_into`` successor; ``rollup_path`` is where it counts today. Every
count and every access check reads ``rollup_path``, so records attached to a
legacy unit appear under its successor without being moved, and can still be
shown "as of" the old structure through ``path``.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from switchoff.lib.text import fold


class UnitKind(models.Model):
    """What a unit is: a province, a ward, a village, a telecom branch, a team...

    Kinds are data so that an administrator can rename them (departments were
    renamed in 2025) without a release.
    """

    class Category(models.TextChoices):
        COUNTRY = "country", _("Country")
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District (before 7/2025)")
        COMMUNE = "commune", _("Commune / ward")
        VILLAGE = "village", _("Village / residential group")
        ORGANISATION = "organisation", _("Organisation")
        TEAM = "team", _("Community digital technology team")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # Units of a kind that covers an area give their members the whole
    # geographic area they are attached to (a ward's people's committee, the
    # coordinating office), not only the unit itself.
    covers_area = models.BooleanField(_("members see the whole area"), default=False)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("unit kind")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    @property
    def is_geographic(self) -> bool:
        return self.category in {
            self.Category.COUNTRY,
            self.Category.PROVINCE,
            self.Category.DISTRICT,
            self.Category.COMMUNE,
            self.Category.VILLAGE,
        }


class UnitQuerySet(models.QuerySet["Unit"]):
    def active_on(self, day: datetime.date) -> UnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self) -> UnitQuerySet:
        return self.filter(valid_to__isnull=True)

    def rolling_into(self, unit: Unit) -> UnitQuerySet:
        """The unit, everything below it, and every legacy unit merged into any of them."""
        return self.filter(rollup_path__startswith=unit.rollup_path)


class Unit(models.Model):
    kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, related_name="units", verbose_name=_("kind"))
    name = models.CharField(_("name"), max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    # Official code from the General Statistics Office list, within a code
    # system: "2025" for units after 1/7/2025, "2024" for the structure before.
    # The two systems reuse numbers (05986 was Xã Hoàng Đồng, now Phường Tam Thanh).
    code_system = models.CharField(max_length=10, blank=True)
    code = models.CharField(_("official code"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    rollup_path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    # A community digital technology team covers some villages of its commune.
    covers = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="covered_by", verbose_name=_("covers villages")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        constraints = [
            models.UniqueConstraint(
                fields=["code_system", "code"], condition=~Q(code=""), name="unit_official_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(valid_to__isnull=False),
                name="unit_merged_has_end",
            ),
        ]

    def __str__(self) -> str:
        if self.valid_to:
            return f"{self.name} ({self.structure_year})"
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived column only; the tree paths are maintained by services.
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def structure_year(self) -> int:
        """The year whose structure a legacy unit belongs to: valid until 30/6/2025 means "2024".

        Reforms take effect mid-year; a unit is named after the last full year it existed.
        """
        assert self.valid_to is not None
        return self.valid_to.year if self.valid_to.month == 12 else self.valid_to.year - 1

    @property
    def is_legacy(self) -> bool:
        return self.valid_to is not None

    def is_active_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def geographic_anchor(self) -> Unit:
        """The nearest geographic unit at or above this one."""
        unit: Unit | None = self
        while unit is not None and not unit.kind.is_geographic:
            unit = unit.parent
        return unit or self
