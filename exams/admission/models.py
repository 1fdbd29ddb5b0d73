"""Admission (考务): exam sites, sessions, registrations and health certificates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.private_media import RandomName, private_storage
from exams.catalogue.models import OperationType, Subject
from exams.papers.models import Blueprint
from exams.practical.models import PracticalRubric


class ExamKind(models.TextChoices):
    THEORY = "theory", _("理论考试")
    PRACTICAL = "practical", _("实操考试")


class SessionPurpose(models.TextChoices):
    """Why a session is held: it decides which rules apply to its registrations."""

    #: Initial certification (and its retake): order No. 30 or the three-post rules.
    CERTIFICATION = "certification", _("取证考试")
    #: The review (复审) or renewal exam of a certificate already held.
    REVIEW = "review", _("复审考试")
    #: A one-off assessment event (考核活动): no statutory certificate follows.
    ASSESSMENT_EVENT = "assessment_event", _("考核活动")


class CheckInMode(models.TextChoices):
    """How the candidates of a theory session are let in (set when it is planned)."""

    #: The invigilator checks each candidate in at the site (ticket QR code or ID number);
    #: the attempt starts only after check-in.
    SITE = "site", _("现场签到")
    #: Sat remotely, where the authority permits it: the attempt starts with the session's
    #: start code, read out by the invigilator.
    REMOTE = "remote", _("远程开考码")


class ExamSession(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=ExamKind.choices)
    purpose = models.CharField(
        _("用途"), max_length=24, choices=SessionPurpose.choices, default=SessionPurpose.CERTIFICATION
    )
    name = models.CharField(_("名称"), max_length=200)
    authority = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="planned_sessions", verbose_name=_("发证机关")
    )
    site = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="hosted_sessions", verbose_name=_("考点")
    )
    operation_types = models.ManyToManyField(
        OperationType, blank=True, related_name="sessions", verbose_name=_("操作项目")
    )
    #: What the session examines, for every qualification kind (an operation type's subject,
    #: or a three-post post x industry). Filled from ``operation_types`` for special operations.
    subjects = models.ManyToManyField(Subject, blank=True, related_name="sessions", verbose_name=_("考核科目"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("容量"))
    blueprint = models.ForeignKey(Blueprint, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    rubric = models.ForeignKey(
        PracticalRubric, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkin_mode = models.CharField(_("入场方式"), max_length=8, choices=CheckInMode.choices, default=CheckInMode.SITE)
    #: Remote theory sessions only: the code the invigilator reads out to open the exam.
    start_code = models.CharField(_("开考码"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("考试场次")
        verbose_name_plural = _("考试场次")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(kind="theory", blueprint__isnull=False) | Q(kind="practical", rubric__isnull=False),
                name="session_has_paper_or_rubric",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")
        CANCELLED = "cancelled", _("已取消")

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="registrations")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    #: The subject's operation type, for special operations; empty for the management kind.
    operation_type = models.ForeignKey(
        OperationType, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    #: What the candidate sits: set on every registration (filled from ``operation_type``).
    subject = models.ForeignKey(
        Subject,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("考核科目"),
    )
    training_organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    is_retake = models.BooleanField(_("补考"), default=False)
    #: On a retake of a rubric that repeats only failed subjects: the subjects to sit.
    retake_subjects = models.JSONField(_("补考科目"), default=list, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    #: The admission ticket's code (准考证号): printed and in its QR code; set on approval.
    ticket_code = models.CharField(_("准考证号"), max_length=16, null=True, blank=True, unique=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(fields=["session", "candidate"], name="unique_registration_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} / {self.session}"

    @property
    def examined_name(self) -> str:
        """What is sat, for display: the operation type's name, or the subject's (three-post)."""
        if self.operation_type is not None:
            return self.operation_type.name
        return self.subject.name if self.subject is not None else ""


class ExamSiteProfile(models.Model):
    """What an exam site (实操考点) offers: stations, equipped operation types, address.

    Its examiners are the site's members with the examiner role (accounts.Membership).
    """

    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="exam_site_profile",
        limit_choices_to={"kind": "exam_site"},
        verbose_name=_("考点"),
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("每场最多考生"), default=40)
    operation_types = models.ManyToManyField(
        OperationType, related_name="exam_sites", blank=True, verbose_name=_("具备考试条件的操作项目")
    )

    class Meta:
        verbose_name = _("实操考点")
        verbose_name_plural = _("实操考点")

    def __str__(self) -> str:
        return str(self.organisation)

    def examiner_names(self) -> str:
        """The site's examiners (members with the examiner role), for the admin listing."""
        memberships = self.organisation.memberships.filter(role="examiner").select_related("user")
        return "、".join(m.user.real_name or m.user.username for m in memberships.order_by("user__real_name"))

    examiner_names.short_description = _("考评员")  # type: ignore[attr-defined]


class HealthCertificate(models.Model):
    """A candidate's medical certificate (体检证明) for special-operations work."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_certificates", verbose_name=_("人员")
    )
    file = models.FileField(_("体检证明"), upload_to=RandomName("health"), storage=private_storage)
    content_type = models.CharField(max_length=64)
    issued_on = models.DateField(_("出具日期"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("体检证明")
        verbose_name_plural = _("体检证明")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.issued_on}"
