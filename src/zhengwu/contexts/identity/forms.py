"""Forms of the accounts pages. They check shape only; the services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.identity.roles import ROLE_LABELS, Role

MARKET_ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in (Role.TENDERER, Role.AGENCY, Role.BIDDER)]


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=4096, strip=False, widget=forms.PasswordInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class RegistrationForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-uscc-check": "1"}),
    )
    uscc_legacy_declared = forms.BooleanField(
        label=_("This is a pilot-period code whose check character is known to fail (staff will confirm it)"),
        required=False,
    )
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    market_roles = forms.MultipleChoiceField(
        label=_("Market roles"), choices=MARKET_ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30)
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(label=_("Your mobile phone"), max_length=30, required=False)
    username = forms.CharField(label=_("Username"), max_length=150)
    password1 = forms.CharField(label=_("Password"), max_length=4096, strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), max_length=4096, strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "两次输入的密码不一致")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)
    lifetime_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)
