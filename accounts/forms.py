"""Extra sign-up fields: who the person is (real name, ID number, education).

allauth builds its sign-up form on top of this class (ACCOUNT_SIGNUP_FORM_CLASS) and
calls `signup()` once the user is saved.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .identity import InvalidIdNumber, parse_id_number
from .models import Education


class SignupIdentityForm(forms.Form):
    real_name = forms.CharField(
        label=_("真实姓名"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("与身份证一致")}),
        error_messages={"required": services.REAL_NAME_REQUIRED},
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("18位居民身份证号")}),
        help_text=_("用于报名考试和发证，加密保存，对外只显示部分号码。"),
    )
    education = forms.ChoiceField(label=_("文化程度"), choices=[("", _("请选择")), *Education.choices])

    field_order = ["username", "phone", "email", "real_name", "id_number", "education", "password1", "password2"]

    def clean_real_name(self) -> str:
        value = " ".join(self.cleaned_data["real_name"].split())
        if not value:
            raise forms.ValidationError(services.REAL_NAME_REQUIRED, code="required")
        return value

    def clean_id_number(self) -> str:
        try:
            value = parse_id_number(self.cleaned_data["id_number"]).value
        except InvalidIdNumber as exc:
            raise forms.ValidationError(services.id_number_error(exc), code=str(exc)) from exc
        # Whether another account holds the number is nobody's business here: the number
        # is reserved for this person only once their phone is verified.
        return value

    def signup(self, request, user) -> None:
        services.set_identity(
            user=user,
            real_name=self.cleaned_data["real_name"],
            id_number=self.cleaned_data["id_number"],
            education=self.cleaned_data["education"],
        )
