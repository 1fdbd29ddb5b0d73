"""Lesson content: the shared content blocks plus a short check question."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from cms.blocks import BaseContentBlock


class CheckOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("选项"), max_length=200)
    correct = blocks.BooleanBlock(label=_("正确答案"), required=False)

    class Meta:
        label = _("选项")


class CheckQuestionBlock(blocks.StructBlock):
    """A question the learner must answer correctly before the course counts as completed."""

    question = blocks.CharBlock(label=_("题目"), max_length=300)
    options = blocks.ListBlock(
        CheckOptionBlock(),
        label=_("选项"),
        min_num=2,
        max_num=6,
        default=[{"text": "", "correct": False}, {"text": "", "correct": False}],
    )
    explanation = blocks.CharBlock(label=_("解析"), required=False, max_length=500)

    class Meta:
        icon = "help"
        label = _("随堂测验")
        template = "blocks/check_question.html"

    def clean(self, value):
        value = super().clean(value)
        if not any(option["correct"] for option in value["options"]):
            raise StructBlockValidationError(block_errors={"options": ValidationError(_("请至少标记一个正确答案。"))})
        return value


class LessonContentBlock(BaseContentBlock):
    check = CheckQuestionBlock()
