from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_verification_token() -> str:
    """192 random bits, URL-safe; unrelated to the number so it cannot be guessed from it."""
    return secrets.token_urlsafe(24)


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        SUSPENDED = "suspended", _("暂扣")
        REVOKED = "revoked", _("撤销")
        CANCELLED = "cancelled", _("注销")
        LAPSED = "lapsed", _("失效")
        REPLACED = "replaced", _("已换发")

    #: Statuses that count as "the" certificate of a holder for an operation type.
    CURRENT_STATUSES = (Status.VALID, Status.SUSPENDED)

    number = models.CharField(_("证号"), max_length=40, unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_verification_token, editable=False)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    operation_type = models.ForeignKey("exams.OperationType", on_delete=models.PROTECT, related_name="certificates")
    authority = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="certificates")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.VALID)
    first_issued_on = models.DateField(_("初领日期"))
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"))
    review_due = models.DateField(_("应复审日期"))
    #: Frozen at issuance so the certificate shows what was true when it was issued.
    holder_name = models.CharField(_("姓名"), max_length=64)
    holder_sex = models.CharField(_("性别"), max_length=1, blank=True)
    theory_attempt = models.ForeignKey(
        "exams.Attempt", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    practical_result = models.ForeignKey(
        "exams.PracticalResult", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(_("状态原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("特种作业操作证")
        verbose_name_plural = _("特种作业操作证")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "operation_type"],
                condition=Q(status__in=["valid", "suspended"]),
                name="one_current_certificate_per_holder_and_type",
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("issued_on")), name="valid_after_issue"),
        ]
        indexes = [models.Index(fields=["holder", "status"])]

    def __str__(self) -> str:
        return self.number


class NumberSequence(models.Model):
    """The last serial issued by an authority in a year; locked while a number is drawn."""

    authority = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority", "year"], name="unique_sequence_year")]

    def __str__(self) -> str:
        return f"{self.authority_id}/{self.year}: {self.last}"


class VerificationLog(models.Model):
    class Channel(models.TextChoices):
        QR = "qr", _("扫码")
        FORM = "form", _("证号+姓名")
        API = "api", _("接口")

    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    found = models.BooleanField()
    client = models.CharField(max_length=64, blank=True, help_text=_("客户端地址的摘要"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("核验记录")
        verbose_name_plural = _("核验记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.found}"
