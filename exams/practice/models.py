"""Practice (练习): learner state only; formal attempts never read these, nor these them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from exams.bank.models import Question
from exams.catalogue.models import OperationType
from exams.papers.models import Blueprint


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
