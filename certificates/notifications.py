"""Telling the holder when the authority acts on their certificate (SMS and e-mail).

Queued after commit, so a change that rolls back tells nobody; sent by a Celery task
through the same pluggable backends as the review reminders.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext_lazy as _

from accounts.models import SmsKind
from accounts.on_commit import queue_task
from accounts.sms import SmsNotSent, send_sms

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
    "review_retry": _("复审不合格，须重新培训、考试后再次申请复审（证书暂不失效）"),
    "refresher_due": _("本年度再培训尚未完成"),
    "refresher_missed": _("未按规定完成年度再培训，已告知用人单位和发证机关"),
    "restored": _("已在应急期批量延期中恢复有效"),
}


def holder_notice(certificate: Certificate, action: str, reason: str = "") -> str:
    """The e-mail's text: what happened and why."""
    text = _("【考证】您的%(kind)s（%(type)s，%(number)s）%(what)s。") % {
        "kind": certificate.subject.kind.name,
        "type": certificate.subject.name,
        "number": mask_certificate_number(certificate.number),
        "what": ACTION_TEXT[action],
    }
    if reason:
        text = f"{text}{_('原因：')}{reason}"
    return str(text)


def notify_holder_after_commit(certificate: Certificate, action: str, reason: str = "") -> None:
    """Queue the holder's notice; it leaves only if the change that prompted it commits."""
    queue_task(notify_holder_task, certificate.pk, holder_notice(certificate, action, reason), action)


def send_holder_notice(*, certificate_id: int, message: str, action: str = "") -> int:
    """SMS to the holder's phone (the approved notice template: what happened, without
    the free-text reason) and the full ``message`` by mail, whichever they have. A failed
    SMS is logged and does not stop the mail."""
    certificate = Certificate.objects.select_related("holder", "subject__kind").filter(pk=certificate_id).first()
    if certificate is None:
        return 0
    holder = certificate.holder
    sent = 0
    if holder.phone and action in ACTION_TEXT:
        try:
            send_sms(
                holder.phone,
                SmsKind.CERTIFICATE_NOTICE,
                {
                    "kind": certificate.subject.kind.name,
                    "subject": certificate.subject.name,
                    "number": mask_certificate_number(certificate.number),
                    "what": ACTION_TEXT[action],
                },
                user=holder,
            )
            sent += 1
        except SmsNotSent:
            logger.warning("Notice SMS for certificate %s not sent", certificate_id, exc_info=True)
    if holder.email:
        send_mail(str(_("证书状态通知")), message, settings.DEFAULT_FROM_EMAIL, [holder.email])
        sent += 1
    return sent
