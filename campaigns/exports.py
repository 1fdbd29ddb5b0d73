"""The regulator's Excel export of a campaign's figures (from the rollups)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from .models import Campaign
from .selectors import Dashboard


def dashboard_xlsx(campaign: Campaign, figures: Dashboard) -> bytes:
    book = Workbook(write_only=True)
    summary = book.create_sheet("概况")
    summary.append(["活动", campaign.title])
    summary.append(["参与人次", figures.participations])
    summary.append(["参与人数", figures.participants])
    summary.append(["平均分", figures.average])
    days = book.create_sheet("每日")
    days.append(["日期", "参与人次", "平均分"])
    for day, count, average in figures.days:
        days.append([day.isoformat(), count, average])
    for name, rows in (("区县", figures.districts), ("单位", figures.firms)):
        sheet = book.create_sheet(name)
        sheet.append([name, "参与人次", "平均分"])
        for row in rows:
            sheet.append([row.label, row.participations, row.average])
    questions = book.create_sheet("试题正确率")
    questions.append(["试题编号", "题干", "作答次数", "答对次数", "正确率(%)"])
    for question in figures.questions:
        questions.append([question.question_id, question.stem, question.shown, question.correct, question.rate])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
