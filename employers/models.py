"""An employer's workspace: departments, posts and the requirements each post names, and
the staff register (员工名册).

A register entry holds what the employer typed (name, ID number, phone) and, once the
person has agreed, the link through which the employer reads their certificates. Until
that consent the employer sees nothing of the person's account, not even whether one
exists; a person who declines or withdraws is again only what the employer typed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.encryption import EncryptedTextField
from accounts.identity import mask_id_number, mask_name, mask_phone


class Department(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="departments", verbose_name=_("单位")
    )
    name = models.CharField(_("部门名称"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_department_name")]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A post (岗位) and the training it requires: what the employer must see to."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="posts", verbose_name=_("单位")
    )
    name = models.CharField(_("岗位名称"), max_length=100)
    #: New-worker three-level safety education (三级安全教育), then yearly refresher training.
    new_worker_education = models.BooleanField(_("新员工三级安全教育"), default=True)
    #: Coal and non-coal mines, hazardous chemicals, fireworks, metal smelting: 72 hours, not 24.
    high_risk = models.BooleanField(_("高危行业岗位"), default=False)
    #: Certificates the post needs: special-operations types and three-post (management) subjects.
    required_subjects = models.ManyToManyField(
        "exams.Subject", blank=True, related_name="+", verbose_name=_("须持证书")
    )
    #: Courses the employer assigns to everyone on the post (enrolled once they consent).
    courses = models.ManyToManyField("courses.CoursePage", blank=True, related_name="+", verbose_name=_("指定课程"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_post_name")]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """One person in an employer's staff register."""

    class Consent(models.TextChoices):
        PENDING = "pending", _("待本人同意")
        GIVEN = "given", _("已同意")
        DECLINED = "declined", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回同意")

    class Invitation(models.TextChoices):
        NOT_SENT = "", _("未发送")
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="staff", verbose_name=_("单位")
    )
    name = models.CharField(_("姓名"), max_length=64)
    id_number = EncryptedTextField(_("身份证号"))
    id_number_hash = models.CharField(max_length=64, editable=False)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff", verbose_name=_("部门")
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff", verbose_name=_("岗位")
    )
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    #: The account with the same ID number, when there is one (found by its keyed hash).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employments"
    )
    consent = models.CharField(_("本人同意"), max_length=16, choices=Consent.choices, default=Consent.PENDING)
    consent_changed_at = models.DateTimeField(_("同意状态时间"), null=True, blank=True)
    invitation = models.CharField(_("邀请短信"), max_length=16, choices=Invitation.choices, blank=True)
    invited_at = models.DateTimeField(_("邀请时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工名册")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id_number_hash"], name="one_register_entry_per_person"),
            models.CheckConstraint(
                condition=~Q(consent="given") | Q(user__isnull=False), name="consent_given_by_an_account"
            ),
        ]
        indexes = [models.Index(fields=["id_number_hash"]), models.Index(fields=["organisation", "consent"])]

    def __str__(self) -> str:
        return f"{self.name_masked} @ {self.organisation_id}"

    @property
    def consented(self) -> bool:
        return self.consent == self.Consent.GIVEN and self.user_id is not None

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class DigestSent(models.Model):
    """The weekly digest of one employer for one week: sent once."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    week_of = models.DateField()
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "week_of"], name="one_digest_per_week")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.week_of}"


class WorkerApplication(models.Model):
    """An application the employer makes on a worker's behalf (order No. 30 art. 22): an
    exam registration or a review. It is the ordinary registration or review, decided by
    the regulator through its own services; this row records who applied for whom, and
    the worker may withdraw it until it is decided."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("考试报名")
        REVIEW = "review", _("复审申请")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    entry = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="applications")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    #: What was applied for, as the worker and employer read it ("电工作业 · 复审").
    title = models.CharField(_("事项"), max_length=200)
    #: The review applied for; emptied when the application is withdrawn (the review is removed).
    review = models.ForeignKey(
        "certificates.Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registration = models.ForeignKey(
        "exams.Registration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("代为申请")
        verbose_name_plural = _("代为申请")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"

    @property
    def status(self) -> str:
        """withdrawn, or the status of the review / registration it made."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        target = self.review if self.kind == self.Kind.REVIEW else self.registration
        return target.status if target is not None else "withdrawn"

    @property
    def status_label(self) -> str:
        if self.status == "withdrawn":
            return str(_("已撤回"))
        target = self.review if self.kind == self.Kind.REVIEW else self.registration
        return str(target.get_status_display()) if target is not None else ""

    @property
    def can_withdraw(self) -> bool:
        return self.status in ("applied", "pending", "approved") and not (
            self.kind == self.Kind.REVIEW and self.status == "approved"
        )


class GateCheck(models.Model):
    """A contractor's roster checked at the gate (门岗核验): any size, worked through by a
    task in chunks with its progress, results kept 30 days. The people to check are kept
    encrypted only until the check is done; results hold masked ID numbers only."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("核验中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    name = models.CharField(_("名单"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("人数"), default=0)
    done = models.PositiveIntegerField(_("已核验"), default=0)
    found = models.PositiveIntegerField(_("持证"), default=0)
    #: The rows still to check (JSON), encrypted; emptied when the check is done.
    pending_rows = EncryptedTextField(blank=True, default="")
    results = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("门岗核验")
        verbose_name_plural = _("门岗核验")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.name}"

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 100
