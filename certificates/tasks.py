"""Background work for certificates; tasks take ids and call services."""

from __future__ import annotations

from celery import shared_task

from .models import Certificate
from .services import ensure_pdf


@shared_task(
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def render_certificate_pdf(certificate_id: int) -> None:
    """Render and store a certificate's PDF; a repeat (redelivery after a crash) is a no-op.

    Storage hiccups (OSError) are retried with backoff; should every retry fail, the
    PDF download renders it on demand.
    """
    certificate = (
        Certificate.objects.select_related("holder", "operation_type__category", "authority")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None or certificate.pdf:
        return
    ensure_pdf(certificate)
