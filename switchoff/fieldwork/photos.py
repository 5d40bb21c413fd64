"""A visit's photo made safe to keep: checked to be an image, re-encoded as a bounded JPEG, EXIF dropped.

Pillow decodes what was sent (JPEG, PNG or WebP, as phones and cameras make them) and the
image, not the bytes, is kept: turned upright as the camera said, at most
``FIELD_PHOTO_MAX_SIDE`` pixels on its longest side, written again as JPEG. Nothing of the
original file's metadata survives (the camera, the phone's owner, the time), except the
place where it was taken when the person also agreed that the location is recorded.
"""

from __future__ import annotations

import datetime
import io
import itertools
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from switchoff.lib.storage import written_before

# What a phone's camera or its browser's canvas makes (the JPEG reader also opens MPO, a JPEG with a preview inside).
FORMATS = ("JPEG", "PNG", "WEBP")
QUALITY = 75


# Bytes a pixel takes decoded, by Pillow's mode ("RGB" is held in four, as "RGBA"; "I;16" modes in two).
MODE_BYTES = {"1": 1, "L": 1, "P": 1}


class NotAnImage(ValueError):
    """The bytes are not a photo this server keeps (not an image, an unknown format, or too many pixels)."""


class TooManyPixels(NotAnImage):
    """An image that would decode to more than ``FIELD_PHOTO_MAX_PIXELS`` pixels or
    ``FIELD_PHOTO_MAX_DECODED_BYTES`` bytes: refused before it is decoded."""


def decoded_bytes(image: Image.Image) -> int:
    """What the image takes once decoded, at the size it will be decoded at (a JPEG's draft scale)."""
    width, height = image.size
    per_pixel = MODE_BYTES.get(image.mode, 2 if image.mode.startswith("I;16") else 4)
    return width * height * per_pixel


@dataclass(frozen=True)
class Prepared:
    data: bytes
    width: int
    height: int
    located: bool


def prepare_photo(content: bytes, *, keep_location: bool) -> Prepared:
    """The photo to keep, from the bytes sent; ``NotAnImage`` when they are not one."""
    side = settings.FIELD_PHOTO_MAX_SIDE
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own pixel limit; ours below is lower and refuses at once.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(content), formats=FORMATS)
            gps = dict(opened.getexif().get_ifd(ExifTags.IFD.GPSInfo)) if keep_location else {}
            # A JPEG decodes straight at a smaller scale (its size says so from here); nothing else does.
            opened.draft("RGB", (side, side))
            width, height = opened.size
            if width * height > settings.FIELD_PHOTO_MAX_PIXELS:
                raise TooManyPixels(f"{width} × {height} pixels")
            if decoded_bytes(opened) > settings.FIELD_PHOTO_MAX_DECODED_BYTES:
                raise TooManyPixels(f"{decoded_bytes(opened)} bytes decoded")
            image = ImageOps.exif_transpose(opened)
            image = image.convert("RGB")
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt data inside a known format
        if isinstance(exc, NotAnImage):
            raise
        raise NotAnImage(str(exc)) from None
    exif = Image.Exif()
    if gps:
        exif[ExifTags.IFD.GPSInfo] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True, exif=exif.tobytes() if gps else b"")
    return Prepared(data=out.getvalue(), width=image.width, height=image.height, located=bool(gps))


def sweep_orphan_photos(*, older_than: datetime.timedelta) -> int:
    """Remove photo files that no ``VisitPhoto`` row names, last written longer than ``older_than`` ago.

    A photo's row is saved first and its file written after; a transaction rolled back after
    that (a later step of the same request failing) leaves the file without its row. Such a
    file is someone's picture kept for no purpose: it goes. A recent file may still belong to
    a request under way, so only old ones are looked at. Returns how many files went.
    """
    from switchoff.fieldwork.models import VisitPhoto, photo_storage

    storage = photo_storage()
    # The storage's listing (a folder walked, or a bucket listed a thousand objects per request), 500 at a time.
    old = written_before(storage, "", timezone.now() - older_than)
    removed = 0
    while batch := list(itertools.islice(old, 500)):
        kept = set(VisitPhoto.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in batch:
            if name not in kept:
                storage.delete(name)
                removed += 1
    return removed
