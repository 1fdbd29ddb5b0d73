"""Checking a health certificate upload: judged by content, never by name or declared type.

Health certificates are kept as given (an image or a PDF of at most 5 MB).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from exams.practical.uploads import IMAGE_FORMATS, MB, CheckedFile, UploadRejected, open_image, read_upload

HEALTH_MAX_BYTES = 5 * MB


def check_health_certificate(upload) -> CheckedFile:
    """An image (JPEG/PNG/WebP) or a PDF of at most 5 MB."""
    data = read_upload(upload, HEALTH_MAX_BYTES)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise UploadRejected(_("PDF 文件不完整或已损坏。"))
        return CheckedFile(content=data, content_type="application/pdf", extension="pdf")
    try:
        image = open_image(data)
    except UploadRejected as exc:
        raise UploadRejected(_("体检证明须为图片（JPEG、PNG、WebP）或 PDF 文件。")) from exc
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image.format]
    return CheckedFile(content=data, content_type=IMAGE_FORMATS[image.format], extension=extension)
