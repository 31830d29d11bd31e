"""Forms of metering: alarm filters, assignment, contact and closing, the parameters and the water audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms as django_forms
from django.db.models import BLANK_CHOICE_DASH, Field, QuerySet
from django.utils.translation import gettext_lazy as _

from civic.core import intake as intake_messages
from civic.core.models import Role, User
from civic.water import meter_customers, smart_readings, zone_files
from civic.water.models import (
    AlarmStatus,
    AnomalyKind,
    CustomerAlarm,
    CustomerOutcome,
    MeteringParameters,
    NightFlowOutcome,
)
from hydro.readings.periods import Period
from hydro.water_audit import AuditInputs


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
    ORDERINGS: dict[str, tuple[str, ...]] = {}
    """The list's orders besides the newest first, each as the fields to sort by."""

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
        if self.cleaned_data.get("order"):
            alarms = alarms.order_by(*self.ORDERINGS[self.cleaned_data["order"]])
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
    order = django_forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("volume", _("Largest volume first")),
            ("confidence", _("Most confident first")),
        ],
    )
    ORDERINGS = {"volume": ("-volume_m3", "-start", "pk"), "confidence": ("-confidence", "-start", "pk")}
    field_order = ["q", "kind", "status", "dma", "assignee", "outcome", "order"]

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
    order = django_forms.ChoiceField(
        label=_("Order"), required=False, choices=[("", _("Newest first")), ("excess", _("Largest excess first"))]
    )
    ORDERINGS = {"excess": ("-excess_m3_per_h", "-detected", "pk")}


class AssignAlarmForm(django_forms.Form):
    assignee = StaffChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = alarm_staff()  # type: ignore[attr-defined]


