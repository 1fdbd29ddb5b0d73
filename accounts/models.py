from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .encryption import EncryptedTextField
from .identity import mask_id_number, mask_name
from .private_media import RandomName, private_storage


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR_MIDDLE = "junior_middle", _("初中")
    SENIOR_MIDDLE = "senior_middle", _("高中或同等学历")
    COLLEGE = "college", _("大专及以上")


class User(AbstractUser):
    """A person. Personal data is encrypted at rest; look-ups go through keyed hashes."""

    real_name = models.CharField(_("真实姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, null=True, blank=True, unique=True)
    phone_verified = models.BooleanField(_("手机号已验证"), default=False)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True, choices=[("M", _("男")), ("F", _("女"))])
    education = models.CharField(_("文化程度"), max_length=20, blank=True, choices=Education.choices)
    photo = models.ImageField(_("照片"), upload_to=RandomName("photos"), storage=private_storage, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def name_masked(self) -> str:
        return mask_name(self.real_name)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("培训机构")
        EXAM_SITE = "exam_site", _("考点")
        EMPLOYER = "employer", _("用人单位")
        AUTHORITY = "authority", _("考核发证机关")

    class Grade(models.TextChoices):
        A = "A", _("A级")
        B = "B", _("B级")
        C = "C", _("C级")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=200)
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    grade = models.CharField(_("等级"), max_length=1, choices=Grade.choices, blank=True)
    region = models.CharField(_("行政区划"), max_length=100, blank=True)
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    #: An issuing authority's permission for theory sessions sat remotely (a start code read
    #: out by the invigilator instead of check-in at the site). Off unless the authority allows it.
    allows_remote_theory = models.BooleanField(
        _("允许远程理论考试"), default=False, help_text=_("仅对考核发证机关有效：其理论考试场次可采用远程开考码。")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="training") | Q(grade=""), name="grade_only_for_training"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    WORKER = "worker", _("学员")
    TRAINER = "trainer", _("培训机构人员")
    EXAMINER = "examiner", _("考评员")
    REGULATOR = "regulator", _("监管人员")
    ADMINISTRATOR = "administrator", _("系统管理员")
    #: An employer's safety officer or HR staff: keeps the staff register, applies on
    #: workers' behalf, runs the firm's training.
    EMPLOYER = "employer", _("用人单位管理人员")


#: Roles whose holders must protect their account with a second factor.
MFA_REQUIRED_ROLES = frozenset({Role.REGULATOR, Role.ADMINISTRATOR})


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """An organisation asks a person to join something of theirs (a class) that needs the
    person's consent: someone who is not the organisation's member is never added, or
    shown to its staff, before they accept."""

    class Purpose(models.TextChoices):
        CLASS_ENROLMENT = "class_enrolment", _("班级报名")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    purpose = models.CharField(_("用途"), max_length=32, choices=Purpose.choices)
    #: What the person is invited to (for a class enrolment: the class's id).
    subject_id = models.PositiveBigIntegerField()
    #: The person, once known: at once when invited by ID number or by the phone of an
    #: account; on answering, for someone invited by a phone that had no account yet.
    invitee = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations")
    #: Invited by phone (SMS): the keyed hash of the number; whoever signs in with that
    #: number verified may answer. The number itself is kept (encrypted) only until the
    #: text is sent.
    phone_hash = models.CharField(max_length=64, blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    declined_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "subject_id", "invitee"], name="one_invitation_per_subject"),
            models.UniqueConstraint(
                fields=["purpose", "subject_id", "phone_hash"],
                condition=~models.Q(phone_hash=""),
                name="one_invitation_per_subject_and_phone",
            ),
            models.CheckConstraint(
                condition=models.Q(invitee__isnull=False) | ~models.Q(phone_hash=""), name="invitation_has_someone"
            ),
        ]
        indexes = [
            models.Index(fields=["invitee", "accepted_at", "declined_at"]),
            models.Index(fields=["phone_hash"], condition=~models.Q(phone_hash=""), name="invitation_phone_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.subject_id} → {self.invitee_id}"


class AuditEvent(models.Model):
    """Who did what, to which object, and when. Written by services, never edited."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class ExamBan(models.Model):
    """A period in which a person may not register for any special-operations exam.

    Revoking a certificate for fraud or a false record (order No. 30 art. 30) bars the holder
    for three years (order No. 30); eligibility checks read these rows. A ban is lifted by
    setting ``lifted_at``, never by deleting it, so the record of it stays.
    """

    class Reason(models.TextChoices):
        FRAUD = "fraud", _("以欺骗、贿赂等不正当手段取得证书")
        ACCIDENT = "accident", _("对造成事故负有责任")
        EXAM_MISCONDUCT = "exam_misconduct", _("考试作弊")
        OTHER = "other", _("其他")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="exam_bans", verbose_name=_("人员"))
    reason = models.CharField(_("原因"), max_length=32, choices=Reason.choices)
    detail = models.CharField(_("说明"), max_length=500, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    imposed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("决定人")
    )
    #: What caused the ban, e.g. "certificates.certificate:42"; empty when imposed directly.
    source = models.CharField(_("来源"), max_length=100, blank=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("禁考记录")
        verbose_name_plural = _("禁考记录")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="exam_ban_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on}"


class SmsKind(models.TextChoices):
    """What a text message is for. Each kind is one template approved by the SMS service
    (its id comes from the environment), with named parameters; see accounts.sms."""

    VERIFICATION = "verification", _("验证码")
    ACCOUNT_EXISTS = "account_exists", _("手机号已注册提示")
    UNKNOWN_ACCOUNT = "unknown_account", _("未注册号码登录提示")
    REVIEW_REMINDER = "review_reminder", _("复审提醒")
    CERTIFICATE_NOTICE = "certificate_notice", _("证书状态通知")
    INVITATION = "invitation", _("用人单位邀请")
    CLASS_INVITATION = "class_invitation", _("培训班级邀请")
    DIGEST = "digest", _("到期汇总")


class SmsDelivery(models.Model):
    """One text message: what kind, to whom (masked, and a keyed hash to find it), through
    which service, and what became of it.

    Written by ``accounts.sms.send_sms`` in the caller's transaction; the service's
    delivery reports (``accounts.sms_reports``) fill in the outcome. No message text is
    kept, and a parameter that is a secret (a verification code) only as asterisks.
    """

    class Status(models.TextChoices):
        REFUSED = "refused", _("超出限额未发送")
        FAILED = "failed", _("发送失败")
        SENT = "sent", _("已提交")
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("未送达")

    kind = models.CharField(_("类型"), max_length=32, choices=SmsKind.choices)
    phone_masked = models.CharField(_("手机号"), max_length=20)
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("用户")
    )
    backend = models.CharField(_("通道"), max_length=32)
    template_id = models.CharField(_("模板ID"), max_length=32, blank=True)
    #: The template's parameters in order, secrets masked.
    params = models.JSONField(_("参数"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    #: The service's id of the message (Tencent Cloud: SerialNo), which its reports name.
    provider_message_id = models.CharField(_("服务商流水号"), max_length=64, blank=True, db_index=True)
    error_code = models.CharField(_("错误码"), max_length=100, blank=True)
    error_message = models.CharField(_("错误说明"), max_length=500, blank=True)
    #: Billing units the service charged (a long message counts as several).
    fee = models.PositiveSmallIntegerField(_("计费条数"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    reported_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信发送记录")
        verbose_name_plural = _("短信发送记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.phone_masked} {self.status}"
