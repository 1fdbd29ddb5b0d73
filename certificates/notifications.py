"""Telling the holder when the authority acts on their certificate (SMS and e-mail).

Queued after commit, so a change that rolls back tells nobody; sent by a Celery task
through the same pluggable backends as the review reminders.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext_lazy as _

from accounts.on_commit import queue_task
from accounts.sms import send_sms

from .models import Certificate
from .rules import mask_certificate_number
from .tasks import notify_holder_task

logger = logging.getLogger(__name__)

ACTION_TEXT = {
    "suspend": _("已被暂扣"),
    "reinstate": _("已恢复有效"),
    "revoke": _("已被撤销"),
    "cancel": _("已被注销"),
    "replace": _("已补发，旧证作废"),
    "update": _("信息已变更，旧证作废"),
    "review_approved": _("复审合格"),
    "review_rejected": _("复审不合格，证书失效"),
}


def holder_notice(certificate: Certificate, action: str, reason: str = "") -> str:
    text = _("【考证】您的特种作业操作证（%(type)s，%(number)s）%(what)s。") % {
        "type": certificate.operation_type.name,
        "number": mask_certificate_number(certificate.number),
        "what": ACTION_TEXT[action],
    }
    if reason:
        text = f"{text}{_('原因：')}{reason}"
    return str(text)


def notify_holder_after_commit(certificate: Certificate, action: str, reason: str = "") -> None:
    """Queue the holder's notice; it leaves only if the change that prompted it commits."""
    queue_task(notify_holder_task, certificate.pk, holder_notice(certificate, action, reason))


def send_holder_notice(*, certificate_id: int, message: str) -> int:
    """SMS to the holder's phone and mail to their address, whichever they have."""
    certificate = Certificate.objects.select_related("holder").filter(pk=certificate_id).first()
    if certificate is None:
        return 0
    holder = certificate.holder
    sent = 0
    if holder.phone:
        send_sms(holder.phone, message)
        sent += 1
    if holder.email:
        send_mail(str(_("特种作业操作证通知")), message, settings.DEFAULT_FROM_EMAIL, [holder.email])
        sent += 1
    return sent
