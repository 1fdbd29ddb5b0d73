"""Background work for certificates; tasks take ids and call services.

Services import these tasks at module level and queue them with
``accounts.on_commit.queue_task``; each task imports its service inside its body, so
the import runs one way only (services -> tasks). Every task carries the name it had
when Celery derived it from the module path, so moving code never orphans queued work.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_init


@shared_task(
    name="certificates.tasks.render_certificate_pdf",
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
    from .services import ensure_certificate_pdf

    ensure_certificate_pdf(certificate_id=certificate_id)


@shared_task(
    name="certificates.tasks.run_bulk_extension_task",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    ignore_result=True,
)
def run_bulk_extension_task(job_id: int) -> None:
    """Work through a bulk extension; a redelivered task resumes where it stopped."""
    from .bulk import run_bulk_extension

    run_bulk_extension(job_id=job_id)


@shared_task(name="certificates.send_review_reminders", acks_late=True, soft_time_limit=600, time_limit=660)
def send_review_reminders_task() -> int:
    """Celery beat, daily: reminders for reviews whose 60-day window has opened."""
    from .reviews import send_review_reminders

    return send_review_reminders()


@shared_task(name="certificates.send_refresher_notices", acks_late=True, soft_time_limit=600, time_limit=660)
def send_refresher_notices_task() -> int:
    """Celery beat, daily: yearly-refresher reminders and missed refreshers (order No. 3 art. 9)."""
    from .refreshers import send_refresher_notices

    return send_refresher_notices()


@shared_task(name="certificates.record_lapses", acks_late=True, soft_time_limit=600, time_limit=660)
def record_lapses_task() -> int:
    """Celery beat, nightly: record certificates that lapsed (not reviewed in time)."""
    from .lifecycle import record_lapses

    return record_lapses()


@shared_task(
    name="certificates.tasks.notify_holder_task",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
)
def notify_holder_task(certificate_id: int, message: str, action: str = "") -> None:
    """Tell the holder what the authority did to their certificate (SMS, e-mail)."""
    from .notifications import send_holder_notice

    send_holder_notice(certificate_id=certificate_id, message=message, action=action)


@worker_process_init.connect
def _warm_up_renderer(**kwargs) -> None:
    """Each worker process renders a throw-away certificate at start, so the first real
    one after a deploy is not the slow, cold one."""
    from .pdf import warm_up

    warm_up()


@shared_task(
    name="certificates.run_roster_check", acks_late=True, soft_time_limit=900, time_limit=960, ignore_result=True
)
def run_roster_check_task(job_id: int) -> None:
    """Check a large roster (see certificates.roster); a redelivered task resumes where it stopped."""
    from .roster import run_roster_check

    run_roster_check(job_id=job_id)


@shared_task(name="certificates.purge_roster_checks", acks_late=True, ignore_result=True)
def purge_roster_checks_task() -> int:
    """Nightly: large roster checks are kept 30 days."""
    from .roster import purge_roster_checks

    return purge_roster_checks()
