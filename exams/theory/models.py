"""Theory exams (理论考试): the formal attempt, its paper snapshot and its saved answers.

An attempt belongs to a registration (exams.admission), named by string so that this
room never imports the room above it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Attempt(models.Model):
    """A theory exam attempt. ``paper`` is the snapshot of questions and key given."""

    #: Not stored: start_attempt sets it False on the attempt it has just drawn, so the
    #: API skips reading answers that cannot exist yet.
    resumed: bool = True
    #: Not stored: the JSON of the questions as drawn ahead, set by the start that copied them.
    shown_questions: str = ""

    registration = models.OneToOneField("exams.Registration", on_delete=models.PROTECT, related_name="attempt")
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


class DrawnPaper(models.Model):
    """A paper drawn ahead of the exam (on approval, or by beat before the session opens),
    so that starting the attempt copies it instead of drawing under the exam-day load.
    A registration approved late has none: its paper is drawn when it starts."""

    registration = models.OneToOneField("exams.Registration", on_delete=models.CASCADE, related_name="drawn_paper")
    #: The compact snapshot an attempt stores (exams.papers.drawing.compact_snapshot).
    paper = models.JSONField()
    #: The questions as the candidate sees them, written when drawn (the JSON array of
    #: exams.papers.drawing.candidate_questions_json, no answers): the start sends it as it is.
    #: Empty for papers drawn before it was kept; the start then writes it.
    shown = models.TextField(blank=True, default="")
    drawn_at = models.DateTimeField()

    class Meta:
        verbose_name = _("预组试卷")
        verbose_name_plural = _("预组试卷")

    def __str__(self) -> str:
        return f"{self.registration_id}"
