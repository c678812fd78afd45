"""Specialists' photos: uploads checked like DRF's ImageField, stored under MEDIA_ROOT."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from booking_api.core.config import Settings
from booking_api.core.errors import ValidationError
from booking_api.core.http import is_upload

NOT_A_FILE = "The submitted data was not a file. Check the encoding type on the form."
EMPTY = "The submitted file is empty."
NOT_AN_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)


def image_kind(content: bytes) -> str | None:
    """The image format ("png", "jpeg", ...) when Pillow can read ``content``, else None."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            return (image.format or "").lower() or None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


async def read_photo(upload: Any, settings: Settings) -> bytes | None:
    """The uploaded image's bytes (None to remove the photo), checked like DRF's ImageField
    plus the size limit."""
    if upload is None or upload == "":
        return None
    if not is_upload(upload):
        raise ValidationError({"photo": [NOT_A_FILE]})
    content = await upload.read()
    if not content:
        raise ValidationError({"photo": [EMPTY]})
    if len(content) > settings.max_photo_bytes:
        limit = settings.max_photo_bytes // (1024 * 1024)
        raise ValidationError({"photo": [f"Файл слишком большой: не более {limit} МБ."]})
    if image_kind(content) is None:
        raise ValidationError({"photo": [NOT_AN_IMAGE]})
    return content


def save_photo(content: bytes | None, settings: Settings) -> str | None:
    """Store a checked image under the media root; its path relative to it."""
    if content is None:
        return None
    kind = image_kind(content) or "img"
    suffix = "jpg" if kind == "jpeg" else kind
    relative = f"specialists/{uuid.uuid4().hex}.{suffix}"
    target = Path(settings.media_root) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return relative


def photo_url(relative: str | None, base_url: str, settings: Settings) -> str | None:
    """The absolute URL a stored photo is served at (DRF's ImageField with the request)."""
    if not relative:
        return None
    return f"{base_url.rstrip('/')}{settings.media_url.rstrip('/')}/{relative}"
