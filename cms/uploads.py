"""Uploaded documents are what their name says: type checked by content, size capped.

Wagtail checks images itself (format by content against the extension, file size,
pixel count: the ``WAGTAILIMAGES_*`` settings); this does the same for documents,
which Wagtail only checks by extension. A PDF that is really an executable, or a
"video" that is a zip, is refused before it reaches storage.
"""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

#: What the first bytes of each allowed extension must be (MIME types as ``filetype`` names them).
DOCUMENT_SIGNATURES = {
    "pdf": {"application/pdf"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
    "pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/zip"},
    "mp4": {"video/mp4", "video/quicktime", "video/x-m4v"},
    "webm": {"video/webm"},
    "txt": set(),  # no signature: must be UTF-8 text without NUL bytes
}
HEAD_BYTES = 8192


def document_problem(*, name: str, head: bytes, size: int, max_size: int) -> str | None:
    """Why this upload is refused, or None. ``head`` is the first bytes of the file."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in DOCUMENT_SIGNATURES:
        return _("不支持该文件类型（%(extension)s）。") % {"extension": extension or "?"}
    if size > max_size:
        return _("文件过大（%(size)s），最大 %(max)s。") % {
            "size": filesizeformat(size),
            "max": filesizeformat(max_size),
        }
    if extension == "txt":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the end of the head is fine.
            if exc.start < len(head) - 3:
                return _("文件内容与扩展名不符。")
        return _("文件内容与扩展名不符。") if b"\x00" in head else None
    kind = filetype.guess(head)
    if kind is None or kind.mime not in DOCUMENT_SIGNATURES[extension]:
        return _("文件内容与扩展名不符。")
    return None


class ValidatedDocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or not hasattr(upload, "read") or getattr(upload, "_committed", False):
            return upload  # unchanged file on edit
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        problem = document_problem(
            name=upload.name, head=head, size=upload.size, max_size=settings.WAGTAILDOCS_MAX_UPLOAD_SIZE
        )
        if problem:
            raise ValidationError(problem, code="invalid_document")
        return upload
