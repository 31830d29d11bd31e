"""Summaries of the analyses of smart-meter readings (hydro.readings.analysis), stored so pages stay fast."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hydro.readings import alarm_outcomes
from hydro.readings.night_flow import LARGEST_ALLOWANCE_SIGMA


class MeteringRun(models.Model):
    """One run of the readings analysis over a period: the DMA balances, night flows and alarms it found."""

    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    engine = models.CharField(_("engine"), max_length=16, default="duckdb")
    store = models.CharField(_("readings store"), max_length=500)
    zones = models.JSONField(
        _("zone membership"), default=list, blank=True, help_text=_("[[meter, DMA, role], …] as analysed.")
    )
    leak_unchecked_meters = models.JSONField(
        _("meters not checked for leaks"),
        default=list,
        blank=True,
        help_text=_("[[meter, usual reading interval in hours], …]: read too seldom for leaks to be looked for."),
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["-period_start", "-created_at"]
        verbose_name = _("metering analysis")
        verbose_name_plural = _("metering analyses")

    def __str__(self) -> str:
        return f"{self.period_start} – {self.period_end}"

    def found_customer_alarms(self) -> models.QuerySet[CustomerAlarm]:
        """The customer alarms this analysis raised, or found still going and continued (and none since has)."""
        return CustomerAlarm.objects.filter(models.Q(run=self) | models.Q(last_run=self))

    def found_night_flow_alarms(self) -> models.QuerySet[DmaNightFlowAlarm]:
        """The night-flow alarms this analysis raised, or found still going and continued (and none since has)."""
        return DmaNightFlowAlarm.objects.filter(models.Q(run=self) | models.Q(last_run=self))


class DmaBalance(models.Model):
    """A DMA's water balance over a run's period (产销差), volumes in m³."""

    run = models.ForeignKey(
        MeteringRun, verbose_name=_("metering analysis"), on_delete=models.CASCADE, related_name="balances"
    )
    dma_code = models.CharField(_("DMA"), max_length=32)
    inflow_m3 = models.FloatField(_("inflow (m³)"))
    outflow_m3 = models.FloatField(_("outflow (m³)"))
    consumption_m3 = models.FloatField(_("customer consumption (m³)"))
    nrw_m3 = models.FloatField(_("non-revenue water (m³)"))
    nrw_pct = models.FloatField(_("non-revenue water (%)"), null=True, blank=True)

    class Meta:
        ordering = ["dma_code"]
        constraints = [models.UniqueConstraint(fields=["run", "dma_code"], name="one_balance_per_dma_and_run")]
        verbose_name = _("DMA balance")
        verbose_name_plural = _("DMA balances")


class DmaNightFlow(models.Model):
    """A DMA's minimum night flow on one night, the legitimate night use and the leakage left, in m³/h."""

    run = models.ForeignKey(
        MeteringRun, verbose_name=_("metering analysis"), on_delete=models.CASCADE, related_name="night_flows"
    )
    dma_code = models.CharField(_("DMA"), max_length=32)
    night = models.DateField(_("night"))
    mnf_m3_per_h = models.FloatField(_("minimum night flow (m³/h)"))
    legitimate_m3_per_h = models.FloatField(_("legitimate night use (m³/h)"))
    leakage_m3_per_h = models.FloatField(_("leakage (m³/h)"))

    class Meta:
        ordering = ["dma_code", "night"]
        verbose_name = _("DMA night flow")
        verbose_name_plural = _("DMA night flows")


class AlarmStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    CONTACTED = "contacted", _("Contacted")
    CLOSED = "closed", _("Closed")


class CustomerOutcome(models.TextChoices):
    """What staff found behind a customer alarm (hydro.readings.alarm_outcomes says which make each kind true)."""

    CONFIRMED_LEAK = alarm_outcomes.CONFIRMED_LEAK, _("Confirmed leak")
    CUSTOMER_USE = alarm_outcomes.CUSTOMER_USE, _("Customer use")
    METER_FAULT = alarm_outcomes.METER_FAULT, _("Meter fault")
    DATA_ERROR = alarm_outcomes.DATA_ERROR, _("Data error")
    NO_ACCESS = alarm_outcomes.NO_ACCESS, _("No access")


