from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ScoreRule


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    slug = forms.SlugField(label=_("标识（网址中使用）"), max_length=64)
    organisation = forms.TypedChoiceField(label=_("主办单位"), coerce=int)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    banks = forms.TypedMultipleChoiceField(label=_("题库"), coerce=int, widget=forms.CheckboxSelectMultiple)
    knowledge_points = forms.CharField(label=_("知识点（可选，用逗号分隔）"), required=False)
    paper_size = forms.IntegerField(label=_("每卷题数"), min_value=1, max_value=30, initial=10)
    time_limit_minutes = forms.IntegerField(label=_("答题时限（分钟）"), min_value=1, max_value=120, initial=10)
    attempts_per_day = forms.IntegerField(label=_("每人每日次数"), min_value=1, max_value=20, initial=3)
    score_rule = forms.ChoiceField(label=_("成绩计算"), choices=ScoreRule.choices)
    rules = forms.CharField(label=_("活动规则"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    prizes = forms.CharField(label=_("奖励说明（可选）"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, organisations, banks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["banks"].choices = [(b.pk, b.name) for b in banks]


class JoinForm(forms.Form):
    nickname = forms.CharField(label=_("昵称"), max_length=20)
    district = forms.CharField(label=_("区县"), required=False)
    firm = forms.CharField(label=_("单位"), required=False)


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20)
    nickname = forms.CharField(label=_("昵称"), max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=6, required=False)
