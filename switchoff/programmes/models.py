"""Support programmes (points 2 and 3 of the letter): who gets a 4G phone, a tariff or cash, once per household.

The mechanics follow the social-protection registries (OpenSPP, OpenG2P): a programme with
eligibility rules and a stock per area; a referral of a case's person, judged at once
(``eligibility.py``), approved by the sponsor's side; a delivery recorded once per
household (a database constraint on ``(programme, household_key)``), whose phone the
device check must answer "keeps working" for. Every edit of a programme keeps the row it
replaced (``ProgrammeVersion``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Sponsor(models.TextChoices):
    OPERATOR = "operator", _("A network operator")
    PUBLIC_FUND = "public_fund", _("A public fund")
    LOCAL_GOVERNMENT = "local_government", _("The local government")


class Benefit(models.TextChoices):
    FEATURE_PHONE = "feature_phone", _("A 4G feature phone")
    SMARTPHONE = "smartphone", _("A smartphone at a price")
    TARIFF = "tariff", _("A tariff or data package")
    CASH = "cash", _("Cash")


class Category(models.TextChoices):
    POOR = "poor", _("Poor household")
    NEAR_POOR = "near_poor", _("Near-poor household")
    POLICY = "policy", _("Policy household")


class Programme(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    sponsor = models.CharField(_("sponsor"), max_length=20, choices=Sponsor.choices)
    sponsor_name = models.CharField(_("sponsor's name"), max_length=200)
    # Whose members run the programme: an operator's branch, or the office of the fund or government.
    owner = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("run by"))
    benefit = models.CharField(_("benefit"), max_length=20, choices=Benefit.choices)
    benefit_detail = models.CharField(_("benefit in detail"), max_length=300, blank=True)
    categories = models.JSONField(_("household categories"), default=list, blank=True)
    # Only subscribers of this operator qualify (None: any operator).
    operator = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("subscribers of"),
    )
    conditions = models.TextField(_("other conditions"), blank=True)
    documents = models.TextField(_("documents to bring"), blank=True)
    area = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="programme_dates")]

    def __str__(self) -> str:
        return self.name


class ProgrammeVersion(models.Model):
    """A programme as it was before an edit: its fields, who changed it and when."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    fields = models.JSONField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["programme", "version"], name="programme_version_unique")]

    def __str__(self) -> str:
        return f"{self.programme_id} v{self.version}"


class Stock(models.Model):
    """How many of the benefit a programme holds for one area, and how many went out."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="stocks")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    quantity = models.PositiveIntegerField(_("quantity"))
    delivered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "unit"], name="stock_unique"),
            models.CheckConstraint(condition=Q(delivered__lte=F("quantity")), name="stock_not_below_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.quantity}"

    @property
    def left(self) -> int:
        return self.quantity - self.delivered


class Match(models.TextChoices):
    NONE = "none", _("No namesake in the registry")
    PROPOSED = "proposed", _("Proposed, waiting for the official")
    CONFIRMED = "confirmed", _("Confirmed by the official")
    DISMISSED = "dismissed", _("Not this household")


class HouseholdCategory(models.Model):
    """A household on a commune's list of poor, near-poor or policy households, matched to the registry."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    village = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    head_name = models.CharField(_("head of household"), max_length=200)
    search_name = models.CharField(max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    certificate = models.CharField(_("certificate number"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    household = models.ForeignKey(
        "subscribers.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set once the commune's official confirmed the proposed match (``proposed``, the single listed namesake).
    subscriber = models.ForeignKey(
        "subscribers.Subscriber", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed = models.ForeignKey(
        "subscribers.Subscriber", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match = models.CharField(max_length=10, choices=Match.choices, default=Match.NONE)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "search_name"], name="household_category_name")]

    def __str__(self) -> str:
        return self.head_name


class Referral(models.Model):
    """A case's person referred to a programme: judged at once, then approved or refused, then delivered."""

    class State(models.TextChoices):
        REFERRED = "referred", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        DELIVERED = "delivered", _("Delivered")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey("fieldwork.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    # One household, whichever of its numbers was referred: "h<household>", "s<subscriber>" or "c<case>".
    household_key = models.CharField(max_length=24)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REFERRED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("why"), max_length=300, blank=True)
    # The sender's key (the field app's id): a referral sent twice is one referral.
    client_key = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-referred_at", "pk"]
        constraints = [
            # One open referral per household and programme: a refused one may be made again.
            models.UniqueConstraint(
                fields=["programme", "household_key"], condition=~Q(state="refused"), name="referral_one_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.case_id}"


class Delivery(models.Model):
    """The benefit handed over: once per household and programme, whatever path recorded it."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="deliveries")
    referral = models.OneToOneField(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="delivery")
    case = models.ForeignKey("fieldwork.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    household_key = models.CharField(max_length=24)
    delivered_on = models.DateField(_("delivered on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    imei = models.CharField(_("IMEI"), max_length=15, blank=True)
    verdict = models.CharField(max_length=12, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, default="page")  # page, api, list
    client_key = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-delivered_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "household_key"], name="delivery_one_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.household_key}"
