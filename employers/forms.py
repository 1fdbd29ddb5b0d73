"""Forms of the employer's pages; they parse, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from . import selectors
from .models import Department, Post


class StaffForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("18位居民身份证号")}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("邀请短信发到这里；本人已注册的，发到其验证过的手机号。"),
    )
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    post = forms.ModelChoiceField(label=_("岗位"), queryset=Post.objects.none(), required=False)
    hired_on = forms.DateField(
        label=_("入职日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = organisation.departments.order_by("name")
        self.fields["post"].queryset = organisation.posts.order_by("name")


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False)
    post = forms.ModelChoiceField(label=_("岗位"), queryset=Post.objects.none(), required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = organisation.departments.order_by("name")
        self.fields["post"].queryset = organisation.posts.order_by("name")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("员工名册（Excel .xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB。"), code="too_large")
        return upload


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("部门名称"), max_length=100)


class PostForm(forms.Form):
    name = forms.CharField(label=_("岗位名称"), max_length=100)
    new_worker_education = forms.BooleanField(
        label=_("新员工须接受三级安全教育（24学时，高危行业72学时），此后每年再培训20学时"),
        required=False,
        initial=True,
    )
    high_risk = forms.BooleanField(
        label=_("高危行业岗位（煤矿、非煤矿山、危险化学品、烟花爆竹、金属冶炼等）"), required=False
    )
    required_subjects = forms.ModelMultipleChoiceField(
        label=_("须持证书（特种作业操作证、主要负责人和安全管理人员考核合格证）"),
        queryset=selectors.required_subject_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PostCoursesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


def add_course_field(form: PostForm) -> PostForm:
    """The courses the post is assigned (live courses only)."""
    form.fields["courses"] = PostCoursesField(
        label=_("指定课程（本岗位人员同意加入名册后自动报名）"),
        queryset=selectors.assignable_courses(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    return form


class ApplyRegistrationForm(forms.Form):
    """Register a worker for an exam: a session and the operation type it examines."""

    choice = forms.ChoiceField(label=_("考试场次与操作项目"))

    def __init__(self, *args, options: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = {f"{s.pk}:{o.pk}": (s, o) for s, o in options}
        self.fields["choice"].choices = [
            (key, f"{session.name} · {operation_type.name}") for key, (session, operation_type) in self.options.items()
        ]


class ApplyReviewForm(forms.Form):
    certificate = forms.ChoiceField(label=_("证书"))

    def __init__(self, *args, certificates: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.certificates = {str(c.pk): c for c in certificates}
        self.fields["certificate"].choices = [
            (str(c.pk), f"{c.subject.name} · {c.number} · {_('应复审')} {c.review_due:%Y-%m-%d}") for c in certificates
        ]
