"""A health certificate chosen on a form that failed on another field is held, so the worker
does not pick the file again (on a phone, finding a scan twice is where people give up).

The file is checked before it is held (a refused file is never kept), stored under a random
name in the default storage, as the certificates themselves are, and named only in the
worker's own session, together with the user it belongs to: nobody else can use it. Holding
another file replaces it; storing the certificate releases it; a nightly task deletes the
holds left behind.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .uploads import check_health_certificate

SESSION_KEY = "exams.health_certificate.held"
FOLDER = "health-held"
#: A held file nobody came back for is deleted after this long (nightly task).
HOLD_FOR = dt.timedelta(days=1)


@dataclass(frozen=True)
class HeldUpload:
    path: str
    #: The name the worker's file had, shown as "已选择：name.pdf".
    name: str

    def open(self):
        return default_storage.open(self.path, "rb")


def held_upload(session, user) -> HeldUpload | None:
    """The file ``user`` chose earlier in this session, if it is still there."""
    entry = session.get(SESSION_KEY)
    if not entry or entry.get("user") != user.pk:
        return None
    if not default_storage.exists(entry["path"]):
        session.pop(SESSION_KEY, None)
        return None
    return HeldUpload(path=entry["path"], name=entry["name"])


def hold_upload(session, user, upload) -> HeldUpload:
    """Check ``upload`` and hold it for ``user``, in place of what was held before.

    Raises ``UploadRejected`` (nothing held, the earlier file kept) when the file is refused.
    """
    checked = check_health_certificate(upload)
    name = PurePosixPath(upload.name or "").name[:120] or f"file.{checked.extension}"
    path = default_storage.save(
        f"{FOLDER}/{secrets.token_urlsafe(16)}.{checked.extension}", ContentFile(checked.content)
    )
    release_upload(session, user)
    session[SESSION_KEY] = {"user": user.pk, "path": path, "name": name}
    return HeldUpload(path=path, name=name)


def release_upload(session, user) -> None:
    """Forget and delete the held file (after it was stored, or when it is replaced)."""
    held = held_upload(session, user)
    session.pop(SESSION_KEY, None)
    if held is not None:
        default_storage.delete(held.path)


def discard_stale_held_uploads(*, now: dt.datetime | None = None, older_than: dt.timedelta = HOLD_FOR) -> int:
    """Delete held files nobody came back for (the form was left); returns how many."""
    now = now or timezone.now()
    if not default_storage.exists(FOLDER):
        return 0
    discarded = 0
    for name in default_storage.listdir(FOLDER)[1]:
        path = f"{FOLDER}/{name}"
        if default_storage.get_modified_time(path) < now - older_than:
            default_storage.delete(path)
            discarded += 1
    return discarded
