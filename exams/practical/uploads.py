"""Checking what people upload: judged by content, never by name or declared type.

Evidence photos are re-encoded: turned upright, shrunk for the record and stripped of
EXIF (which holds the phone's GPS position and serial number). The size and image checks
here also serve the health certificates of exams.admission.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

MB = 1024 * 1024
EVIDENCE_MAX_BYTES = 12 * MB
#: Refuse decompression bombs long before Pillow's own limit.
MAX_PIXELS = 50_000_000
#: Evidence photos are kept at most this many pixels on the long side.
EVIDENCE_LONG_SIDE = 1600
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class UploadRejected(ValueError):
    """The file is not acceptable; the message says why, for users."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str


def read_upload(upload, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise UploadRejected(_("文件过大：不能超过 %(mb)s MB。") % {"mb": limit // MB})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_("文件过大：不能超过 %(mb)s MB。") % {"mb": limit // MB})
    if not data:
        raise UploadRejected(_("文件是空的。"))
    return data


def open_image(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise UploadRejected(_("图片像素过多，请缩小后再上传。"))
        image.verify()  # detects truncated and corrupt files
        image = Image.open(io.BytesIO(data))  # verify() leaves the image unusable
        image.load()
    except UploadRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadRejected(_("无法识别的图片：请上传 JPEG、PNG 或 WebP 格式的照片。")) from exc
    if image.format not in IMAGE_FORMATS:
        raise UploadRejected(_("无法识别的图片：请上传 JPEG、PNG 或 WebP 格式的照片。"))
    return image


def evidence_photo(upload) -> ContentFile:
    """The photo upright, at most 1600 px on its long side, as a JPEG without EXIF."""
    from PIL import ImageOps

    image = open_image(read_upload(upload, EVIDENCE_MAX_BYTES))
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((EVIDENCE_LONG_SIDE, EVIDENCE_LONG_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)  # no exif= argument: metadata dropped
    return ContentFile(buffer.getvalue(), name="evidence.jpg")
