"""Assessment events (考核活动): a one-off exam a regulator or an employer runs for an
audience (Linzi's "大考试"), sat on the theory exam engine.

An event holds its own copy of the blueprint it was set from (with the event's time limit
and pass mark), and one ExamSession (purpose=assessment_event) per attempt number: the
first attempt is sat in round 1, a second one in round 2, and so on. The audience is
made into invitation rows when the event is created (invited people, departments, firms,
a district), or when someone joins by the link and code. Nothing here is a statutory
certificate, and order No. 30's eligibility rules do not apply.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_event_token() -> str:
    return secrets.token_urlsafe(9)


class AssessmentEvent(models.Model):
    class Audience(models.TextChoices):
        INVITED = "invited", _("指定人员")
        DEPARTMENTS = "departments", _("本单位部门")
        FIRMS = "firms", _("指定企业")
        DISTRICT = "district", _("辖区内企业")
        LINK = "link", _("凭链接和口令参加")

    class Award(models.TextChoices):
        NONE = "", _("不发证明")
        PARTICIPATION = "participation", _("参加证明")
        PASS = "pass", _("合格证明（仅合格者）")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("主办单位")
    )
    name = models.CharField(_("活动名称"), max_length=200)
    audience = models.CharField(_("参加范围"), max_length=16, choices=Audience.choices)
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    firms = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+", verbose_name=_("企业"))
    departments = models.ManyToManyField("employers.Department", blank=True, related_name="+", verbose_name=_("部门"))
    #: For the "link and code" audience: what a person types to join.
    join_code = models.CharField(_("参加口令"), max_length=16, blank=True)
    token = models.CharField(max_length=16, unique=True, default=new_event_token, editable=False)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    #: The event's own blueprint (a copy of the one chosen, with the time limit and pass mark).
    blueprint = models.ForeignKey("exams.Blueprint", on_delete=models.PROTECT, related_name="+")
    attempts_allowed = models.PositiveSmallIntegerField(_("允许作答次数"), default=1)
    award = models.CharField(_("证明"), max_length=16, choices=Award.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核活动")
        verbose_name_plural = _("考核活动")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.name


class EventRound(models.Model):
    """The exam session of one attempt number of an event."""

    event = models.ForeignKey(AssessmentEvent, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    session = models.OneToOneField("exams.ExamSession", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["event", "number"], name="one_round_per_number")]

    def __str__(self) -> str:
        return f"{self.event_id} #{self.number}"


class Invitation(models.Model):
    """One person in an event's audience, with where they work as results group them
    (written when they are invited or join). Scores are read from their attempts."""

    class Via(models.TextChoices):
        INVITED = "invited", _("受邀")
        CODE = "code", _("凭口令")

    event = models.ForeignKey(AssessmentEvent, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.INVITED)
    firm = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    firm_name = models.CharField(_("企业"), max_length=200, blank=True)
    district = models.CharField(_("区县"), max_length=100, blank=True)
    department_name = models.CharField(_("部门"), max_length=100, blank=True)
    post_name = models.CharField(_("岗位"), max_length=100, blank=True)
    attempts_used = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参加人员")
        verbose_name_plural = _("参加人员")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="one_invitation_per_person")]
        indexes = [models.Index(fields=["user", "event"])]

    def __str__(self) -> str:
        return f"{self.event_id} {self.user_id}"
