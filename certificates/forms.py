from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .rules import NUMBER_MAX_LENGTH, normalize_certificate_number


class VerifyForm(forms.Form):
    """Public look-up by certificate number and the holder's full name."""

    number = forms.CharField(
        label=_("证号"),
        max_length=NUMBER_MAX_LENGTH + 10,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    name = forms.CharField(label=_("持证人姓名"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_number(self) -> str:
        number = normalize_certificate_number(self.cleaned_data["number"])
        if not number or len(number) > NUMBER_MAX_LENGTH:
            raise forms.ValidationError(_("请输入正确的证号。"))
        return number

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()
