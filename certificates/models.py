from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.private_media import RandomName, private_storage


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
    #: What the certificate is for: an operation type (special operations) or a post in an
    #: industry (principal leaders and safety managers).
    subject = models.ForeignKey(
        "exams.Subject", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("考核科目")
    )
    #: The subject's operation type, for special-operations certificates; empty otherwise.
    operation_type = models.ForeignKey(
        "exams.OperationType", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
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
    pdf = models.FileField(_("PDF"), upload_to=RandomName("certificates"), storage=private_storage, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(_("状态原因"), max_length=500, blank=True)
    #: 3, or 6 once the authority grants the 10-year clean-record extension.
    review_interval_years = models.PositiveSmallIntegerField(_("复审周期(年)"), default=3)
    last_reviewed_on = models.DateField(_("上次复审日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "subject"],
                condition=Q(status__in=["valid", "suspended"]),
                name="one_current_certificate_per_holder_and_subject",
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("issued_on")), name="valid_after_issue"),
        ]
        indexes = [models.Index(fields=["holder", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def kind(self) -> str:
        """The qualification kind's code: ``special_operation`` or ``management``."""
        return self.subject.kind.code


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
        ROSTER = "roster", _("名单核验")

    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    #: The issuing authority of the certificate found, so it can read its own log.
    authority = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    found = models.BooleanField(_("找到"))
    #: What the verifier was told: a display status, "void" (a replaced paper) or "not_found".
    result = models.CharField(_("结果"), max_length=20, blank=True)
    client = models.CharField(max_length=64, blank=True, help_text=_("客户端地址的摘要"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["authority", "-at"])]
        verbose_name = _("核验记录")
        verbose_name_plural = _("核验记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.found}"

    @property
    def result_label(self) -> str:
        """What the verifier was told, in the reader's language."""
        from .rules import DISPLAY_STATUS_LABELS, DisplayStatus

        if self.result == "not_found":
            return str(_("未找到"))
        if self.result == "void":
            return str(_("已作废"))
        try:
            return str(DISPLAY_STATUS_LABELS[DisplayStatus(self.result)])
        except ValueError:
            return self.result


class CertificateEvent(models.Model):
    """One step in a certificate's life: who did what, when, why, and what it replaced.

    Replacement and update keep the old QR token and PDF here (voided), so a scan of the
    old paper says clearly that it is void.
    """

    class Action(models.TextChoices):
        ISSUE = "issue", _("发证")
        SUSPEND = "suspend", _("暂扣")
        REINSTATE = "reinstate", _("恢复")
        REVOKE = "revoke", _("撤销")
        CANCEL = "cancel", _("注销")
        LAPSE = "lapse", _("失效")
        REPLACE = "replace", _("补发")
        UPDATE = "update", _("变更")
        EXTEND = "extend", _("延期")
        REVIEW = "review", _("复审")
        INTERVAL = "interval", _("延长复审周期")
        REVIEW_APPLIED = "review_applied", _("复审申请")
        RESTORE = "restore", _("恢复（批量延期）")
        AWAY = "away", _("离岗登记")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=16)
    to_status = models.CharField(_("新状态"), max_length=16)
    ground = models.CharField(_("依据"), max_length=32, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    data = models.JSONField(default=dict, blank=True)
    #: The QR token of the paper this step made void (replacement, update).
    voided_token = models.CharField(max_length=64, blank=True, db_index=True)
    voided_pdf = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("证书变更记录")
        verbose_name_plural = _("证书变更记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.action} {self.at:%Y-%m-%d}"


class Review(models.Model):
    """A review (复审) of a certificate for one review date, applied for and decided."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("已申请")
        APPROVED = "approved", _("复审合格")
        REJECTED = "rejected", _("复审不合格")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField(_("应复审日期"))
    #: 1, or 2 for the retry after retraining and a new exam (order No. 30 art. 26).
    attempt = models.PositiveSmallIntegerField(_("申请次数"), default=1)
    #: Who applied: the holder, or the employer on the holder's behalf (art. 22).
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The review exam sat on the platform (a theory session with purpose=review).
    exam_attempt = models.ForeignKey(
        "exams.Attempt", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("复审考试")
    )
    #: A first review failed on grounds (2)-(5) of art. 25: the holder may retrain and retry.
    retry_allowed = models.BooleanField(_("可重新申请"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField(_("申请时间"))
    training_hours = models.DecimalField(_("复审培训学时"), max_digits=6, decimal_places=2)
    exam_score = models.DecimalField(_("复审考试成绩"), max_digits=5, decimal_places=2, null=True, blank=True)
    health_check_passed = models.BooleanField(_("体检合格"), null=True, blank=True)
    verified_violations = models.PositiveSmallIntegerField(_("查实违章次数"), default=0)
    administrative_penalty = models.BooleanField(_("受过行政处罚"), default=False)
    obstructed_inspection = models.BooleanField(_("拒绝、阻碍监督检查"), default=False)
    grounds = models.JSONField(_("不合格依据"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_on = models.DateField(_("复审日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("复审")
        verbose_name_plural = _("复审")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "due_on", "attempt"], name="one_review_per_due_date_attempt")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.due_on}"


class ReviewReminder(models.Model):
    """A reminder sent for one certificate and review date, on one channel: sent once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("复审提醒")
        verbose_name_plural = _("复审提醒")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "due_on", "channel"], name="one_reminder_per_due_date")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.due_on} {self.channel}"


class BulkExtension(models.Model):
    """The regulator extends a selected group of certificates at once (e.g. an emergency)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    authority = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    until = models.DateField(_("延期至"))
    reason = models.CharField(_("原因"), max_length=500)
    #: The emergency window: certificates of the selection that lapsed by date inside it
    #: are restored and extended too. Empty: only current certificates are extended.
    window_start = models.DateField(_("应急期开始"), null=True, blank=True)
    window_end = models.DateField(_("应急期结束"), null=True, blank=True)
    restored = models.PositiveIntegerField(_("已恢复"), default=0)
    certificate_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    extended = models.PositiveIntegerField(_("已延期"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("申请人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量延期")
        verbose_name_plural = _("批量延期")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.authority_id} → {self.until} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


class AuthorityPolicy(models.Model):
    """An issuing authority's certificate settings."""

    class NumberFormat(models.TextChoices):
        SERIAL = "serial", _("机关代码+年份+序号+校验位")
        ID_NUMBER = "t_id", _("T+身份证号")

    authority = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="certificate_policy"
    )
    number_format = models.CharField(
        _("证号格式"), max_length=8, choices=NumberFormat.choices, default=NumberFormat.SERIAL
    )

    class Meta:
        verbose_name = _("发证设置")
        verbose_name_plural = _("发证设置")

    def __str__(self) -> str:
        return f"{self.authority_id}: {self.number_format}"


class WorkAbsence(models.Model):
    """A holder away from the special operation (order No. 30 art. 32).

    Recorded by the employer or the holder. Away more than 6 months, the practical exam is
    taken again before returning; verification shows "需重新实操考试" until a practical
    pass after ``left_on`` is recorded (``cleared_at``).
    """

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="absences")
    left_on = models.DateField(_("离岗日期"))
    returned_on = models.DateField(_("返岗日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(_("重新实操合格时间"), null=True, blank=True)
    cleared_by_result = models.ForeignKey(
        "exams.PracticalResult", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("离岗记录")
        verbose_name_plural = _("离岗记录")
        ordering = ["-left_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.left_on}"


class RefresherNotice(models.Model):
    """A yearly-refresher notice for one certificate year (order No. 3 art. 9): sent once.

    ``kind`` "due" reminds the holder in the year's last 60 days; "missed" flags a year
    that ended without its hours to the holder, the employer and the authority.
    """

    class Kind(models.TextChoices):
        DUE = "due", _("再培训提醒")
        MISSED = "missed", _("未按期再培训")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="refresher_notices")
    year_ends_on = models.DateField(_("培训年度截止"))
    kind = models.CharField(max_length=8, choices=Kind.choices)
    hours = models.DecimalField(_("已完成学时"), max_digits=6, decimal_places=2, default=0)
    required = models.PositiveSmallIntegerField(_("应完成学时"), default=0)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("再培训提醒")
        verbose_name_plural = _("再培训提醒")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "year_ends_on", "kind"], name="one_refresher_notice")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.year_ends_on} {self.kind}"


class RosterCheck(models.Model):
    """A roster too large to check within the request (settings.ROSTER_SYNC_ROWS): the
    upload is kept in the private storage until a task has checked it chunk by chunk;
    only the uploader sees its progress and results (masked, as on the page)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("核验中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("上传人")
    )
    file = models.FileField(_("名单文件"), upload_to=RandomName("rosters"), storage=private_storage, blank=True)
    #: The uploader's client digest, logged with every lookup like a check on the page.
    client = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("人数"), default=0)
    done = models.PositiveIntegerField(_("已核验"), default=0)
    found = models.PositiveIntegerField(_("持证"), default=0)
    results = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名单核验")
        verbose_name_plural = _("名单核验")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.requested_by_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
