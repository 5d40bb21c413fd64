"""A visit's photos: kept only with the person's consent, idempotent by the phone's id; each view logged."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from switchoff.audit.services import log_action
from switchoff.fieldwork.access import team_cases
from switchoff.fieldwork.models import Visit, VisitPhoto, photo_path
from switchoff.fieldwork.photos import NotAnImage, Prepared, TooManyPixels, prepare_photo
from switchoff.fieldwork.services.visits import VisitInput, VisitResult, visits_record
from switchoff.people.models import User
from switchoff.subscribers.models import NumberView


class PhotoRefused(Exception):
    """A photo not taken: ``code`` for a client, ``status`` for the API, ``message`` in the actor's language."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


@dataclass
class PhotoResult:
    result: str  # created | same
    photo: VisitPhoto


def _photo_visit(actor: User, visit_id: uuid.UUID) -> Visit:
    """The actor's own visit, on a case of their teams (where their visits are written), or 404."""
    visit = (
        Visit.objects.filter(pk=visit_id, member=actor, case__in=team_cases(actor))
        .select_related("case")
        .select_for_update(of=("self",))
        .first()
    )
    if visit is None:
        raise PhotoRefused("not_found", 404, _("This visit does not exist or is not one of yours."))
    return visit


def photo_check_size(size: int) -> None:
    """413 for a file over ``FIELD_PHOTO_MAX_BYTES``, before it is read."""
    limit = settings.FIELD_PHOTO_MAX_BYTES
    if size > limit:
        raise PhotoRefused(
            "too_large",
            413,
            _("The photo is too large (%(size)s MB); at most %(limit)s MB is accepted.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
        )


def photo_prepare(content: bytes, *, keep_location: bool) -> Prepared:
    """The photo to keep (``photos.prepare_photo``), or a refusal in the actor's language."""
    photo_check_size(len(content))
    try:
        return prepare_photo(content, keep_location=keep_location)
    except TooManyPixels:
        raise PhotoRefused(
            "too_many_pixels",
            422,
            _(
                "The photo has too many pixels to be a phone's photo (at most %(pixels)s megapixels): take it "
                "again with the camera, or send it from the field app, which makes it smaller."
            )
            % {"pixels": number_format(settings.FIELD_PHOTO_MAX_PIXELS / 1_000_000, decimal_pos=1)},
        ) from None
    except NotAnImage:
        raise PhotoRefused(
            "not_an_image", 422, _("This file is not a photo (JPEG, PNG or WebP): nothing was kept.")
        ) from None


@transaction.atomic
def visit_photo_add(*, actor: User, visit_id: uuid.UUID, photo_id: uuid.UUID, content: bytes) -> PhotoResult:
    """Keep a photo of the actor's visit, only if the person agreed to it (``Visit.consent_photo``).

    Idempotent by the photo's id, made on the phone: the same id with the same bytes answers
    "same" and writes nothing; with other bytes, or for another visit, ``PhotoRefused`` 409.
    The bytes must be an image within ``FIELD_PHOTO_MAX_BYTES`` (413); the file kept is
    re-encoded as a bounded JPEG without EXIF (its place only with the location consent too),
    at most ``FIELD_PHOTOS_PER_VISIT`` per visit.
    """
    visit = _photo_visit(actor, visit_id)
    digest = hashlib.sha256(content).hexdigest()
    stored = VisitPhoto.objects.filter(pk=photo_id).first()
    if stored is not None:
        if stored.visit_id == visit.pk and stored.digest == digest:
            return PhotoResult("same", stored)
        raise PhotoRefused(
            "conflict", 409, _("A different photo was already recorded with this id: nothing was changed.")
        )
    if not visit.consent_photo:
        raise PhotoRefused(
            "no_consent", 422, _("The person did not agree to a photo at this visit: the photo is not kept.")
        )
    if visit.photos.count() >= settings.FIELD_PHOTOS_PER_VISIT:
        raise PhotoRefused(
            "too_many", 422, _("A visit has at most %(n)s photos.") % {"n": settings.FIELD_PHOTOS_PER_VISIT}
        )
    prepared = photo_prepare(content, keep_location=visit.consent_location)
    photo = VisitPhoto(id=photo_id, visit=visit, member=actor, digest=digest, size=len(prepared.data),
                       width=prepared.width, height=prepared.height, located=prepared.located)  # fmt: skip
    # Named after its id, the row first: a second request with the same id stops at the row (the other
    # request's file untouched), and a retry after a failure writes the same file again, never a second one.
    photo.file.name = photo_path(photo, "")
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except IntegrityError:
        # The same id sent twice at once for different visits: the other request stored it first.
        raise PhotoRefused(
            "conflict", 409, _("A different photo was already recorded with this id: nothing was changed.")
        ) from None
    written = photo.file.storage.save(photo.file.name, ContentFile(prepared.data))
    assert written == photo.file.name, (written, photo.file.name)
    log_action(
        "fieldwork.photo.added",
        actor=actor,
        obj=visit.case,
        unit=visit.case.unit,
        data={"photo": str(photo.pk), "visit": str(visit.pk), "case": visit.case_id, "located": photo.located},
    )
    return PhotoResult("created", photo)


@transaction.atomic
def visit_record_from_page(
    *, actor: User, visit: VisitInput, photo: tuple[uuid.UUID, bytes] | None = None
) -> VisitResult:
    """The page's visit form: the visit and its photo (id, bytes) in one transaction, both or neither.

    A photo refused (``PhotoRefused``) takes the visit back with it, so the form is sent again whole.
    """
    (result,) = visits_record(actor=actor, visits=[visit])
    if photo is not None and result.result in {"created", "same"}:
        photo_id, content = photo
        visit_photo_add(actor=actor, visit_id=visit.id, photo_id=photo_id, content=content)
    return result


@transaction.atomic
def visit_photo_view_record(*, actor: User, photo: VisitPhoto) -> None:
    """A photo of a person shown to ``actor``: who saw whose photo, when (the one write of its GET, like a reveal)."""
    case = photo.visit.case
    NumberView.objects.create(
        user=actor, purpose="photo", subscriber_ids=[case.subscriber_id] if case.subscriber_id else []
    )
    log_action(
        "fieldwork.photo.viewed",
        actor=actor,
        obj=case,
        unit=case.unit,
        data={"photo": str(photo.pk), "visit": str(photo.visit_id), "case": case.pk},
    )
