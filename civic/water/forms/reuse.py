"""Forms of water reuse: streams, a site and a study."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civic.water.models import (
    ReuseSite,
    ReuseStream,
    ReuseStudy,
    WaterUser,
)


class ReuseStreamForm(django_forms.ModelForm):
    """One source or sink of a firm; concentrations in mg/L, a sink's are the most it accepts."""

    class Meta:
        model = ReuseStream
        fields = ["name", "kind", "flow_m3_per_h", "cod_mg_per_l", "ammonia_mg_per_l", "suspended_solids_mg_per_l"]

    def __init__(self, *args: Any, water_user: WaterUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.water_user = water_user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if "/" in name:
            raise django_forms.ValidationError(_("A stream name may not contain “/”."))
        if (
            ReuseStream.objects.filter(water_user=self.instance.water_user, name=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise django_forms.ValidationError(_("This firm already has a stream of this name."))
        return name


class ReuseSiteForm(django_forms.ModelForm):
    class Meta:
        model = ReuseSite
        fields = ["x_m", "y_m"]


class ReuseStudyForm(django_forms.ModelForm):
    """A new study: its firms (those with reuse streams entered), prices and pipe costs."""

    firms = django_forms.ModelMultipleChoiceField(
        label=_("Firms"),
        queryset=WaterUser.objects.none(),
        widget=django_forms.CheckboxSelectMultiple,
        help_text=_("Firms whose reuse streams have been entered on their page."),
    )

    class Meta:
        model = ReuseStudy
        fields = [
            "name",
            "firms",
            "tap_price_yuan_per_m3",
            "wastewater_price_yuan_per_m3",
            "reclaimed_price_yuan_per_m3",
            "reclaimed_cod_mg_per_l",
            "reclaimed_ammonia_mg_per_l",
            "reclaimed_suspended_solids_mg_per_l",
            "reclaimed_capacity_m3_per_h",
            "pipe_fixed_cost_yuan",
            "pipe_cost_yuan_per_m",
            "annualisation_factor",
            "hours_per_year",
        ]

    def __init__(self, *args: Any, firms: QuerySet[WaterUser], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        firms_field = self.fields["firms"]
        assert isinstance(firms_field, django_forms.ModelMultipleChoiceField)
        firms_field.queryset = firms.filter(reuse_streams__isnull=False).distinct().order_by("code")

    def clean_hours_per_year(self) -> float:
        hours = self.cleaned_data["hours_per_year"]
        if not 0 < hours <= 8784:
            raise django_forms.ValidationError(_("Operating hours must be between 0 and 8784 a year."))
        return float(hours)
