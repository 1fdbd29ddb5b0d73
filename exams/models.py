from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

# --- Operation catalogue (特种作业目录) ----------------------------------------------------


class OperationCategory(models.Model):
    code = models.CharField(_("代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("作业类别")
        verbose_name_plural = _("作业类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OperationType(models.Model):
    code = models.CharField(_("代码"), max_length=8, unique=True)
    category = models.ForeignKey(OperationCategory, on_delete=models.PROTECT, related_name="operation_types")
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    #: Hazardous-chemical operations need senior-middle school or equivalent.
    requires_senior_middle = models.BooleanField(_("要求高中及以上学历"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("操作项目")
        verbose_name_plural = _("操作项目")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# --- Question bank (题库) -------------------------------------------------------------------


class QuestionBank(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("国家题库")
        PROVINCIAL = "provincial", _("省级题库")
        ORGANISATION = "organisation", _("机构题库")

    slug = models.SlugField(_("标识"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=20, choices=Level.choices, default=Level.ORGANISATION)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="question_banks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("题库")
        verbose_name_plural = _("题库")

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class Question(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="questions", verbose_name=_("题库"))
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    #: [{"key": "A", "text": "..."}]; empty for true/false (keys T and F are implied).
    options = models.JSONField(_("选项"), default=list, blank=True)
    #: Sorted list of option keys, e.g. ["B"], ["A", "C"], ["T"].
    answer = models.JSONField(_("答案"))
    explanation = models.TextField(_("解析"), blank=True)
    knowledge_point = models.CharField(_("知识点"), max_length=100, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    operation_types = models.ManyToManyField(OperationType, related_name="questions", verbose_name=_("操作项目"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    #: The current, drawable version. Editing makes a new row (version + 1) and clears
    #: this on the old one; retiring clears it without a successor.
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Shared by every version of one question; the versions are told apart by ``version``.
    lineage = models.UUIDField(_("试题编号"), default=uuid.uuid4, editable=False)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("图片"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    retired_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        indexes = [models.Index(fields=["bank", "kind", "is_active"])]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="unique_question_version"),
            models.UniqueConstraint(
                fields=["lineage"], condition=Q(is_active=True), name="one_current_question_version"
            ),
        ]

    def __str__(self) -> str:
        return self.stem[:40]


class QuestionImport(models.Model):
    """One upload of a question file through the admin: checked, previewed, then imported.

    The file is kept so the import can run in a Celery task after the user confirms;
    the rows go into the bank all or nothing, in that task's one transaction.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("已检查，待确认")
        INVALID = "invalid", _("有错误，未导入")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="imports", verbose_name=_("题库"))
    file = models.FileField(_("文件"), upload_to="question-imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    format = models.CharField(_("格式"), max_length=16)
    default_operation_type = models.ForeignKey(
        OperationType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("默认操作项目")
    )
    skip_duplicates = models.BooleanField(_("跳过重复试题"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.CHECKED)
    total = models.PositiveIntegerField(_("试题数"), default=0)
    imported = models.PositiveIntegerField(_("已导入"), default=0)
    skipped = models.PositiveIntegerField(_("已跳过"), default=0)
    #: [{"line": 3, "message": "..."}]
    errors = models.JSONField(_("错误"), default=list, blank=True)
    #: The first parsed questions, as shown on the preview page.
    preview = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("试题导入")
        verbose_name_plural = _("试题导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.bank} ← {self.original_name}"


class Blueprint(ClusterableModel):
    """组卷规则: how a paper is drawn from a bank for one operation type.

    Clusterable so that the Wagtail admin edits its rules inline; the rules' points add
    up to 100 and the bank must be able to fill them (checked when saved in the admin
    and again when a paper is drawn).
    """

    name = models.CharField(_("名称"), max_length=200)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="blueprints")
    operation_type = models.ForeignKey(OperationType, on_delete=models.PROTECT, related_name="blueprints")
    time_limit_minutes = models.PositiveSmallIntegerField(_("考试时长(分钟)"), default=120)
    pass_mark = models.PositiveSmallIntegerField(_("合格分数"), default=80)

    class Meta:
        verbose_name = _("组卷规则")
        verbose_name_plural = _("组卷规则")

    def __str__(self) -> str:
        return self.name


class BlueprintRule(models.Model):
    blueprint = ParentalKey(Blueprint, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    count = models.PositiveSmallIntegerField(_("题数"), validators=[MinValueValidator(1)])
    points = models.DecimalField(_("每题分值"), max_digits=5, decimal_places=2)
    knowledge_point = models.CharField(_("知识点"), max_length=100, blank=True, help_text=_("留空表示不限知识点。"))
    #: None draws questions of any difficulty.
    difficulty = models.PositiveSmallIntegerField(
        _("难度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1（易）到 5（难）；留空表示不限难度。"),
    )

    class Meta:
        verbose_name = _("组卷规则明细")
        verbose_name_plural = _("组卷规则明细")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.count}"


# --- Practical rubrics (评分标准) -----------------------------------------------------------


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
    #: validated by exams.rubric_rules.parse_tasks (see there for why this is JSON).
    tasks = models.JSONField(_("考题"), default=list, blank=True)

    class Meta:
        verbose_name = _("实操科目")
        verbose_name_plural = _("实操科目")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="unique_rubric_subject")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from .rubric_rules import RubricInvalid, parse_tasks

        try:
            parse_tasks(self.tasks, subject_code=self.code, scoring_mode=self.scoring_mode)
        except RubricInvalid as exc:
            raise ValidationError({"tasks": exc.problems}) from exc


# --- Sessions, registrations, attempts ------------------------------------------------------


class ExamKind(models.TextChoices):
    THEORY = "theory", _("理论考试")
    PRACTICAL = "practical", _("实操考试")


class ExamSession(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=ExamKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    authority = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="planned_sessions", verbose_name=_("发证机关")
    )
    site = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="hosted_sessions", verbose_name=_("考点")
    )
    operation_types = models.ManyToManyField(OperationType, related_name="sessions", verbose_name=_("操作项目"))
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
    operation_type = models.ForeignKey(OperationType, on_delete=models.PROTECT, related_name="registrations")
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


class Attempt(models.Model):
    """A theory exam attempt. ``paper`` is the snapshot of questions and key given."""

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="attempt")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts")
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False)
    #: {"pass_mark": 80, "questions": [{"id", "kind", "stem", "options", "answer", "points"}]}
    paper = models.JSONField()
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    #: Minutes an invigilator added to the deadline (already included in ``deadline``).
    extra_minutes = models.PositiveSmallIntegerField(_("延长时间(分钟)"), default=0)
    #: Set when an invigilator closed the attempt before its deadline.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.CharField(_("收卷原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"], condition=Q(submitted_at__isnull=True), name="one_open_attempt_per_candidate"
            ),
        ]
        indexes = [
            # The deadline sweep reads only open attempts, by deadline.
            models.Index(fields=["deadline"], condition=Q(submitted_at__isnull=True), name="open_attempt_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question_id = models.PositiveIntegerField()
    answer = models.JSONField()
    saved_at = models.DateTimeField()

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question_id"], name="unique_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}: {self.answer}"


class PracticalResult(models.Model):
    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="practical_result")
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


# --- Exam sites, health certificates, practical scoring (issue 4) --------------------------


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
    file = models.FileField(_("体检证明"), upload_to="health/%Y/")
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


class PracticalScoreSheet(models.Model):
    """The examiner's working sheet for one candidate: tasks drawn and marks as entered.

    Every tap is saved at once (PracticalMark), so a dropped connection loses nothing;
    submitting turns the sheet into a PracticalResult and locks it.
    """

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="score_sheet")
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
    image = models.ImageField(upload_to="evidence/%Y/%m/")
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


# --- Practice (练习) --------------------------------------------------------------------------
# Learner state only; formal attempts never read these.


class PracticeRecord(models.Model):
    """A learner's history with one question in the practice of one operation type.

    The wrong-answer book (错题本) is the set of records with ``in_wrong_book``: a wrong
    answer puts the question in, two right answers in a row take it out.
    """

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_records")
    operation_type = models.ForeignKey(OperationType, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="practice_records")
    answered = models.PositiveIntegerField(_("作答次数"), default=0)
    correct = models.PositiveIntegerField(_("答对次数"), default=0)
    #: Right answers in a row since the last wrong one.
    streak = models.PositiveSmallIntegerField(_("连续答对"), default=0)
    in_wrong_book = models.BooleanField(_("在错题本中"), default=False)
    last_answer = models.JSONField(default=list)
    last_answered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("练习记录")
        verbose_name_plural = _("练习记录")
        constraints = [
            models.UniqueConstraint(fields=["learner", "operation_type", "question"], name="unique_practice_record"),
        ]
        indexes = [models.Index(fields=["learner", "operation_type", "in_wrong_book"], name="practice_wrong_book")]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.question_id}"


class PracticePosition(models.Model):
    """Where sequential practice (顺序练习) of an operation type resumes."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    operation_type = models.ForeignKey(OperationType, on_delete=models.CASCADE, related_name="+")
    last_question_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("顺序练习进度")
        verbose_name_plural = _("顺序练习进度")
        constraints = [
            models.UniqueConstraint(fields=["learner", "operation_type"], name="unique_practice_position"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.operation_type_id}: {self.last_question_id}"


class MockExam(models.Model):
    """A timed mock exam (模拟考试) drawn by the real blueprint; never a formal attempt."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_exams")
    operation_type = models.ForeignKey(OperationType, on_delete=models.CASCADE, related_name="+")
    blueprint = models.ForeignKey(Blueprint, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    #: The same snapshot as Attempt.paper.
    paper = models.JSONField()
    #: {"question id": ["B"]}
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("模拟考试")
        verbose_name_plural = _("模拟考试")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.learner_id} mock #{self.pk}"
