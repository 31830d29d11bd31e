"""Forms of planned water use: each field explains its own errors."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms as django_forms
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from civic.core import intake as intake_messages
from civic.core.identifiers import normalised_social_credit_code
from civic.core.models import Region, RegionLevel, Role, User
from civic.water import quotas, readings_files
from civic.water.actions import split_problem_message
from civic.water.actions.register import final_index_field
from civic.water.models import (
    AlarmStatus,
    AnomalyKind,
    CustomerAlarm,
    CustomerOutcome,
    Industry,
    Meter,
    MeteringParameters,
    NightFlowOutcome,
    ObjectionOutcome,
    PlanMethod,
    PlannedUseStatus,
    PlanStatus,
    QuotaLevel,
    ReuseSite,
    ReuseStream,
    ReuseStudy,
    SurchargeBill,
    WaterQuota,
    WaterSource,
    WaterUser,
    WaterUserKind,
)
from hydro import planning, surcharge
from hydro.water_audit import AuditInputs

# --- REGISTER ----------------------------------------------------------------


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


# --- END REGISTER ------------------------------------------------------------

# --- READINGS ----------------------------------------------------------------

READINGS_FILE_SUFFIXES = (".csv", ".xlsx")


class ReadingsFileForm(django_forms.Form):
    """A readings file to import: CSV or XLSX in the bureau's layout."""

    file = django_forms.FileField(
        label=_("Readings file"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel .xlsx, one row per reading, in the layout of the template."),
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(READINGS_FILE_SUFFIXES):
            raise django_forms.ValidationError(
                _("%(name)s is not a .csv or .xlsx file. Save the readings as CSV or Excel workbook (.xlsx)."),
                params={"name": uploaded.name},
            )
        too_large = intake_messages.size_error(uploaded.size, readings_files.LIMITS)
        if too_large:
            raise django_forms.ValidationError(too_large)
        return uploaded


class ImportSearchForm(django_forms.Form):
    """Search of the imports list by file name."""

    q = django_forms.CharField(label=_("File name"), required=False, max_length=255)


# --- END READINGS ------------------------------------------------------------

# --- PLANS -------------------------------------------------------------------

FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 2000, 2100


class PlanFilterForm(django_forms.Form):
    """Filters of the bureau's list of annual plans."""

    year = django_forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_PLAN_YEAR, max_value=LAST_PLAN_YEAR
    )
    status = django_forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *PlanStatus.choices])
    town = django_forms.ModelChoiceField(
        label=_("Town or street"),
        required=False,
        queryset=Region.objects.filter(level=RegionLevel.TOWN),
        empty_label=_("All"),
    )
    search = django_forms.CharField(label=_("User number or name"), required=False, max_length=100)
    pending_adjustments = django_forms.BooleanField(label=_("Only with pending adjustment requests"), required=False)


class ProposePlanForm(django_forms.Form):
    """The bureau proposes a draft plan for one water user by history, quota or design use."""

    water_user_code = django_forms.CharField(label=_("User number"), max_length=20)
    year = django_forms.IntegerField(label=_("Plan year"), min_value=FIRST_PLAN_YEAR, max_value=LAST_PLAN_YEAR)
    method = django_forms.ChoiceField(label=_("Method"), choices=PlanMethod.choices)
    quota = django_forms.ModelChoiceField(
        label=_("Quota"), required=False, queryset=WaterQuota.objects.select_related("industry")
    )
    quota_level = django_forms.ChoiceField(
        label=_("Quota level"),
        choices=QuotaLevel.choices,
        initial=QuotaLevel.GENERAL,
        help_text=_("General value for existing plants, advanced value for new plants."),
    )
    planned_output = django_forms.FloatField(
        label=_("Planned output (in the quota's unit)"), required=False, min_value=0
    )
    design_use_m3 = django_forms.FloatField(
        label=_("Design annual use (m³)"),
        required=False,
        min_value=0,
        help_text=_("Leave empty to take the design use on the register."),
    )
    reasonable_use_coefficient = django_forms.FloatField(
        label=_("Reasonable-use coefficient"),
        required=False,
        min_value=0.01,
        max_value=2.0,
        help_text=_("From the user's water balance test; empty: the user's own on the register, else the county's."),
    )

    def clean_water_user_code(self) -> str:
        code = self.cleaned_data["water_user_code"].strip()
        if not WaterUser.objects.filter(code=code).exists():
            raise django_forms.ValidationError(_("There is no water user with number %(code)s."), params={"code": code})
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("method") == PlanMethod.QUOTA:
            for field in ("quota", "planned_output"):
                if cleaned.get(field) is None:
                    self.add_error(field, _("The quota method needs this."))
        return cleaned

    @property
    def water_user(self) -> WaterUser:
        return WaterUser.objects.get(code=self.cleaned_data["water_user_code"])


