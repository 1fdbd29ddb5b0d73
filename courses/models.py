"""Wagtail pages hold course content; Django models hold each learner's state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import BaseContentBlock


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


class CoursePage(Page):
    operation_type = models.ForeignKey(
        "exams.OperationType", verbose_name=_("操作项目"), on_delete=models.PROTECT, related_name="courses"
    )
    theory_hours = models.PositiveSmallIntegerField(_("理论学时"), default=0)
    practical_hours = models.PositiveSmallIntegerField(_("实操学时"), default=0)
    outline = RichTextField(_("培训大纲"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("outline")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("operation_type"),
        FieldPanel("theory_hours"),
        FieldPanel("practical_hours"),
        FieldPanel("outline"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("课程")

    @property
    def organisation(self):
        return self.get_parent().specific.organisation


class LessonPage(Page):
    minutes = models.PositiveSmallIntegerField(_("课时长度(分钟)"), default=45, help_text=_("计入学时的上限"))
    body = StreamField(BaseContentBlock(), verbose_name=_("正文"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("minutes"), FieldPanel("body")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("课时")


class Enrolment(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Set once the course's required theory hours are credited and every lesson done.
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
