"""Forms of the notices pages: the search of one's notices, and what one receives where."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from civic.notices.models import MOBILE_NUMBER, NoticeKind, NoticePreferences


class NoticeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    unread = forms.BooleanField(label=_("Unread only"), required=False)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of notices"), choices=settings.LANGUAGES)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=16,
        validators=[MOBILE_NUMBER],
        help_text=_("11 digits, for SMS notices."),
    )
    email_kinds = forms.MultipleChoiceField(
        label=_("By e-mail"), choices=NoticeKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    sms_kinds = forms.MultipleChoiceField(
        label=_("By SMS"), choices=NoticeKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email_kinds"].choices = kinds  # type: ignore[attr-defined]
        self.fields["sms_kinds"].choices = kinds  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, preferences: NoticePreferences, email: str) -> dict[str, Any]:
        return {
            "language": preferences.language,
            "email": email,
            "phone": preferences.phone,
            "email_kinds": preferences.email_kinds if email else [],
            "sms_kinds": preferences.sms_kinds if preferences.phone else [],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("email_kinds") and "email" not in self.errors and not data.get("email"):
            self.add_error("email", _("Give an e-mail address to receive notices by e-mail."))
        if data.get("sms_kinds") and "phone" not in self.errors and not data.get("phone"):
            self.add_error("phone", _("Give a mobile phone number to receive notices by SMS."))
        return data