class NightFlowOutcome(models.TextChoices):
    """What the field crew found in a DMA after a night-flow alarm."""

    LEAK_REPAIRED = alarm_outcomes.LEAK_REPAIRED, _("Leak found and repaired")
    NO_LEAK_FOUND = alarm_outcomes.NO_LEAK_FOUND, _("No leak found")


class TriagedAlarm(models.Model):
    """The workflow of an alarm: assigned to a person, the contact made, closed with an outcome."""

    status = models.CharField(
        _("status"), max_length=16, choices=AlarmStatus.choices, default=AlarmStatus.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    contact_note = models.TextField(_("contact"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, blank=True, db_index=True)
    outcome_note = models.TextField(_("finding"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class DmaNightFlowAlarm(TriagedAlarm):
    """A rise of a DMA's night flow above its baseline: the night it began and the night it was detected."""

    run = models.ForeignKey(
        MeteringRun, verbose_name=_("metering analysis"), on_delete=models.CASCADE, related_name="night_flow_alarms"
    )
    dma_code = models.CharField(_("DMA"), max_length=32)
    start = models.DateField(_("rise began"))
    detected = models.DateField(_("detected"))
    excess_m3_per_h = models.FloatField(_("excess over baseline (m³/h)"))
    last_detected = models.DateField(
        _("last detected"),
        null=True,
        blank=True,
        help_text=_("The latest night an analysis found the rise on, while the alarm is open."),
    )
    last_run = models.ForeignKey(
        MeteringRun,
        verbose_name=_("last seen by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The latest analysis that found this rise; the alarm stays one while the rise lasts."),
    )
    outcome = models.CharField(_("outcome"), max_length=24, blank=True, choices=NightFlowOutcome.choices, db_index=True)
    volume_recovered_m3 = models.FloatField(
        _("volume recovered (m³)"),
        null=True,
        blank=True,
        help_text=_("The water the repair saves, as the crew estimates it."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["dma_code", "start"]
        verbose_name = _("night-flow alarm")
        verbose_name_plural = _("night-flow alarms")

    def __str__(self) -> str:
        return f"{self.dma_code} {self.start:%Y-%m-%d}"

    @property
    def kind(self) -> str:
        return alarm_outcomes.NIGHT_FLOW


class AnomalyKind(models.TextChoices):
    CONTINUOUS_FLOW = "continuous_flow", _("Continuous flow")
    BURST = "burst", _("Burst")
    STUCK = "stuck", _("Stuck meter")
    REVERSE = "reverse", _("Reverse flow")
    GAP = "gap", _("Missing data")


class CustomerAlarm(TriagedAlarm):
    """An anomaly on a customer meter, with the meter's hourly use around it for the drill-down chart."""

    run = models.ForeignKey(
        MeteringRun, verbose_name=_("metering analysis"), on_delete=models.CASCADE, related_name="customer_alarms"
    )
    meter_code = models.CharField(_("meter"), max_length=40)
    dma_code = models.CharField(_("DMA"), max_length=32, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AnomalyKind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    volume_m3 = models.FloatField(_("estimated volume (m³)"))
    confidence = models.FloatField(_("confidence"))
    last_run = models.ForeignKey(
        MeteringRun,
        verbose_name=_("last seen by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The latest analysis that found this episode; the alarm stays one while the episode lasts."),
    )
    use_series = models.JSONField(
        _("hourly use around the alarm"), default=list, help_text=_("[[ISO time, m³], …] for the chart.")
    )
    outcome = models.CharField(_("outcome"), max_length=24, blank=True, choices=CustomerOutcome.choices, db_index=True)
    contacted_customer = models.TextField(
        _("customer contacted"),
        blank=True,
        help_text=_("The meter's customer as the register or the customer file named them when the contact was made."),
    )
    contacted_water_user = models.ForeignKey(
        "water.WaterUser",
        verbose_name=_("water user contacted"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Set when the customer contacted was the register's: only those who see the register see them."),
    )
    history = HistoricalRecords(excluded_fields=["use_series"])

    class Meta:
        ordering = ["-start", "meter_code"]
        verbose_name = _("customer alarm")
        verbose_name_plural = _("customer alarms")

    def __str__(self) -> str:
        return f"{self.meter_code} {self.kind} {self.start:%Y-%m-%d}"


class WaterAudit(models.Model):
    """An annual water audit of a utility: the figures entered and the balance, ILI and CJJ 92 rate found."""

    utility_name = models.CharField(_("utility"), max_length=100)
    year = models.PositiveIntegerField(_("year"))
    inputs = models.JSONField(_("inputs"))
    result = models.JSONField(_("result"))
    created_at = models.DateTimeField(_("audited at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("audited by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("water audit")
        verbose_name_plural = _("water audits")

    def __str__(self) -> str:
        return f"{self.utility_name} {self.year}"


def validate_balance_share(value: float) -> None:
    """A share of a meter's usual use above 0 (0 would call every run of zeros stuck) and at most 2."""
    if not 0 < value <= 2:
        raise ValidationError(_("Give a share above 0 and at most 2."), code="balance_share")


def validate_above_zero(value: float) -> None:
    """A number of standard errors above 0 (0 would take noise for a rise)."""
    if not value > 0:
        raise ValidationError(_("Give a number above 0."), code="above_zero")


class MeteringParameters(models.Model):
    """How night flow and customer anomalies are judged, from a date on: rules the county may change."""

    effective_from = models.DateField(_("effective from"), unique=True)
    night_window_start_hour = models.PositiveSmallIntegerField(_("night window start (hour)"), default=2)
    night_window_end_hour = models.PositiveSmallIntegerField(_("night window end (hour)"), default=4)
    night_use_l_per_h_per_connection = models.FloatField(_("legitimate night use per connection (L/h)"), default=1.7)
    baseline_nights = models.PositiveSmallIntegerField(_("nights in the night-flow baseline"), default=14)
    continuous_flow_hours = models.FloatField(
        _("hours a meter's least flow must stay raised to make a leak"), default=72
    )
    stuck_hours = models.FloatField(_("hours of zeros that make a stuck meter"), default=72)
    gap_hours = models.FloatField(_("hours without readings that make a gap"), default=6)
    # A run of zeros that ended is a stuck meter when its DMA's balance rose during it by this share of the
    # meter's usual use and this many standard errors (hydro.readings.stuck_balance.BalanceTest).
    stuck_balance_share = models.FloatField(
        _("share of a meter's usual use the DMA balance must rise by to call a run stuck"),
        default=0.5,
        validators=[validate_balance_share],
        help_text=_("Above 0 and at most 2: 0 is a household away, 1 the meter's whole usual use unmetered."),
    )
    stuck_balance_sigmas = models.FloatField(
        _("standard errors the DMA balance must rise by to call a run stuck"),
        default=3.0,
        validators=[validate_above_zero],
    )
    stuck_balance_days = models.PositiveSmallIntegerField(
        _("days before and after a run of zeros its DMA balance is compared with"),
        default=7,
        validators=[MinValueValidator(1)],
    )
    # A burst is flow of at least five times the meter's mean, for these hours, and this many times the meter's
    # usual peak (hydro.readings.analysis.unusual_bursts): a shop's busy hours are not a burst.
    burst_hours = models.FloatField(
        _("hours of high flow that make a burst"),
        default=3.0,
        validators=[MinValueValidator(1), MaxValueValidator(48)],
        help_text=_("From 1 to 48."),
    )
    burst_usual_peak_factor = models.FloatField(
        _("times its meter's usual peak a burst must flow"),
        default=4.0,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_(
            "From 1 to 50. The usual peak is the median over the other days of each day's highest mean flow "
            "over the burst hours, over the days with use when there are at least seven; a lower value raises a "
            "shop's busy hours as bursts."
        ),
    )
    # A run of high flow shorter than the burst hours is a burst when it flows this many times its meter's usual
    # peak over as many hours (hydro.readings.analysis.unusual_bursts): a busy evening stands further above a
    # household's usual peak over one or two hours than over three.
    burst_short_hours = models.FloatField(
        _("hours of high flow that make a short burst"),
        default=1.0,
        validators=[MinValueValidator(1), MaxValueValidator(48)],
        help_text=_("From 1 to 48. At the burst hours or more, no shorter burst is looked for."),
    )
    burst_short_usual_peak_factor = models.FloatField(
        _("times its meter's usual peak a short burst must flow"),
        default=10.0,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_(
            "From 1 to 50. The usual peak is taken over as many hours as the run lasts; a lower value raises a "
            "household's busy evening as a burst."
        ),
    )
    # A burst's meter that flows this share of the burst's flow over as many hours on this many other days does
    # so by habit (hydro.readings.analysis.unusual_bursts): a roof tank refilling through its float valve.
    burst_habit_share = models.FloatField(
        _("share of a burst's flow that makes it a habit when reached on other days"),
        default=0.5,
        validators=[validate_above_zero, MaxValueValidator(10)],
        help_text=_("Above 0 and at most 10. A lower share takes more flows for a roof tank's refills."),
    )
    burst_habit_days = models.PositiveSmallIntegerField(
        _("other days that flow make a burst a habit"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("From 1 to 31 days of the period other than the burst's."),
    )
    # A gap also loses this many of its meter's usual readings (hydro.readings.analysis.AnomalySettings); gaps
    # that this many meters begin and end in the same hours are a concentrator's outage.
    gap_lost_readings = models.PositiveSmallIntegerField(
        _("readings a meter must lose to make a gap"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_(
            "From 1 to 24 of the meter's usual intervals. At 1 a meter read once a day is in a gap whenever one "
            "reading is lost; keep 2 where daily meters lose single readings now and then."
        ),
    )
    shared_gap_meters = models.PositiveSmallIntegerField(
        _("meters whose gaps begin and end together make a communication outage"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(1000)],
        help_text=_("From 2 to 1000. Their gaps are the concentrator's or the network's, not the meters'."),
    )
    episode_merge_hours = models.FloatField(
        _("hours within which anomalies are one episode"),
        default=24.0,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
        help_text=_(
            "Anomalies of one kind on one meter less than this apart are one episode and one alarm; a later "
            "analysis that finds an open alarm's episode again within it continues that alarm."
        ),
    )
    # The CUSUM of a DMA's night flow (hydro.readings.night_flow.night_flow_alarms): each night adds its rise
    # over the baseline, in standard deviations and at most 3, less k; the DMA alarms when the sum passes h.
    night_flow_allowance_sigma = models.FloatField(
        _("standard deviations a night must rise by to count towards a night-flow alarm"),
        default=0.75,
        validators=[MinValueValidator(0), MaxValueValidator(LARGEST_ALLOWANCE_SIGMA)],
        help_text=_("From 0 to 2.5. A higher value spares small rises and slow drifts, and alarms later."),
    )
    night_flow_threshold_sigma = models.FloatField(
        _("standard deviations the nights' sum must pass to raise a night-flow alarm"),
        default=4.0,
        validators=[MinValueValidator(0.5), MaxValueValidator(50)],
        help_text=_(
            "From 0.5 to 50. A night counts for at most 3, so 4 raises a rise on its second night at the earliest."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("metering parameters")
        verbose_name_plural = _("metering parameters")

    def __str__(self) -> str:
        return str(self.effective_from)


class LeakageRateParameters(models.Model):
    """The CJJ 92-2016 corrections and grades in force from a date (see hydro.water_audit.CJJ92Corrections)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    residential_factor = models.FloatField(_("household metering factor (R1)"), default=0.08)
    length_factor = models.FloatField(_("mains length factor (R2)"), default=0.99)
    length_reference_km_per_10k_m3 = models.FloatField(_("reference mains length (km per 10⁴ m³)"), default=0.0693)
    length_correction_limit_pct = models.FloatField(_("largest mains length correction (%)"), default=3.0)
    pressure_steps = models.JSONField(
        _("outlet pressure steps (MPa, %)"), default=list, help_text=_("[[0.35, 0.5], [0.55, 1.0], [0.75, 2.0]]")
    )
    frost_depth_m = models.FloatField(_("frost depth threshold (m)"), default=1.4)
    frost_correction_pct = models.FloatField(_("frost correction (%)"), default=1.0)
    first_grade_pct = models.FloatField(_("first grade (%)"), default=10.0)
    second_grade_pct = models.FloatField(_("second grade (%)"), default=12.0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("leakage rate parameters")
        verbose_name_plural = _("leakage rate parameters")

    def __str__(self) -> str:
        return str(self.effective_from)


class MeterCustomer(models.Model):
    """The utility's customer behind a smart meter (用户档案), as its billing system exports it: whom staff
    contact about an alarm on the meter when the meter is not in the register of water users."""

    meter_code = models.CharField(_("meter"), max_length=64, unique=True)
    account = models.CharField(_("account number"), max_length=40, blank=True)
    name = models.CharField(_("customer"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["meter_code"]
        verbose_name = _("meter's customer")
        verbose_name_plural = _("meters' customers")

    def __str__(self) -> str:
        return f"{self.meter_code} {self.name}"
