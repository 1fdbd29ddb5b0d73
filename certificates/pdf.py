"""The certificate as an A4 PDF, rendered from templates/certificates/pdf.html.

What the paper shows (masked ID number, photo at print size, QR code, review records)
lives here; the rendering itself (a CJK font subset for the page, a fetcher that reads
no file) is the printing package's.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from accounts.identity import mask_id_number
from exams.catalogue.rules import refresher_hours
from printing import FONT_FAMILY, render_pdf

from .qr import qr_svg, verification_url
from .rules import mask_certificate_number

if TYPE_CHECKING:
    from .models import Certificate

logger = logging.getLogger(__name__)

#: Photo size on the page is 25 x 35 mm; 250 x 350 px is 254 dpi, plenty for print.
PHOTO_PIXELS = (250, 350)

#: The few user-agent rules the certificate page relies on, in place of WeasyPrint's
#: HTML5 stylesheet (see printing.render.html_document): about a tenth of the render.
USER_AGENT_CSS = (
    "html, body, div, p, h1, h2 { display: block; } head, title, style, script { display: none; } "
    "img, svg { display: inline-block; }"
)


@lru_cache(maxsize=1)
def page_css() -> str:
    """templates/certificates/pdf.css: it holds no per-certificate value."""
    return get_template("certificates/pdf.css").template.source


def photo_data_uri(certificate: Certificate) -> str:
    """The holder's photo, shrunk to print size and inlined as JPEG (or "" if none).

    Normalising (decode, EXIF turn, crop, scale, re-encode) costs more than the rest of
    the page's images together; the result is cached per stored file, whose names are
    unique (a new upload gets a new name), so a re-render reuses it.
    """
    photo = getattr(certificate.holder, "photo", None)
    if not photo:
        return ""
    try:
        return _normalised_photo(photo.storage, photo.name)
    except (OSError, ValueError):
        logger.warning("Cannot read the photo of certificate %s", certificate.pk, exc_info=True)
        return ""


@lru_cache(maxsize=128)
def _normalised_photo(storage: Any, name: str) -> str:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with storage.open(name, "rb") as stream, Image.open(stream) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image = ImageOps.fit(image, PHOTO_PIXELS)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80, optimize=True)
    except UnidentifiedImageError as exc:
        raise ValueError(str(exc)) from exc
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def review_records(certificate: Certificate) -> list[dict[str, Any]]:
    """Passed reviews, oldest first, as the paper shows them (one query; none unsaved)."""
    if not certificate.pk:
        return []
    from .models import Review

    reviews = Review.objects.filter(certificate_id=certificate.pk, status=Review.Status.APPROVED).order_by("decided_on")
    # Not translated: the certificate is a Chinese document whatever the reader's language.
    return [
        {"decided_on": review.decided_on, "result": "合格", "authority": certificate.authority.name}
        for review in reviews
    ]


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    """What the paper shows. The ID number is masked: the file travels by chat and mail."""
    holder = certificate.holder
    operation_type = certificate.operation_type
    if operation_type is None:
        return management_context(certificate)
    return {
        "certificate": certificate,
        "font_family": FONT_FAMILY,
        "holder_name": certificate.holder_name,
        # Not translated: the certificate is a Chinese document whatever the reader's language.
        "holder_sex": {"M": "男", "F": "女"}.get(certificate.holder_sex, ""),
        "id_number_masked": mask_id_number(holder.id_number or ""),
        "number": mask_certificate_number(certificate.number),
        "operation_category": operation_type.category.name,
        "operation_type": operation_type.name,
        "authority": certificate.authority.name,
        "photo": photo_data_uri(certificate),
        "qr": mark_safe(qr_svg(verification_url(certificate.token))),  # our own SVG, no user input
        "reviews": review_records(certificate),
        "verify_page": f"{settings.SITE_URL}/verify/",
    }


def management_context(certificate: Certificate) -> dict[str, Any]:
    """The management-ability certificate (安全生产知识和管理能力考核合格证): post and
    industry instead of operation type, renewal at expiry and the yearly refresher."""
    subject = certificate.subject
    industry = subject.industry
    high_risk = industry is not None and industry.high_risk
    return {
        "certificate": certificate,
        "font_family": FONT_FAMILY,
        "holder_name": certificate.holder_name,
        "holder_sex": {"M": "男", "F": "女"}.get(certificate.holder_sex, ""),
        "id_number_masked": mask_id_number(certificate.holder.id_number or ""),
        "number": mask_certificate_number(certificate.number),
        "kind_name": subject.kind.name,
        "post": subject.get_post_display(),
        "industry": industry.name if industry is not None else "",
        "subject": subject.name,
        "refresher_hours": refresher_hours(subject.kind.code, high_risk=high_risk),
        "authority": certificate.authority.name,
        "photo": photo_data_uri(certificate),
        "qr": mark_safe(qr_svg(verification_url(certificate.token))),  # our own SVG, no user input
        "reviews": review_records(certificate),
        "verify_page": f"{settings.SITE_URL}/verify/",
    }


def template_for(certificate: Certificate) -> str:
    """Each kind has its own paper: the management kind its own title and fields."""
    if certificate.operation_type_id is not None or certificate.operation_type is not None:
        return "certificates/pdf.html"
    return "certificates/pdf_management.html"


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF bytes. Works on unsaved instances too (benchmarks, previews)."""
    with translation.override("zh-hans"):
        html = render_to_string(template_for(certificate), certificate_context(certificate))
    return render_pdf(html, stylesheet=page_css(), user_agent_css=USER_AGENT_CSS)


def warm_up() -> bool:
    """Render one throw-away certificate so a fresh worker process pays its start-up
    (imports, font loading, stylesheet parsing: ~0.7 s) before the first real one."""
    from django.utils import timezone

    from accounts.models import Organisation, User
    from exams.catalogue.models import OperationCategory, OperationType

    from .models import Certificate, new_verification_token

    today = timezone.localdate()
    holder = User(real_name="预热", sex="M")
    operation_type = OperationType(code="0000", name="预热", category=OperationCategory(code="00", name="预热"))
    certificate = Certificate(
        number="WARMUP000000000",
        token=new_verification_token(),
        holder=holder,
        operation_type=operation_type,
        authority=Organisation(kind=Organisation.Kind.AUTHORITY, name="预热", code="warm-up"),
        first_issued_on=today,
        issued_on=today,
        valid_until=today,
        review_due=today,
        holder_name="预热",
    )
    try:
        render_certificate_pdf(certificate)
    except Exception:  # noqa: BLE001 (a failed warm-up must not stop the worker)
        logger.warning("Certificate renderer warm-up failed", exc_info=True)
        return False
    return True
