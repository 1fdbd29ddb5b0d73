"""Practical exams (实操考试): rubrics, the examiner's score sheets, results and corrections.

A sheet and a result belong to a registration (exams.admission), named by string so
that this room never imports the room above it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from accounts.private_media import RandomName, private_storage
from exams.catalogue.models import OperationType

from .rules import RubricInvalid, parse_tasks


class PracticalRubric(ClusterableModel):
    """One version of an operation type's practical rubric.

    A session points at the version current when it was planned; a version that a
    session or result uses is never edited again (a change is a new version), so a
    candidate is always scored against the rubric they trained for.
    """

    operation_type = models.ForeignKey(OperationType, on_delete=models.PROTECT, related_name="rubrics")
    version = models.PositiveIntegerField(_("版本"), default=1)
    total_minutes = models.PositiveSmallIntegerField(_("考试时长(分钟)"), default=60)
    pass_mark = models.PositiveSmallIntegerField(_("合格分数"), default=80)
    retake_failed_subject_only = models.BooleanField(_("补考仅考不合格科目"), default=False)
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("实操评分标准")
        verbose_name_plural = _("实操评分标准")
        constraints = [
            models.UniqueConstraint(fields=["operation_type", "version"], name="unique_rubric_version"),
        ]

    def __str__(self) -> str:
        return f"{self.operation_type} v{self.version}"

    def clean(self) -> None:
        if self.pk and (self.sessions.exists() or self.results.exists()):
            raise ValidationError(_("该版本已用于考试场次，不能修改；请导入新版本。"))


class RubricSubject(models.Model):
    class ScoringMode(models.TextChoices):
        EXAMINER = "examiner", _("考评员评分")
        DEVICE = "device", _("设备评分")

    class TaskSelection(models.TextChoices):
        DRAW = "draw", _("随机抽取")
        EXAMINER = "examiner", _("考评员指定")

    rubric = ParentalKey(PracticalRubric, on_delete=models.CASCADE, related_name="subjects")
    code = models.CharField(_("科目"), max_length=4)
    name = models.CharField(_("名称"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("权重(%)"))
    minutes = models.PositiveSmallIntegerField(_("时长(分钟)"), default=15)
    scoring_mode = models.CharField(_("评分方式"), max_length=16, choices=ScoringMode.choices, default="examiner")
    task_selection = models.CharField(
        _("考题选择"), max_length=16, choices=TaskSelection.choices, default=TaskSelection.DRAW
    )
    #: [{"code": "K11", "name": "...", "items": [{"code", "name", "points", "deductions", "veto"}]}],
    #: validated by exams.practical.rules.parse_tasks (see there for why this is JSON).
    tasks = models.JSONField(_("考题"), default=list, blank=True)

    class Meta:
        verbose_name = _("实操科目")
        verbose_name_plural = _("实操科目")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="unique_rubric_subject")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        try:
            parse_tasks(self.tasks, subject_code=self.code, scoring_mode=self.scoring_mode)
        except RubricInvalid as exc:
            raise ValidationError({"tasks": exc.problems}) from exc


class PracticalResult(models.Model):
    registration = models.OneToOneField("exams.Registration", on_delete=models.PROTECT, related_name="practical_result")
    examiner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rubric = models.ForeignKey(PracticalRubric, on_delete=models.PROTECT, related_name="results")
    #: {"K1": "90.00", ...}: each subject's score out of 100.
    subject_scores = models.JSONField()
    veto = models.BooleanField(_("触发否决项"), default=False)
    veto_reason = models.CharField(_("否决原因"), max_length=500, blank=True)
    total = models.DecimalField(max_digits=5, decimal_places=2)
    passed = models.BooleanField()
    #: Subjects that failed (the ones a subject-only retake repeats).
    failed_subjects = models.JSONField(default=list, blank=True)
    #: Subjects carried over from an earlier attempt (subject-only retakes).
    carried_subjects = models.JSONField(default=dict, blank=True)
    #: The marks behind the scores as submitted: tasks drawn, deductions, notes.
    detail = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("实操成绩")
        verbose_name_plural = _("实操成绩")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0, total__lte=100), name="practical_total_in_range"),
            models.CheckConstraint(condition=Q(veto=False) | ~Q(veto_reason=""), name="veto_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.total}"


class PracticalScoreSheet(models.Model):
    """The examiner's working sheet for one candidate: tasks drawn and marks as entered.

    Every tap is saved at once (PracticalMark), so a dropped connection loses nothing;
    submitting turns the sheet into a PracticalResult and locks it.
    """

    registration = models.OneToOneField("exams.Registration", on_delete=models.PROTECT, related_name="score_sheet")
    #: {"K1": "K12", ...}: the task each subject is sat on.
    tasks = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("实操评分表")
        verbose_name_plural = _("实操评分表")

    def __str__(self) -> str:
        return f"{self.registration}"


class PracticalMark(models.Model):
    """One scored item on a sheet (or a device subject's score, with ``item_code`` empty)."""

    sheet = models.ForeignKey(PracticalScoreSheet, on_delete=models.CASCADE, related_name="marks")
    subject_code = models.CharField(max_length=4)
    item_code = models.CharField(max_length=32, blank=True)
    #: Codes of the deductions applied to the item.
    deductions = models.JSONField(default=list, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    veto = models.BooleanField(default=False)
    veto_reason = models.CharField(max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True)
    examiner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评分记录")
        verbose_name_plural = _("评分记录")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "subject_code", "item_code"], name="unique_mark_per_item"),
            models.CheckConstraint(condition=Q(veto=False) | ~Q(veto_reason=""), name="mark_veto_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.subject_code}/{self.item_code}"


class PracticalEvidence(models.Model):
    """A photo the examiner took as evidence: resized, re-encoded, EXIF stripped."""

    sheet = models.ForeignKey(PracticalScoreSheet, on_delete=models.PROTECT, related_name="evidence")
    subject_code = models.CharField(max_length=4)
    image = models.ImageField(upload_to=RandomName("evidence"), storage=private_storage)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评分佐证照片")
        verbose_name_plural = _("评分佐证照片")

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.subject_code} #{self.pk}"


class PracticalCorrection(models.Model):
    """A change to a submitted practical result: proposed by one examiner, confirmed by a second."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待复核")
        APPLIED = "applied", _("已更正")
        REJECTED = "rejected", _("已驳回")

    result = models.ForeignKey(PracticalResult, on_delete=models.PROTECT, related_name="corrections")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("更正原因"), max_length=500)
    subject_scores = models.JSONField()
    veto = models.BooleanField(default=False)
    veto_reason = models.CharField(max_length=500, blank=True)
    previous = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("成绩更正")
        verbose_name_plural = _("成绩更正")
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("requested_by")),
                name="correction_needs_a_second_examiner",
            ),
            models.UniqueConstraint(
                fields=["result"], condition=Q(status="pending"), name="one_pending_correction_per_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result_id} {self.get_status_display()}"
