"""Forms of surcharge bills: the period, the filters, the steps of a bill's life, the overdue list."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms as django_forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civic.core.models import Region, RegionLevel
from civic.water.models import (
    ObjectionOutcome,
    SurchargeBill,
)
from hydro import surcharge


class SurchargePeriodForm(django_forms.Form):
    """A billing period, written as a month (2024-03) or a quarter (2024Q1); cleaned to (first day, last day)."""

    period = django_forms.CharField(
        label=_("Period"), max_length=10, help_text=_("A month as 2024-03 or a quarter as 2024Q1.")
    )

    def clean_period(self) -> tuple[datetime.date, datetime.date]:
        text = self.cleaned_data["period"]
        try:
            return surcharge.parse_period(text)
        except ValueError:
            raise django_forms.ValidationError(
                _("“%(text)s” is not a period: write a month as 2024-03 or a quarter as 2024Q1."),
                params={"text": text},
            ) from None


class SurchargeBillFilterForm(SurchargePeriodForm):
    """The period of the surcharge summary, with search by user number or name and a town filter."""

    q = django_forms.CharField(label=_("User number or name"), required=False, max_length=100)
    town = django_forms.ModelChoiceField(
        label=_("Town or street"),
        required=False,
        empty_label=_("All towns"),
        queryset=Region.objects.filter(level=RegionLevel.TOWN).order_by("code"),
    )

    def filtered(self, bills: QuerySet[SurchargeBill]) -> QuerySet[SurchargeBill]:
        """The bills of the chosen period matching the search; none when the period is not valid."""
        if not self.is_valid():
            return bills.none()
        first_day, last_day = self.cleaned_data["period"]
        bills = bills.filter(period_start=first_day, period_end=last_day).order_by("water_user__code")
        if words := self.cleaned_data["q"].strip():
            bills = bills.filter(Q(water_user__code__icontains=words) | Q(water_user__name__icontains=words))
        if self.cleaned_data["town"]:
            bills = bills.filter(water_user__town=self.cleaned_data["town"])
        return bills


BILL_STEPS = (
    ("deliver", _("Record delivery")),
    ("pay", _("Record payment")),
    ("object", _("Record an objection")),
    ("decide", _("Decide the objection")),
    ("cancel", _("Cancel the bill")),
)


class BillStepForm(django_forms.Form):
    """One step in a bill's life, with its date; the text is the objection, the decision or the reason."""

    step = django_forms.ChoiceField(choices=BILL_STEPS, widget=django_forms.HiddenInput)
    day = django_forms.DateField(label=_("Date"), widget=django_forms.DateInput(attrs={"type": "date"}))
    text = django_forms.CharField(label=_("Text"), required=False, widget=django_forms.Textarea(attrs={"rows": 2}))
    reference = django_forms.CharField(label=_("Payment reference"), required=False, max_length=50)
    outcome = django_forms.ChoiceField(label=_("Outcome"), required=False, choices=ObjectionOutcome.choices)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("step") == "decide" and not cleaned.get("outcome"):
            self.add_error("outcome", _("Choose whether the objection is upheld or dismissed."))
        return cleaned


class OverdueBillFilterForm(django_forms.Form):
    """Search of the overdue bills by user number or name."""

    q = django_forms.CharField(label=_("User number or name"), required=False, max_length=100)
