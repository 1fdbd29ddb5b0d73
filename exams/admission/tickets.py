"""The admission ticket (准考证) as an A5 PDF: photo, session, site, and a QR code of its code.

Rendered like the certificate, through the printing package: the Chinese font is cut
down to the page's characters and nothing outside the page is fetched.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from typing import TYPE_CHECKING

import segno
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from accounts.identity import mask_id_number
from printing import render_pdf

if TYPE_CHECKING:
    from .models import Registration

logger = logging.getLogger(__name__)
FONT_FAMILY = "Kaozheng CJK"
PHOTO_PIXELS = (250, 350)


def ticket_qr_svg(code: str) -> str:
    """The QR code holds the bare ticket code: nothing personal, short enough for a cheap camera."""
    return segno.make(code, error="m", micro=False).svg_inline(scale=1, border=2, omitsize=True, svgclass="qr")


def _photo(registration: Registration) -> str:
    photo = getattr(registration.candidate, "photo", None)
    if not photo:
        return ""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with photo.open("rb") as stream, Image.open(stream) as image:
            image = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), PHOTO_PIXELS)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError):
        logger.warning("Cannot read the photo of registration %s", registration.pk, exc_info=True)
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def ticket_context(registration: Registration) -> dict:
    session = registration.session
    profile = getattr(session.site, "exam_site_profile", None)
    candidate = registration.candidate
    return {
        "registration": registration,
        "font_family": FONT_FAMILY,
        "name": candidate.real_name or candidate.username,
        "sex": {"M": "男", "F": "女"}.get(candidate.sex, ""),
        "id_number_masked": mask_id_number(candidate.id_number or ""),
        "session": session,
        "starts_at": timezone.localtime(session.starts_at),
        "ends_at": timezone.localtime(session.ends_at),
        "address": profile.address if profile else "",
        "photo": _photo(registration),
        "qr": mark_safe(ticket_qr_svg(registration.ticket_code or "")),  # our own SVG of our own code
    }


#: How long a rendered ticket is kept; any change to what it shows renders a new one.
TICKET_CACHE_SECONDS = 24 * 3600


def render_ticket_pdf(registration: Registration) -> bytes:
    """The ticket's PDF, rendered once per content: candidates download it again and
    again on exam day, and the HTML (cheap) names everything the PDF (dear) shows."""
    with translation.override("zh-hans"):
        html = render_to_string("exams/admission/ticket.html", ticket_context(registration))
    key = f"exams.ticket_pdf:{registration.pk}:{hashlib.sha256(html.encode()).hexdigest()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(html, font_family=FONT_FAMILY)
        cache.set(key, pdf, TICKET_CACHE_SECONDS)
    return pdf
