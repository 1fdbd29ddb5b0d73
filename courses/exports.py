"""A training organisation's learners as an Excel workbook."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.identity import mask_phone

from .selectors import LearnerRow


def learners_workbook(rows: list[LearnerRow], *, phone_shown_for: set[int] | frozenset[int] = frozenset()) -> bytes:
    """The rows as a workbook. A learner's full phone number is there only for those in
    ``phone_shown_for`` (the organisation's members and those who accepted its invitation);
    everyone else's is masked."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("学员学习情况")
    headers = [
        _("姓名"),
        _("手机号"),
        _("课程"),
        _("班级"),
        _("已计学时(分钟)"),
        _("应学学时(分钟)"),
        _("进度(%)"),
        _("随堂测验答对"),
        _("完成培训时间"),
        _("可报名考试"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        enrolment = row.enrolment
        completed_at = enrolment.completed_at
        sheet.append(
            [
                enrolment.learner.real_name or enrolment.learner.username,
                (learner.phone if learner.pk in phone_shown_for else mask_phone(learner.phone))
                if (learner := enrolment.learner).phone
                else "",
                enrolment.course.title,
                enrolment.study_class.name if enrolment.study_class else "",
                row.progress.credited_minutes,
                row.progress.required_minutes,
                row.progress.percent,
                f"{row.checks_correct}/{row.checks_total}",
                timezone.localtime(completed_at).strftime("%Y-%m-%d %H:%M") if completed_at else "",
                _("是") if row.ready_for_exam else _("否"),
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (12, 14, 28, 16, 14, 14, 9, 14, 18, 11), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
