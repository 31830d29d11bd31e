"""Dog photos taken at the counter: checked, re-encoded and thumbnailed before they are kept.

An upload is refused when it is larger than `MAX_UPLOAD_BYTES`, is not a
JPEG, PNG or WebP image by its content (the name and the browser's type are
not trusted), or declares more than `MAX_PIXELS` pixels (a small file may
declare a huge canvas that would fill memory when decoded). What is kept is
never the uploaded file: the image is decoded, turned upright from its EXIF
orientation, and written afresh as a JPEG without metadata (no location or
camera data), at most `PHOTO_LONG_SIDE_PX` on its long side; public pages
show a `THUMBNAIL_LONG_SIDE_PX` thumbnail.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 × 6000 = 48 M; 40 M leaves room for 12–24 M cameras
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
PHOTO_LONG_SIDE_PX = 1600
THUMBNAIL_LONG_SIDE_PX = 320
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Photo:
    """A re-encoded photo and its thumbnail, ready to be saved in a Dog's image fields."""

    full: ContentFile
    thumbnail: ContentFile


def opened_image(upload: IO[bytes], size_bytes: int) -> Image.Image:
    """The upload opened by Pillow (not yet decoded), or a ValidationError naming what is wrong."""
    if size_bytes > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is larger than %(megabytes)d MB; send a smaller one.")
            % {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:
        image = Image.open(upload)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise ValidationError(_("The photo is not a JPEG, PNG or WebP image.")) from None
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(_("The photo is not a JPEG, PNG or WebP image."))
    if image.width * image.height > MAX_PIXELS:
        raise ValidationError(
            _("The photo has more than %(megapixels)d million pixels.") % {"megapixels": MAX_PIXELS // 1_000_000}
        )
    return image


def jpeg(image: Image.Image, long_side_px: int, name: str) -> ContentFile:
    copy = image.copy()
    copy.thumbnail((long_side_px, long_side_px), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def reencoded(upload: IO[bytes], size_bytes: int, stem: str = "dog") -> Photo:
    """Check an uploaded photo and write it afresh as a JPEG and a thumbnail; ValidationError when refused."""
    image = opened_image(upload, size_bytes)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The photo could not be read; it may be damaged.")) from None
    return Photo(
        full=jpeg(upright, PHOTO_LONG_SIDE_PX, f"{stem}.jpg"),
        thumbnail=jpeg(upright, THUMBNAIL_LONG_SIDE_PX, f"{stem}-thumbnail.jpg"),
    )