class BulkAssignForm(django_forms.Form):
    """Alarms of a list, chosen by their boxes, given to one member of staff."""

    assignee = StaffChoiceField(label=_("Assign the chosen to"), queryset=User.objects.none())
    alarms = django_forms.ModelMultipleChoiceField(
        queryset=CustomerAlarm.objects.none(),
        error_messages={"required": _("Tick the alarms to assign.")},
    )

    def __init__(self, *args: Any, alarms: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = alarm_staff()  # type: ignore[attr-defined]
        self.fields["alarms"].queryset = alarms  # type: ignore[attr-defined]


class AlarmContactForm(django_forms.Form):
    note = django_forms.CharField(
        label=_("Contact made"),
        max_length=2000,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=_("Whom you reached, how, and what they said or what was seen."),
    )


def outcome_field(choices: list[tuple[str, Any]]) -> django_forms.ChoiceField:
    """The outcome a closing records, chosen by staff: the list starts blank, so that no outcome is recorded
    because it came first (the measured precision is made of them)."""
    return django_forms.ChoiceField(label=_("Outcome"), choices=[*BLANK_CHOICE_DASH, *choices])


class CloseCustomerAlarmForm(django_forms.Form):
    outcome = outcome_field(CustomerOutcome.choices)
    note = django_forms.CharField(
        label=_("Finding"), required=False, max_length=2000, widget=django_forms.Textarea(attrs={"rows": 3})
    )


class CloseLeakAlarmForm(django_forms.Form):
    """Close an alarm that may have found a leak: the outcome, and the volume recovered when a leak was
    repaired. A subclass gives the outcome's choices and `repaired_outcome`, the one that needs the volume."""

    repaired_outcome: str = ""

    outcome = django_forms.ChoiceField(label=_("Outcome"), choices=[])
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
        repaired = cleaned.get("outcome") == self.repaired_outcome
        if repaired and cleaned.get("volume_recovered_m3") is None and "volume_recovered_m3" not in self.errors:
            self.add_error("volume_recovered_m3", _("Give the volume the repair recovered (m³)."))
        return cleaned


class CloseNightFlowAlarmForm(CloseLeakAlarmForm):
    repaired_outcome = NightFlowOutcome.LEAK_REPAIRED

    outcome = outcome_field(NightFlowOutcome.choices)


class MeteringParametersForm(django_forms.ModelForm):
    """Proposed thresholds: a new dated row of metering parameters; each field explains its own errors."""

    class Meta:
        model = MeteringParameters
        fields = [
            "effective_from",
            "continuous_flow_hours",
            "stuck_hours",
            "gap_hours",
            "stuck_balance_share",
            "stuck_balance_sigmas",
            "stuck_balance_days",
            "burst_hours",
            "burst_usual_peak_factor",
            "burst_short_hours",
            "burst_short_usual_peak_factor",
            "burst_habit_share",
            "burst_habit_days",
            "gap_lost_readings",
            "shared_gap_meters",
            "episode_merge_hours",
            "night_window_start_hour",
            "night_window_end_hour",
            "night_use_l_per_h_per_connection",
            "baseline_nights",
            "night_flow_allowance_sigma",
            "night_flow_threshold_sigma",
        ]
        widgets = {"effective_from": django_forms.DateInput(attrs={"type": "date"})}

    OPTIONAL_FIELDS = (
        "burst_hours",
        "burst_usual_peak_factor",
        "burst_short_hours",
        "burst_short_usual_peak_factor",
        "burst_habit_share",
        "burst_habit_days",
        "gap_lost_readings",
        "shared_gap_meters",
        "episode_merge_hours",
        "night_flow_allowance_sigma",
        "night_flow_threshold_sigma",
    )
    """Left empty (or not sent), a proposal keeps the model's default for these."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL_FIELDS:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.OPTIONAL_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = _model_default(name)
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


def _model_default(name: str) -> Any:
    """The default of a field of the metering parameters."""
    field = MeteringParameters._meta.get_field(name)
    assert isinstance(field, Field)
    return field.default


class ReadingsAnalysisForm(django_forms.Form):
    """A period of the stored smart-meter readings to analyse, and the zone file that groups their meters."""

    period = django_forms.CharField(
        label=_("Period"),
        max_length=30,
        help_text=_("A month (2024-03), or days from..to (2024-03-01..2024-03-15), both included."),
    )
    zones_file = django_forms.FileField(
        label=_("Zone file"),
        required=False,
        help_text=_(
            "CSV or Excel with the columns 表号 (meter_id), 分区 (dma_id) and 角色 (role: inflow 进水, "
            "outflow 出水 or customer 用户). Leave it empty to keep the zones of the last analysis."
        ),
    )

    def __init__(self, *args: Any, store: Any, last_zones: list[list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.last_zones = last_zones or []
        self.silent_meters: list[str] = []

    def clean_period(self) -> str:
        text = str(self.cleaned_data["period"]).strip()
        try:
            period = Period.parse(text)
        except ValueError:
            raise django_forms.ValidationError(
                _("%(value)s is not a period; write a month as 2024-03, or days as 2024-03-01..2024-03-15."),
                params={"value": text},
            ) from None
        if not zone_files.holds_readings(self.store, period):
            raise django_forms.ValidationError(
                _("No readings of %(value)s have been stored yet."), params={"value": text}
            )
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        upload = cleaned.get("zones_file")
        try:
            if upload is not None:
                name = Path(str(upload.name)).name
                zones = zone_files.read_zone_file(upload, name)
            elif self.last_zones:
                name = str(_("the zones of the last analysis"))
                zones = zone_files.zones_of_rows(self.last_zones)
            else:
                self.add_error("zones_file", _("No earlier analysis gives the zones: upload a zone file."))
                return cleaned
            self.silent_meters = zone_files.checked_against_store(
                zones, self.store, Period.parse(cleaned["period"]), name
            )
        except zone_files.ZoneFileError as error:
            for line in error.lines:
                self.add_error("zones_file", line)
            return cleaned
        cleaned["zones"] = zones
        return cleaned


class SmartReadingsUploadForm(django_forms.Form):
    """A smart-meter readings file for the county's readings store: interval volumes or cumulative indexes."""

    readings_file = django_forms.FileField(
        label=_("Readings file"),
        help_text=_(
            "CSV (UTF-8 or GBK; gzipped as .csv.gz for a large month) or Parquet with the columns meter_id (表号), timestamp (抄表时间: YYYY-MM-DD HH:MM, "
            "the county's time) and volume_m3 (用水量: the volume of each interval) or index_m3 (读数: the register's "
            "index, with an optional remark, 备注), headed in English or in Chinese."
        ),
    )
    stamped = django_forms.ChoiceField(
        label=_("Timestamps give"),
        choices=[("start", _("the start of each interval")), ("end", _("the end of each interval"))],
        initial="start",
        help_text=_("Many smart meters stamp an hour's use at its end. Indexes are read at an instant."),
    )
    conflicts = django_forms.ChoiceField(
        label=_("Two values of one meter at one time"),
        choices=[("keep-larger", _("keep the larger and name the other")), ("refuse", _("refuse the file"))],
        initial="keep-larger",
        help_text=_("A meter's clock put right stamps two readings alike; the larger is the fuller interval."),
    )

    def clean_readings_file(self) -> Any:
        upload = self.cleaned_data["readings_file"]
        if not str(upload.name).lower().endswith(smart_readings.SUFFIXES):
            raise django_forms.ValidationError(
                _("%(name)s is not a CSV file (.csv, or gzipped .csv.gz) or a Parquet file."),
                params={"name": Path(str(upload.name)).name},
            )
        if upload.size > smart_readings.MAX_UPLOAD_BYTES:
            raise django_forms.ValidationError(
                _(
                    "The file is %(size)s MB; the page takes up to %(limit)s MB. Gzip it (.csv.gz, about a tenth of "
                    "the size) or import it with hydro readings import."
                ),
                params={
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "limit": smart_readings.MAX_UPLOAD_BYTES // 1024 // 1024,
                },
            )
        return upload


class MeterCustomerUploadForm(django_forms.Form):
    """The utility's customer file (用户档案): who is behind each smart meter."""

    customer_file = django_forms.FileField(
        label=_("Customer file"),
        help_text=_(
            "CSV (UTF-8 or GBK) or Excel with the columns 表号 (meter), 户名 (customer) and, if known, 户号 "
            "(account), 地址 (address) and 电话 (phone). A meter already on file takes the new row."
        ),
    )

    def clean_customer_file(self) -> Any:
        wrong_kind = _("%(name)s is not a CSV or Excel (.xlsx) file.")
        upload = self.cleaned_data["customer_file"]
        return intake_messages.checked_upload(upload, (".csv", ".xlsx"), wrong_kind, meter_customers.CUSTOMER_LIMITS)
