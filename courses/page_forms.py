"""The course page's editor form: a course whose published lessons cannot reach its theory
hours is refused on publish, with the reason at the hours field (saving a draft is fine:
the lessons are usually written after the course)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm

from .completion import minutes_short_of_required


class CoursePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        if "action-publish" not in self.data or "theory_hours" not in cleaned_data:
            return cleaned_data
        from .models import LessonPage

        minutes = 0
        if self.instance.pk:
            minutes = LessonPage.objects.child_of(self.instance).live().aggregate(total=Sum("minutes"))["total"] or 0
        hours = cleaned_data["theory_hours"]
        short = minutes_short_of_required(theory_hours=hours, lesson_minutes=minutes)
        if short:
            self.add_error(
                "theory_hours",
                _(
                    "无法发布：本课程要求理论学时 %(hours)s 学时（%(need)s 分钟），已发布的课时合计只有 "
                    "%(have)s 分钟，学员无法学满。请先添加并发布课时（还差 %(short)s 分钟），或调整理论学时。"
                )
                % {"hours": hours, "need": hours * 60, "have": minutes, "short": short},
            )
        return cleaned_data
