"""The organiser's form; it parses, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.encryption import lookup_hash
from accounts.identity import InvalidIdNumber, parse_id_number
from accounts.models import Organisation, User
from accounts.selectors import user_by_id_number
from employers.models import Department, StaffMember

from .models import AssessmentEvent
from .services import blueprints_for

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BlueprintChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.bank.name}"


class EventForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=200)
    audience = forms.ChoiceField(label=_("参加范围"), choices=AssessmentEvent.Audience.choices)
    firms = forms.ModelMultipleChoiceField(
        label=_("企业"), queryset=Organisation.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    region_code = forms.CharField(label=_("行政区划代码（辖区）"), max_length=6, required=False)
    people = forms.CharField(
        label=_("指定人员的身份证号（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    join_code = forms.CharField(label=_("参加口令（凭链接和口令参加时）"), max_length=16, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    blueprint = BlueprintChoice(label=_("组卷规则（题库）"), queryset=None)
    time_limit_minutes = forms.IntegerField(label=_("考试时长（分钟）"), min_value=5, max_value=300, initial=60)
    pass_mark = forms.IntegerField(label=_("合格分数"), min_value=1, max_value=100, initial=80)
    attempts_allowed = forms.IntegerField(label=_("允许作答次数"), min_value=1, max_value=5, initial=1)
    award = forms.ChoiceField(label=_("证明（非法定证书）"), choices=AssessmentEvent.Award.choices, required=False)

    def __init__(self, *args, organisation: Organisation, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["blueprint"].queryset = blueprints_for(user)
        self.organisation = organisation
        employer = organisation.kind == Organisation.Kind.EMPLOYER
        if employer:
            del self.fields["firms"], self.fields["region_code"]
            self.fields["departments"].queryset = organisation.departments.order_by("name")
            excluded = {AssessmentEvent.Audience.FIRMS, AssessmentEvent.Audience.DISTRICT}
        else:
            del self.fields["departments"]
            self.fields["firms"].queryset = Organisation.objects.filter(
                kind=Organisation.Kind.EMPLOYER, is_active=True
            ).order_by("name")
            excluded = {AssessmentEvent.Audience.DEPARTMENTS}
        self.fields["audience"].choices = [c for c in AssessmentEvent.Audience.choices if c[0] not in excluded]

    def clean_people(self) -> list[User]:
        people = []
        errors = []
        for line, raw in enumerate((self.cleaned_data.get("people") or "").split(), start=1):
            try:
                id_number = parse_id_number(raw).value
            except InvalidIdNumber:
                errors.append(_("第%(line)s个身份证号格式不正确。") % {"line": line})
                continue
            if self.organisation.kind == Organisation.Kind.EMPLOYER:
                # An employer learns nothing of accounts beyond its consenting register.
                entry = (
                    StaffMember.objects.filter(
                        organisation=self.organisation,
                        id_number_hash=lookup_hash(id_number),
                        consent=StaffMember.Consent.GIVEN,
                    )
                    .select_related("user")
                    .first()
                )
                user = entry.user if entry is not None else None
                missing = _("第%(line)s个身份证号不是本单位已同意加入名册的员工。")
            else:
                user = user_by_id_number(id_number)
                missing = _("第%(line)s个身份证号没有对应的账户。")
            if user is None:
                errors.append(missing % {"line": line})
                continue
            people.append(user)
        if errors:
            raise forms.ValidationError(errors)
        return people