class PlanStatusForm(django_forms.Form):
    """The bureau moves a plan on: to review, or issued to the user."""

    action = django_forms.ChoiceField(choices=[("submit_for_review", _("Send for review")), ("issue", _("Issue"))])


class IssuePlanForm(django_forms.Form):
    """The confirmation that the plan, as shown, is issued to the user."""

    confirm = django_forms.BooleanField(
        label=_("I have checked the plan and issue it to the water user."),
        error_messages={"required": _("Tick the box to confirm the plan is checked.")},
    )


def month_field_name(month: int) -> str:
    return f"month_{month}"


class PlanAdjustmentRequestForm(django_forms.Form):
    """A request to change an issued plan; the monthly split is optional (all twelve months or none)."""

    requested_volume_m3 = django_forms.FloatField(label=_("Requested annual volume (m³)"), min_value=1)
    reason = django_forms.CharField(label=_("Reason"), widget=django_forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for month in planning.MONTHS:
            self.fields[month_field_name(month)] = django_forms.FloatField(
                label=MONTHS[month], required=False, min_value=0
            )

    def month_fields(self) -> list[django_forms.BoundField]:
        return [self[month_field_name(month)] for month in planning.MONTHS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = {month: cleaned.get(month_field_name(month)) for month in planning.MONTHS}
        if all(volume is None for volume in given.values()):
            cleaned["requested_months"] = None
            return cleaned
        for month, volume in given.items():
            if volume is None and month_field_name(month) not in self.errors:
                self.add_error(month_field_name(month), _("Give all twelve months, or leave them all empty."))
        if self.errors or cleaned.get("requested_volume_m3") is None:
            return cleaned
        months = {month: float(volume) for month, volume in given.items() if volume is not None}
        for problem in planning.check_monthly_split(cleaned["requested_volume_m3"], months):
            self.add_error(None, split_problem_message(problem))
        cleaned["requested_months"] = months
        return cleaned


class PlanAdjustmentDecisionForm(django_forms.Form):
    """The bureau's decision on an adjustment request; a rejection says why."""

    decision = django_forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=django_forms.RadioSelect,
    )
    note = django_forms.CharField(
        label=_("Note"), required=False, widget=django_forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the request is rejected."))
        return cleaned

    @property
    def approves(self) -> bool:
        return bool(self.cleaned_data["decision"] == "approve")


# --- END PLANS ---------------------------------------------------------------

# --- SURCHARGES --------------------------------------------------------------


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


# --- END SURCHARGES ----------------------------------------------------------

# --- QUOTAS ------------------------------------------------------------------


class QuotaFilterForm(django_forms.Form):
    """Search and filters of the quota table."""

    q = django_forms.CharField(label=_("Search"), required=False, max_length=100)
    industry = django_forms.ModelChoiceField(
        label=_("Industry"),
        required=False,
        empty_label=_("All industries"),
        queryset=Industry.objects.filter(quotas__isnull=False).distinct(),
    )
    in_force_on = django_forms.DateField(
        label=_("In force on"), required=False, widget=django_forms.DateInput(attrs={"type": "date"})
    )

    def filtered(self, quotas: QuerySet[WaterQuota]) -> QuerySet[WaterQuota]:
        """`quotas` narrowed by the valid filters (an invalid form leaves them unfiltered)."""
        quotas = quotas.select_related("industry")
        if not self.is_bound or not self.is_valid():
            return quotas
        data = self.cleaned_data
        if words := data["q"].strip():
            quotas = quotas.filter(
                Q(industry__code__icontains=words) | Q(industry__name__icontains=words) | Q(product__icontains=words)
            )
        if data["industry"]:
            quotas = quotas.filter(industry=data["industry"])
        if day := data["in_force_on"]:
            quotas = quotas.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day)
        return quotas


class QuotaFileForm(django_forms.Form):
    """A quota table to import: an Excel workbook in the layout of the export."""

    file = django_forms.FileField(
        label=_("Quota workbook"),
        help_text=_("Excel .xlsx with one row per industry and product, in the layout of the exported table."),
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise django_forms.ValidationError(
                _("%(name)s is not an .xlsx file. Save the table as Excel workbook (.xlsx)."),
                params={"name": uploaded.name},
            )
        too_large = intake_messages.size_error(uploaded.size, quotas.LIMITS)
        if too_large:
            raise django_forms.ValidationError(too_large)
        return uploaded


# --- END QUOTAS --------------------------------------------------------------

# --- METERING ----------------------------------------------------------------


class StaffChoiceField(django_forms.ModelChoiceField):
    """A member of the bureau or the utility who may follow up an alarm, shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


def alarm_staff() -> QuerySet[User]:
    """People who may be given an alarm: the bureau's staff and the network analyst."""
    roles = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.NETWORK_ANALYST)
    return User.objects.filter(is_active=True, role__in=roles).order_by("username")


class AlarmFilterForm(django_forms.Form):
    """Search and filters shared by the customer and night-flow alarm lists."""

    status = django_forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), ("open", _("Open")), *AlarmStatus.choices]
    )
    dma = django_forms.CharField(label=_("DMA"), required=False, max_length=32)
    assignee = StaffChoiceField(label=_("Assigned to"), required=False, queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = alarm_staff()  # type: ignore[attr-defined]
        self.fields["assignee"].empty_label = _("Anyone")  # type: ignore[attr-defined]

    def filtered_workflow(self, alarms: QuerySet[Any]) -> QuerySet[Any]:
        if not self.is_valid():
            return alarms
        status = self.cleaned_data["status"]
        if status == "open":
            alarms = alarms.exclude(status=AlarmStatus.CLOSED)
        elif status:
            alarms = alarms.filter(status=status)
        if self.cleaned_data["dma"]:
            alarms = alarms.filter(dma_code__iexact=self.cleaned_data["dma"].strip())
        if self.cleaned_data["assignee"]:
            alarms = alarms.filter(assignee=self.cleaned_data["assignee"])
        if self.cleaned_data.get("outcome"):
            alarms = alarms.filter(outcome=self.cleaned_data["outcome"])
        return alarms


class CustomerAlarmFilterForm(AlarmFilterForm):
    """Search and filter customer alarms: meter, kind, status, DMA, assignee and outcome."""

    q = django_forms.CharField(label=_("Meter"), required=False)
    kind = django_forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AnomalyKind.choices]
    )
    outcome = django_forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *CustomerOutcome.choices]
    )
    field_order = ["q", "kind", "status", "dma", "assignee", "outcome"]

    def filtered(self, alarms: QuerySet[CustomerAlarm]) -> QuerySet[CustomerAlarm]:
        alarms = self.filtered_workflow(alarms)
        if not self.is_valid():
            return alarms
        if self.cleaned_data["q"]:
            alarms = alarms.filter(meter_code__icontains=self.cleaned_data["q"].strip())
        if self.cleaned_data["kind"]:
            alarms = alarms.filter(kind=self.cleaned_data["kind"])
        return alarms


