"""The campaign's content library: materials sent to every unit ("Nội dung tuyên truyền được gửi kèm"), versioned."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.lib.storage import NamedStorage

LIBRARY = NamedStorage("library")  # settings.STORAGES: a private folder or the bucket's "library/", no URL


def library_storage() -> Storage:
    return LIBRARY  # type: ignore[return-value]  # a lazy Storage


def version_path(version: MaterialVersion, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"{version.material.campaign_id}/{version.material_id}/v{version.number}.{suffix}"


class Material(models.Model):
    """One item of the library (a loudspeaker script, a leaflet…): its versions follow one another."""

    class Kind(models.TextChoices):
        SCRIPT = "script", _("Loudspeaker script")
        ARTICLE = "article", _("Article")
        LEAFLET = "leaflet", _("Leaflet")
        BANNER_DESIGN = "banner_design", _("Banner design")
        IMAGE = "image", _("Image")
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video link")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    forms = models.ManyToManyField("campaigns.CommunicationForm", blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class MaterialVersion(models.Model):
    """One version of a material: a file in private storage, a text (a script), or a link (a video).

    A new version supersedes the one before, which stays readable.
    """

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    dated = models.DateField(_("date"))
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), blank=True)
    file = models.FileField(storage=library_storage, upload_to=version_path, max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["material", "-number"]
        constraints = [models.UniqueConstraint(fields=["material", "number"], name="material_version_unique")]

    def __str__(self) -> str:
        return f"{self.material} v{self.number}"

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def reading_seconds(self) -> int:
        """The time to read the text on air at ``LIBRARY_READING_WPM`` words (Vietnamese syllables) a minute."""
        return math.ceil(self.words * 60 / settings.LIBRARY_READING_WPM) if self.text else 0

    @property
    def reading_time(self) -> tuple[int, int]:
        """(minutes, seconds) of ``reading_seconds``."""
        return divmod(self.reading_seconds, 60)


class MaterialDownload(models.Model):
    """A person of a unit took a version (downloaded the file, opened the text or the link)."""

    version = models.ForeignKey(MaterialVersion, on_delete=models.CASCADE, related_name="downloads")
    unit = models.ForeignKey("units.Unit", null=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["version", "unit"], name="download_version_unit")]

    def __str__(self) -> str:
        return f"{self.version} → {self.unit_id}"
