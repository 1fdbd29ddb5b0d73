"""Wagtail pages hold course content; Django models hold each learner's state."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import LessonContentBlock
from .page_forms import CoursePageForm


class CourseIndexPage(Page):
    """A training organisation's section of the page tree."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("培训机构"),
        on_delete=models.PROTECT,
        related_name="course_indexes",
        limit_choices_to={"kind": "training"},
    )
    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("organisation"), FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("课程目录")

    def get_context(self, request, *args, **kwargs):
        from .selectors import live_courses

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = live_courses(index=self)
        return context


class CourseGroup(models.Model):
    """A group of courses (课程分组): 法律法规, 安全管理, 特种作业, 应急救援, 职业健康 …

    Editable by the regulator in the admin (a snippet); workers browse courses by group.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("课程分组")
        verbose_name_plural = _("课程分组")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class CoursePage(Page):
    class Purpose(models.TextChoices):
        INITIAL = "initial", _("初次培训")
        REFRESHER = "refresher", _("再培训（每年）")
        REVIEW = "review", _("复审培训")
        GENERAL = "general", _("一般培训")

    #: Special-operations courses name their operation type; others may leave it empty.
    operation_type = models.ForeignKey(
        "exams.OperationType",
        verbose_name=_("操作项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    group = models.ForeignKey(
        CourseGroup,
        verbose_name=_("课程分组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    #: Who the course is for: a qualification kind, and within it a subject (an operation
    #: type's, or a post in an industry). Both empty: open to everyone (all-staff training).
    audience_kind = models.ForeignKey(
        "exams.QualificationKind",
        verbose_name=_("面向资格类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    audience_subject = models.ForeignKey(
        "exams.Subject",
        verbose_name=_("面向考核科目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        help_text=_("特种作业为操作项目；三项岗位为“行业 × 岗位”（如危险化学品生产经营单位安全管理人员）。"),
    )
    purpose = models.CharField(_("培训类型"), max_length=16, choices=Purpose.choices, default=Purpose.INITIAL)
    theory_hours = models.PositiveSmallIntegerField(_("理论学时"), default=0)
    practical_hours = models.PositiveSmallIntegerField(_("实操学时"), default=0)
    outline = RichTextField(_("培训大纲"), blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    search_fields = [*Page.search_fields, index.SearchField("outline")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("group"),
        FieldPanel("audience_kind"),
        FieldPanel("audience_subject"),
        FieldPanel("operation_type"),
        FieldPanel("purpose"),
        FieldPanel("theory_hours"),
        FieldPanel("practical_hours"),
        FieldPanel("cover_image"),
        FieldPanel("outline"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    #: Refuses to publish a course its lessons cannot fill (courses.page_forms).
    base_form_class = CoursePageForm

    class Meta:
        verbose_name = _("课程")

    @property
    def organisation(self):
        return self.get_parent().specific.organisation

    def get_context(self, request, *args, **kwargs):
        from .completion import missing_for_completion
        from .selectors import course_progress
        from .services import completion_facts

        context = super().get_context(request, *args, **kwargs)
        progress = course_progress(learner=request.user, course=self)
        context["progress"] = progress
        if progress.is_enrolled and not progress.is_completed:
            context["missing"] = missing_for_completion(completion_facts(enrolment=progress.enrolment))
        return context


class LessonPage(Page):
    minutes = models.PositiveSmallIntegerField(_("课时长度(分钟)"), default=45, help_text=_("计入学时的上限"))
    body = StreamField(LessonContentBlock(), verbose_name=_("正文"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("minutes"), FieldPanel("body")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("课时")

    def serve(self, request, *args, **kwargs):
        """Lessons are for enrolled learners: their time on the page is study time."""
        from .selectors import course_of_lesson, is_enrolled

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        course = course_of_lesson(lesson=self)
        if not is_enrolled(learner=request.user, course=course):
            messages.info(request, _("请先报名该课程，再开始学习。"))
            return redirect(course.get_url(request))
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_of_lesson, course_progress, lesson_blocks

        context = super().get_context(request, *args, **kwargs)
        course = course_of_lesson(lesson=self)
        progress = course_progress(learner=request.user, course=course)
        context.update(
            blocks=lesson_blocks(lesson=self, enrolment=progress.enrolment),
            course=course,
            progress=progress,
            state=progress.state_of(self),
            previous_state=progress.before(self),
            next_state=progress.after(self),
            # Editors preview lessons without being enrolled: no heartbeat then.
            records_time=not getattr(request, "is_preview", False) and progress.is_enrolled,
            heartbeat_interval_ms=int(getattr(settings, "COURSES_HEARTBEAT_SECONDS", 30) * 1000),
        )
        return context


class Enrolment(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    study_class = models.ForeignKey(
        "courses.StudyClass",
        verbose_name=_("班级"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
    )
    #: The training-completion record: set once the course's required theory hours are
    #: credited, every lesson is done and every check question answered correctly.
    completed_at = models.DateTimeField(_("完成培训时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("选课")
        verbose_name_plural = _("选课")
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="unique_enrolment")]

    def __str__(self) -> str:
        return f"{self.learner} → {self.course}"


class LessonProgress(models.Model):
    """Credited study time on one lesson: only the server's clock counts."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.PROTECT, related_name="progress")
    seconds = models.PositiveIntegerField(_("已计学时(秒)"), default=0)
    position = models.JSONField(_("学习位置"), default=dict, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: The one-time token the next heartbeat must carry; each heartbeat gets a new one,
    #: so a replayed or duplicated request is refused.
    nonce = models.CharField(max_length=32, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("学习进度")
        verbose_name_plural = _("学习进度")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="unique_lesson_progress"),
            models.CheckConstraint(condition=Q(seconds__gte=0), name="progress_seconds_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} / {self.lesson}: {self.seconds}s"


class StudyDay(models.Model):
    """Seconds credited to a learner on one local day, across every lesson and course.

    It enforces the daily cap, and ``credited_until`` (the end of the last credited
    interval) keeps two lessons studied at once in two tabs from counting twice.
    Locked after the enrolment and the progress row, never before them.
    """

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_days")
    day = models.DateField(_("日期"))
    seconds = models.PositiveIntegerField(_("已计学时(秒)"), default=0)
    credited_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("每日学时")
        verbose_name_plural = _("每日学时")
        constraints = [
            models.UniqueConstraint(fields=["learner", "day"], name="unique_study_day"),
            models.CheckConstraint(condition=Q(seconds__gte=0), name="study_day_seconds_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.day}: {self.seconds}s"


class StudyClass(models.Model):
    """A group of learners a training organisation enrols on one course together."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("培训机构"), on_delete=models.PROTECT, related_name="study_classes"
    )
    course = models.ForeignKey(CoursePage, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="classes")
    name = models.CharField(_("班级名称"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_class_name")]

    def __str__(self) -> str:
        return self.name


class CheckAnswer(models.Model):
    """A learner's latest answer to one check question embedded in a lesson."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="check_answers")
    lesson = models.ForeignKey(LessonPage, on_delete=models.PROTECT, related_name="check_answers")
    block_id = models.CharField(max_length=64)
    answer = models.JSONField(default=list)
    correct = models.BooleanField(default=False)
    answered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("随堂测验作答")
        verbose_name_plural = _("随堂测验作答")
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson", "block_id"], name="unique_check_answer")]

    def __str__(self) -> str:
        return f"{self.enrolment} / {self.lesson} / {self.block_id}"


class TrainingSection(models.Model):
    """A training organisation's corner of the CMS: its course index, editor group and media collection."""

    organisation = models.OneToOneField(
        "accounts.Organisation", verbose_name=_("培训机构"), on_delete=models.PROTECT, related_name="training_section"
    )
    index_page = models.OneToOneField(
        CourseIndexPage, verbose_name=_("课程目录"), on_delete=models.PROTECT, related_name="section"
    )
    group = models.OneToOneField("auth.Group", on_delete=models.PROTECT, related_name="training_section")
    collection = models.OneToOneField("wagtailcore.Collection", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训机构栏目")
        verbose_name_plural = _("培训机构栏目")

    def __str__(self) -> str:
        return str(self.organisation)