class NightFlowAlarmFilterForm(AlarmFilterForm):
    """Search and filter DMA night-flow alarms: status, DMA, assignee and outcome."""

    outcome = django_forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *NightFlowOutcome.choices]
    )


class AssignAlarmForm(django_forms.Form):
    assignee = StaffChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = alarm_staff()  # type: ignore[attr-defined]


class AlarmContactForm(django_forms.Form):
    note = django_forms.CharField(
        label=_("Contact"),
        max_length=2000,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=_("Whom you reached, how, and what they said or what was seen."),
    )


class CloseCustomerAlarmForm(django_forms.Form):
    outcome = django_forms.ChoiceField(label=_("Outcome"), choices=CustomerOutcome.choices)
    note = django_forms.CharField(
        label=_("Finding"), required=False, max_length=2000, widget=django_forms.Textarea(attrs={"rows": 3})
    )


class CloseNightFlowAlarmForm(django_forms.Form):
    outcome = django_forms.ChoiceField(label=_("Outcome"), choices=NightFlowOutcome.choices)
    volume_recovered_m3 = django_forms.FloatField(
        label=_("Volume recovered (m³)"),
        required=False,
        min_value=0,
        help_text=_("Needed when a leak was found and repaired."),
    )
    note = django_forms.CharField(
        label=_("Finding"), required=False, max_length=2000, widget=django_forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        repaired = cleaned.get("outcome") == NightFlowOutcome.LEAK_REPAIRED
        if repaired and cleaned.get("volume_recovered_m3") is None and "volume_recovered_m3" not in self.errors:
            self.add_error("volume_recovered_m3", _("Give the volume the repair recovered (m³)."))
        return cleaned


class MeteringParametersForm(django_forms.ModelForm):
    """Proposed thresholds: a new dated row of metering parameters; each field explains its own errors."""

    class Meta:
        model = MeteringParameters
        fields = [
            "effective_from",
            "continuous_flow_hours",
            "stuck_hours",
            "gap_hours",
            "night_window_start_hour",
            "night_window_end_hour",
            "night_use_l_per_h_per_connection",
            "baseline_nights",
        ]
        widgets = {"effective_from": django_forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("continuous_flow_hours", "stuck_hours", "gap_hours"):
            value = cleaned.get(name)
            if value is not None and not 1 <= value <= 24 * 60:
                self.add_error(name, _("Give a number of hours from 1 to 1440."))
        start, end = cleaned.get("night_window_start_hour"), cleaned.get("night_window_end_hour")
        for name, hour in (("night_window_start_hour", start), ("night_window_end_hour", end)):
            if hour is not None and hour > 23:
                self.add_error(name, _("Give an hour from 0 to 23."))
        if start is not None and end is not None and start >= end:
            self.add_error("night_window_end_hour", _("The night window must end after it starts."))
        nightly = cleaned.get("night_use_l_per_h_per_connection")
        if nightly is not None and nightly < 0:
            self.add_error("night_use_l_per_h_per_connection", _("The night use cannot be negative."))
        if cleaned.get("baseline_nights") == 0:
            self.add_error("baseline_nights", _("The baseline needs at least one night."))
        return cleaned


def _volume_field(label: Any, required: bool = False) -> django_forms.FloatField:
    return django_forms.FloatField(label=label, required=required, min_value=0, initial=0 if not required else None)


class WaterAuditForm(django_forms.Form):
    """A utility's figures for a year; the labels give the units (m³ for volumes)."""

    utility_name = django_forms.CharField(label=_("Utility"), max_length=100)
    year = django_forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    system_input_m3 = django_forms.FloatField(label=_("System input volume (m³)"), min_value=0.001)
    billed_metered_m3 = _volume_field(_("Billed metered consumption (m³)"), required=True)
    billed_unmetered_m3 = _volume_field(_("Billed unmetered consumption (m³)"))
    unbilled_metered_m3 = _volume_field(_("Unbilled metered consumption (m³)"))
    unbilled_unmetered_m3 = _volume_field(_("Unbilled unmetered consumption (m³)"))
    unauthorised_m3 = _volume_field(_("Unauthorised consumption (m³)"))
    data_handling_errors_m3 = _volume_field(_("Data handling errors (m³)"))
    meter_under_registration_pct = django_forms.FloatField(
        label=_("Customer meter under-registration (%)"), min_value=0, max_value=99.9, initial=0
    )
    mains_length_km = django_forms.FloatField(label=_("Length of mains (km)"), min_value=0.001)
    service_connections = django_forms.IntegerField(label=_("Service connections"), min_value=1)
    private_pipe_length_km = django_forms.FloatField(
        label=_("Service pipe from property line to meter (km)"), min_value=0, initial=0
    )
    average_pressure_m = django_forms.FloatField(label=_("Average operating pressure (m)"), min_value=0.1)
    retail_price_yuan_per_m3 = django_forms.FloatField(label=_("Retail price (yuan/m³)"), min_value=0, initial=0)
    variable_production_cost_yuan_per_m3 = django_forms.FloatField(
        label=_("Variable production cost (yuan/m³)"), min_value=0, initial=0
    )
    residential_household_metered_m3 = _volume_field(_("Water metered to households (m³)"))
    mains_length_dn75_km = django_forms.FloatField(
        label=_("Length of mains of DN75 and above (km)"),
        min_value=0,
        required=False,
        help_text=_("CJJ 92-2016 §5.2.3 counts these mains only; without it the leakage rate is not worked out."),
    )
    average_outlet_pressure_mpa = django_forms.FloatField(
        label=_("Average outlet pressure of the works (MPa)"), min_value=0, initial=0
    )
    maximum_frost_depth_m = django_forms.FloatField(label=_("Greatest frost depth (m)"), min_value=0, initial=0)
    banding = django_forms.ChoiceField(
        label=_("ILI bands"),
        choices=[
            ("low_middle_income", _("Low- and middle-income countries")),
            ("high_income", _("High-income countries")),
        ],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        volumes = ("billed_metered_m3", "billed_unmetered_m3", "unbilled_metered_m3", "unbilled_unmetered_m3")
        authorised = sum(data.get(name) or 0.0 for name in volumes)
        system_input = data.get("system_input_m3")
        if system_input is not None and authorised > system_input:
            raise django_forms.ValidationError(
                _("Authorised consumption (%(authorised).0f m³) exceeds the system input (%(input).0f m³)."),
                params={"authorised": authorised, "input": system_input},
            )
        return data

    def audit_inputs(self) -> AuditInputs:
        """The cleaned figures as hydro's audit inputs (empty optional volumes count as zero)."""
        data = dict(self.cleaned_data)
        data.pop("year")
        data.pop("banding")
        name = data.pop("utility_name")
        values = {
            key: (0.0 if value is None and key != "mains_length_dn75_km" else value) for key, value in data.items()
        }
        return AuditInputs(name=name, **values)


# --- END METERING ------------------------------------------------------------


# --- REUSE -------------------------------------------------------------------


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


# --- END REUSE ---------------------------------------------------------------
