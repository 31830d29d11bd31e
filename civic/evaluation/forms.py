"""Forms of the evaluation: the balance test with its units, the review, output reports and scorecard entries.

Each field explains its own errors; the units' formset names the unit and field at fault.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civic.evaluation.actions import UNIT_FIELDS
from civic.evaluation.models import (
    BalanceTest,
    BalanceTestStatus,
    BalanceUnit,
    CarrierSector,
    ReviewDecision,
    ScorecardEntry,
)
from civic.water.models import WaterQuota, WaterUser

VOLUME_FIELDS = ("fresh_m3", "reused_m3", "consumed_m3", "discharged_m3", "leaked_m3")
MAXIMUM_UNITS = 40


class BalanceTestForm(django_forms.ModelForm):
    """The test's header: period, output, the metered intake and the wastewater returned to use."""

    class Meta:
        model = BalanceTest
        fields = [
            "water_user",
            "sector",
            "quota",
            "period_start",
            "period_end",
            "product_output",
            "product_unit",
            "output_value_10k_yuan",
            "metered_fresh_intake_m3",
            "wastewater_reused_m3",
        ]
        widgets = {
            "period_start": django_forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "period_end": django_forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, water_users: QuerySet[WaterUser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        water_user_field = self.fields["water_user"]
        assert isinstance(water_user_field, django_forms.ModelChoiceField)
        water_user_field.queryset = water_users
        if water_users.count() == 1:
            water_user_field.initial = water_users.first()
        quota_field = self.fields["quota"]
        assert isinstance(quota_field, django_forms.ModelChoiceField)
        quota_field.queryset = WaterQuota.objects.select_related("industry")
        for name in ("product_output", "output_value_10k_yuan", "metered_fresh_intake_m3", "wastewater_reused_m3"):
            self.fields[name].min_value = 0  # type: ignore[attr-defined]
            self.fields[name].widget.attrs["min"] = 0

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("product_output", "output_value_10k_yuan", "metered_fresh_intake_m3", "wastewater_reused_m3"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Give a number of at least 0."))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class BalanceUnitForm(django_forms.ModelForm):
    """One water-using unit: its volumes in m³, steam and condensate in t for boilers."""

    class Meta:
        model = BalanceUnit
        fields = list(UNIT_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in (*VOLUME_FIELDS, "steam_t", "condensate_recovered_t"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Give a number of at least 0."))
        if data.get("condensate_recovered_t") is not None and data.get("steam_t") is None:
            self.add_error("steam_t", _("Give the steam raised, to compare the condensate recovered with it."))
        return data


BalanceUnitFormSet = django_forms.formset_factory(
    BalanceUnitForm, extra=0, min_num=1, validate_min=True, max_num=MAXIMUM_UNITS, can_delete=True
)


def unit_initial(test: BalanceTest | None) -> list[dict[str, Any]]:
    if test is None or not test.pk:
        return [{"kind": kind} for kind in ("process", "cooling", "boiler", "domestic")]
    return list(test.units.values(*BalanceUnitForm.Meta.fields))


def kept_units(formset: Any) -> list[dict[str, Any]]:
    """The cleaned units of a valid formset, leaving out those marked for deletion and empty extras."""
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class ReviewForm(django_forms.Form):
    decision = django_forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    comment = django_forms.CharField(
        label=_("Comments"), required=False, widget=django_forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == ReviewDecision.RETURNED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what the enterprise must correct."))
        return data


class BalanceTestFilterForm(django_forms.Form):
    q = django_forms.CharField(label=_("Search"), required=False, max_length=100)
    status = django_forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *BalanceTestStatus.choices]
    )
    sector = django_forms.ModelChoiceField(
        label=_("Sector"), required=False, empty_label=_("All sectors"), queryset=CarrierSector.objects.all()
    )

    def filtered(self, tests: QuerySet[BalanceTest]) -> QuerySet[BalanceTest]:
        tests = tests.select_related("water_user", "sector")
        if not self.is_valid():
            return tests
        data = self.cleaned_data
        if data["q"]:
            tests = tests.filter(Q(water_user__name__icontains=data["q"]) | Q(water_user__code__icontains=data["q"]))
        if data["status"]:
            tests = tests.filter(status=data["status"])
        if data["sector"]:
            tests = tests.filter(sector=data["sector"])
        return tests


class BalanceTestFileForm(django_forms.Form):
    file = django_forms.FileField(label=_("Workbook (.xlsx)"))

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith(".xlsx"):
            raise django_forms.ValidationError(_("Upload the .xlsx template Civic provides."))
        return file


class ProductOutputForm(django_forms.Form):
    """A firm's output of a product in a year."""

    water_user = django_forms.ModelChoiceField(label=_("Water user"), queryset=WaterUser.objects.none())
    quota = django_forms.ModelChoiceField(label=_("Product quota"), queryset=WaterQuota.objects.none())
    year = django_forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    output = django_forms.FloatField(label=_("Product output"), min_value=0)

    def __init__(self, *args: Any, water_users: QuerySet[WaterUser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["water_user"].queryset = water_users  # type: ignore[attr-defined]
        if water_users.count() == 1:
            self.fields["water_user"].initial = water_users.first()
        industries = water_users.values_list("industry", flat=True)
        self.fields["quota"].queryset = WaterQuota.objects.filter(industry__in=industries).select_related(  # type: ignore[attr-defined]
            "industry"
        )


class ScorecardEntryForm(django_forms.ModelForm):
    class Meta:
        model = ScorecardEntry
        fields = ["value", "note", "evidence"]
        widgets = {"note": django_forms.Textarea(attrs={"rows": 2})}
