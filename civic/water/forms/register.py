"""Forms of the register: the filter, a water user, a meter, its replacement, closing an account."""

from __future__ import annotations

from typing import Any, cast

from django import forms as django_forms
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from civic.core.identifiers import normalised_social_credit_code
from civic.core.models import Region, RegionLevel
from civic.water.actions.register import final_index_field
from civic.water.models import (
    Industry,
    Meter,
    PlannedUseStatus,
    WaterSource,
    WaterUser,
    WaterUserKind,
)


def meter_count() -> Coalesce:
    """A water user's meters, counted in a subquery (0 when it has none)."""
    counted = (
        Meter.objects.filter(water_user=OuterRef("pk"))
        .order_by()
        .values("water_user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class RegisterFilterForm(django_forms.Form):
    """Search and filters of the register of water users."""

    q = django_forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = django_forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *WaterUserKind.choices]
    )
    town = django_forms.ModelChoiceField(
        label=_("Town or street"),
        required=False,
        empty_label=_("All towns"),
        queryset=Region.objects.filter(level=RegionLevel.TOWN).defer("boundary").order_by("code"),
    )
    industry = django_forms.ModelChoiceField(
        label=_("Industry"), required=False, empty_label=_("All industries"), queryset=Industry.objects.all()
    )
    status = django_forms.ChoiceField(
        label=_("Planned-use status"), required=False, choices=[("", _("All statuses")), *PlannedUseStatus.choices]
    )

    def filtered(self, water_users: QuerySet[WaterUser]) -> QuerySet[WaterUser]:
        """`water_users` narrowed by the valid filters (an invalid form leaves them unfiltered)."""
        water_users = (
            water_users.select_related("industry", "town")
            .defer("town__boundary")  # a town's outline (GeoJSON) is large, and the list shows only its name
            # Counted per listed user (a subquery), not by grouping every user's meters before the page is cut.
            .annotate(meter_count=meter_count())
            .order_by("code")
        )
        if not self.is_bound or not self.is_valid():
            return water_users
        data = self.cleaned_data
        if data["q"]:
            words = data["q"].strip()
            water_users = water_users.filter(
                Q(code__icontains=words)
                | Q(name__icontains=words)
                | Q(social_credit_code__icontains=normalised_social_credit_code(words))
                | Q(address__icontains=words)
                | Q(contact_name__icontains=words)
                | Q(meters__serial__iexact=words)
            ).distinct()
        for field, lookup in (
            ("kind", "kind"),
            ("town", "town"),
            ("industry", "industry"),
            ("status", "planned_use_status"),
        ):
            if data[field]:
                water_users = water_users.filter(**{lookup: data[field]})
        return water_users


class WaterUserForm(django_forms.ModelForm):
    """A water user of the register: added or edited by the water-saving office."""

    water_sources = django_forms.MultipleChoiceField(
        label=_("Water sources"),
        choices=WaterSource.choices,
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
    )
    # Licences print the code in groups: spaces typed with it are dropped before it is checked.
    social_credit_code = django_forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=30,
        help_text=_("18 characters, as on the business licence (GB 32100-2015)."),
    )

    class Meta:
        model = WaterUser
        fields = (
            "code",
            "name",
            "social_credit_code",
            "kind",
            "industry",
            "town",
            "address",
            "contact_name",
            "contact_phone",
            "water_sources",
            "planned_use_status",
            "is_water_saving_enterprise",
            "water_saving_segment",
            "design_annual_use_m3",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        town_field = cast(django_forms.ModelChoiceField, self.fields["town"])
        town_field.queryset = Region.objects.filter(level=RegionLevel.TOWN).order_by("code")
        if self.instance.pk is not None:
            # The user number names the user in every link, file and bill: it does not change.
            self.fields["code"].disabled = True

    def clean_social_credit_code(self) -> str:
        code = normalised_social_credit_code(self.cleaned_data["social_credit_code"])
        holder = (
            WaterUser.objects.filter(social_credit_code=code).exclude(pk=self.instance.pk).first() if code else None
        )
        if holder is not None:
            raise django_forms.ValidationError(
                _("%(code)s is already the code of %(holder)s."), params={"code": code, "holder": holder}
            )
        return code


class MeterForm(django_forms.ModelForm):
    """A new meter of a water user; a sub-meter names its parent among the user's fitted meters."""

    class Meta:
        model = Meter
        fields = ("serial", "size_mm", "source", "installed_on", "parent", "initial_index_m3", "index_capacity_m3")
        widgets = {"installed_on": django_forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, water_user: WaterUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.water_user = water_user
        parent_field = cast(django_forms.ModelChoiceField, self.fields["parent"])
        parent_field.queryset = water_user.meters.filter(removed_on__isnull=True).exclude(pk=self.instance.pk)
        if self.instance.pk is not None and self.instance.readings.exists():
            # Readings files name the meter by its serial: once it has readings, the serial stays.
            self.fields["serial"].disabled = True
            self.fields["initial_index_m3"].disabled = True


class MeterReplacementForm(django_forms.Form):
    """A meter replaced: the old meter's final index and the new meter's serial and initial index."""

    replaced_on = django_forms.DateField(label=_("Replaced on"), widget=django_forms.DateInput(attrs={"type": "date"}))
    final_index_m3 = django_forms.FloatField(label=_("Final index of the old meter (m³)"), min_value=0)
    new_serial = django_forms.CharField(label=_("Serial number of the new meter"), max_length=40)
    new_size_mm = django_forms.IntegerField(label=_("Nominal size of the new meter (mm)"), min_value=1)
    new_initial_index_m3 = django_forms.FloatField(
        label=_("Initial index of the new meter (m³)"), min_value=0, initial=0
    )
    new_index_capacity_m3 = django_forms.FloatField(
        label=_("Index capacity of the new meter (m³)"), min_value=1, initial=1_000_000
    )

    def clean_new_serial(self) -> str:
        serial = self.cleaned_data["new_serial"].strip()
        if Meter.objects.filter(serial=serial).exists():
            raise django_forms.ValidationError(_("Meter %(serial)s is already registered."), params={"serial": serial})
        return serial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        initial, capacity = cleaned.get("new_initial_index_m3"), cleaned.get("new_index_capacity_m3")
        if initial is not None and capacity is not None and initial >= capacity:
            self.add_error("new_initial_index_m3", _("The initial index must be below the index capacity."))
        return cleaned

    def new_meter(self, old: Meter) -> Meter:
        data = self.cleaned_data
        return Meter(
            serial=data["new_serial"],
            size_mm=data["new_size_mm"],
            source=old.source,
            initial_index_m3=data["new_initial_index_m3"],
            index_capacity_m3=data["new_index_capacity_m3"],
        )


class CloseAccountForm(django_forms.Form):
    """An account closed: the date, the reason and the final index of every meter still fitted."""

    closed_on = django_forms.DateField(label=_("Closed on"), widget=django_forms.DateInput(attrs={"type": "date"}))
    reason = django_forms.CharField(label=_("Reason"), widget=django_forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, water_user: WaterUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fitted_meters = list(water_user.meters.filter(removed_on__isnull=True).order_by("serial"))
        for meter in self.fitted_meters:
            self.fields[final_index_field(meter)] = django_forms.FloatField(
                label=_("Final index of meter %(serial)s (m³)") % {"serial": meter.serial}, min_value=0
            )

    def final_indexes_m3(self) -> dict[str, float]:
        return {meter.serial: self.cleaned_data[final_index_field(meter)] for meter in self.fitted_meters}
