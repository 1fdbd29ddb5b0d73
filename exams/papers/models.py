"""Blueprints (组卷规则): how a paper is drawn from a bank."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from exams.bank.models import QuestionBank, QuestionKind
from exams.catalogue.models import OperationType, Subject


class Blueprint(ClusterableModel):
    """组卷规则: how a paper is drawn from a bank for one subject (an operation type, or a
    three-post post x industry).

    Clusterable so that the Wagtail admin edits its rules inline; the rules' points add
    up to 100 and the bank must be able to fill them (checked when saved in the admin
    and again when a paper is drawn).
    """

    name = models.CharField(_("名称"), max_length=200)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="blueprints")
    #: The subject's operation type, for special operations; empty for the management kind.
    operation_type = models.ForeignKey(
        OperationType, null=True, blank=True, on_delete=models.PROTECT, related_name="blueprints"
    )
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="blueprints", verbose_name=_("考核科目")
    )
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
