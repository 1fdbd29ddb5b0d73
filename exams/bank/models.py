"""Question banks (题库): layered banks, versioned questions and the imports that fill them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.private_media import RandomName, private_storage
from exams.catalogue.models import OperationType, Subject


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
    #: The authority's choice: practice may serve this bank's questions (with their keys)
    #: even while a session draws its papers from it. Off, a bank that an open or upcoming
    #: session draws from is kept out of practice and mock exams until the session ends.
    public_for_practice = models.BooleanField(
        _("公开用于练习"),
        default=False,
        help_text=_("勾选后，即使正式考试正在从本题库抽题，学员也可以练习本题库的试题（并看到答案）。"),
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
    operation_types = models.ManyToManyField(
        OperationType, blank=True, related_name="questions", verbose_name=_("操作项目")
    )
    #: What the question examines, for every kind: an operation type's subject, or a
    #: three-post post x industry. Filled from ``operation_types`` for special operations.
    subjects = models.ManyToManyField(Subject, blank=True, related_name="questions", verbose_name=_("考核科目"))
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

    The file is kept while the user looks at the preview (they may change the columns'
    roles and check again) and until the import has run in a Celery task after they
    confirm; it is deleted when the import ends or the user discards it. The rows go into
    the bank all or nothing, in that task's one transaction, unless the user chose to
    import the good rows only.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("已检查，待确认")
        INVALID = "invalid", _("有错误，未导入")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")
        DISCARDED = "discarded", _("已放弃")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="imports", verbose_name=_("题库"))
    file = models.FileField(_("文件"), upload_to=RandomName("question-imports"), storage=private_storage, blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    format = models.CharField(_("格式"), max_length=16)
    default_operation_type = models.ForeignKey(
        OperationType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("默认操作项目")
    )
    skip_duplicates = models.BooleanField(_("跳过重复试题"), default=False)
    #: The user's (role, column) choices over the recognised header: [["stem", "#2"], …].
    columns = models.JSONField(_("列的用途"), default=list, blank=True)
    #: What the reader saw: the header row, each column's role, how options and
    #: true/false answers were written (exams.bank.importers.columns.Layout.summary).
    layout = models.JSONField(_("识别结果"), default=dict, blank=True)
    #: The user chose to import the rows without errors and leave the others out.
    good_rows_only = models.BooleanField(_("只导入无误的行"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.CHECKED)
    total = models.PositiveIntegerField(_("试题数"), default=0)
    imported = models.PositiveIntegerField(_("已导入"), default=0)
    skipped = models.PositiveIntegerField(_("已跳过"), default=0)
    #: Questions that would go into the bank as the file stands (the good rows).
    importable = models.PositiveIntegerField(_("可导入"), default=0)
    left_out = models.PositiveIntegerField(_("未导入的错误行"), default=0)
    #: [{"line": 3, "message": "...", "cells": [the row as the file has it]}]
    errors = models.JSONField(_("错误"), default=list, blank=True)
    #: [{"line": 3, "message": "..."}]: what was matched loosely or filled in.
    notices = models.JSONField(_("提示"), default=list, blank=True)
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
