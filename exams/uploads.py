"""Checking what people upload: judged by content, never by name or declared type.

Health certificates are kept as given (an image or a PDF); evidence photos are
re-encoded: turned upright, shrunk for the record and stripped of EXIF (which holds
the phone's GPS position and serial number).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

MB = 1024 * 1024
HEALTH_MAX_BYTES = 5 * MB
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


def _read(upload, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise UploadRejected(_("文件过大：不能超过 %(mb)s MB。") % {"mb": limit // MB})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_("文件过大：不能超过 %(mb)s MB。") % {"mb": limit // MB})
    if not data:
        raise UploadRejected(_("文件是空的。"))
    return data


def _open_image(data: bytes):
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


def check_health_certificate(upload) -> CheckedFile:
    """An image (JPEG/PNG/WebP) or a PDF of at most 5 MB."""
    data = _read(upload, HEALTH_MAX_BYTES)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise UploadRejected(_("PDF 文件不完整或已损坏。"))
        return CheckedFile(content=data, content_type="application/pdf", extension="pdf")
    try:
        image = _open_image(data)
    except UploadRejected as exc:
        raise UploadRejected(_("体检证明须为图片（JPEG、PNG、WebP）或 PDF 文件。")) from exc
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image.format]
    return CheckedFile(content=data, content_type=IMAGE_FORMATS[image.format], extension=extension)


def evidence_photo(upload) -> ContentFile:
    """The photo upright, at most 1600 px on its long side, as a JPEG without EXIF."""
    from PIL import ImageOps

    image = _open_image(_read(upload, EVIDENCE_MAX_BYTES))
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((EVIDENCE_LONG_SIDE, EVIDENCE_LONG_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)  # no exif= argument: metadata dropped
    return ContentFile(buffer.getvalue(), name="evidence.jpg")
