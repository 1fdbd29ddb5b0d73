"""Private files: where they are stored, how they are named, how they leave.

Health certificates, evidence photos, certificate PDFs, people's photos, question files
and uploaded rosters are never public media. They live in their own storage
(``STORAGES["private"]``: a folder outside MEDIA_ROOT while developing, a private S3 prefix
in production), under random names, and leave only through a view that has checked who
asks. On S3 that view answers with a redirect to a signed URL that expires within minutes;
on a folder it streams the file itself.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.deconstruct import deconstructible

PRIVATE = "private"


def private_storage() -> Storage:
    """The private storage, read from settings when used (so migrations do not freeze it)."""
    return storages[PRIVATE]


@deconstructible
class RandomName:
    """``upload_to`` for private files: ``<prefix>/<year>/<random>.<ext>``.

    The caller's file name is dropped (it may carry a person's name or ID number) except
    for a short extension, so nobody can guess a file's address.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, instance: Any, filename: str) -> str:
        suffix = PurePath(filename or "").suffix.lower()
        if not (1 < len(suffix) <= 6 and suffix[1:].isalnum()):
            suffix = ""
        return f"{self.prefix}/{timezone.now():%Y}/{secrets.token_urlsafe(18)}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def private_file_response(
    file: FieldFile,
    *,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = False,
) -> HttpResponse:
    """Hand over a private file to someone the caller has already checked.

    Served from a folder, the file is streamed. Anywhere else (S3), the answer is a
    redirect to a URL signed for ``PRIVATE_MEDIA_URL_EXPIRY`` seconds that makes the
    storage answer with the same content type and file name.
    """
    storage = file.storage
    if isinstance(storage, FileSystemStorage):
        response: HttpResponse = FileResponse(
            file.open("rb"), content_type=content_type, filename=filename or "", as_attachment=as_attachment
        )
    else:
        disposition = "attachment" if as_attachment else "inline"
        if filename:
            disposition += f'; filename="{filename}"'
        url = storage.url(
            file.name,
            parameters={"ResponseContentType": content_type, "ResponseContentDisposition": disposition},
            expire=settings.PRIVATE_MEDIA_URL_EXPIRY,
        )
        response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response
