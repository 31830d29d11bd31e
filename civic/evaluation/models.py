"""Records of the county's evaluation: balance tests, water-saving carriers, output for quota benchmarking,
and the county's compliance scorecard.

Rules the bureau may change (closure tolerance, certificate validity, the
industry thresholds of a water-saving carrier, the scorecard's profile) are
dated rows, each with its source and a "to verify" mark where the source is
secondary.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hydro import balance_test


class UnitKind(models.TextChoices):
    PROCESS = "process", _("Process")
    COOLING = "cooling", _("Indirect cooling")
    BOILER = "boiler", _("Boiler and steam")
    DOMESTIC = "domestic", _("Domestic")
    OTHER = "other", _("Other")


class CarrierKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Water-saving enterprise")
    UNIT = "unit", _("Water-saving unit")


class Indicator(models.TextChoices):
    """The balance-test indicators a threshold may be set on (keys of hydro.balance_test.BalanceAssessment)."""

    REUSE_RATE = "reuse_rate", _("Reuse rate")
    COOLING_RECIRCULATION_RATE = "cooling_recirculation_rate", _("Indirect-cooling recirculation rate")
    PROCESS_REUSE_RATE = "process_reuse_rate", _("Process-water reuse rate")
    CONDENSATE_RECOVERY_RATE = "condensate_recovery_rate", _("Condensate recovery rate")
    LEAK_RATE = "leak_rate", _("Leak rate")
    WASTEWATER_REUSE_RATE = "wastewater_reuse_rate", _("Wastewater reuse rate")
    INTAKE_PER_10K_YUAN = "intake_per_10k_yuan", _("Intake per ¥10,000 output value")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class EvaluationParameters(models.Model):
    """The closure tolerance of a balance test and a certificate's validity, in force from a date."""

    effective_from = models.DateField(_("effective from"), unique=True)
    closure_tolerance = models.FloatField(
        _("closure tolerance (fraction)"),
        default=balance_test.DEFAULT_CLOSURE_TOLERANCE,
        help_text=_("Largest relative difference accepted between inflow and outflows, and units and the meter."),
    )
    certificate_validity_years = models.PositiveSmallIntegerField(_("certificate validity (years)"), default=3)
    source = models.CharField(_("source"), max_length=200, blank=True)
    to_verify = models.BooleanField(_("to verify"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("evaluation parameters")
        verbose_name_plural = _("evaluation parameters")

    @classmethod
    def in_force(cls, day: datetime.date) -> EvaluationParameters:
        """The parameters in force on `day`, or the defaults when none are recorded."""
        found = cls.objects.filter(effective_from__lte=day).first()
        return found or cls(effective_from=day)


class CarrierSector(models.Model):
    """A sector with its own water-saving carrier thresholds: textile dyeing, steel, … public institutions."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    carrier_kind = models.CharField(_("carrier kind"), max_length=16, choices=CarrierKind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("carrier sector")
        verbose_name_plural = _("carrier sectors")

    def __str__(self) -> str:
        return self.name


class CarrierThreshold(models.Model):
    """One indicator's threshold for a sector's water-saving carriers, in force between two dates."""

    sector = models.ForeignKey(
        CarrierSector, verbose_name=_("sector"), on_delete=models.CASCADE, related_name="thresholds"
    )
    indicator = models.CharField(_("indicator"), max_length=40, choices=Indicator.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    value = models.FloatField(_("threshold"), help_text=_("Rates as fractions, e.g. 0.45 for 45 %."))
    source = models.CharField(_("source"), max_length=200)
    to_verify = models.BooleanField(_("to verify"), default=False)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sector__code", "indicator", "-effective_from"]
        verbose_name = _("carrier threshold")
        verbose_name_plural = _("carrier thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["sector", "indicator", "effective_from"], name="one_threshold_per_indicator_and_start"
            )
        ]

    def meets(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.value if self.direction == Direction.AT_LEAST else value <= self.value


class BalanceTestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


EDITABLE_STATUSES = (BalanceTestStatus.DRAFT, BalanceTestStatus.RETURNED)


class BalanceTest(models.Model):
    """A water-balance test (水平衡测试) of one water user, entered by the firm and reviewed by the bureau."""

    water_user = models.ForeignKey(
        "water.WaterUser", verbose_name=_("water user"), on_delete=models.PROTECT, related_name="balance_tests"
    )
    sector = models.ForeignKey(CarrierSector, verbose_name=_("sector"), on_delete=models.PROTECT)
    quota = models.ForeignKey(
        "water.WaterQuota",
        verbose_name=_("product quota"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("The quota of the main product, to compare the intake per product with its advanced value."),
    )
    period_start = models.DateField(_("test period start"))
    period_end = models.DateField(_("test period end"))
    product_output = models.FloatField(_("product output"))
    product_unit = models.CharField(_("product unit"), max_length=30)
    output_value_10k_yuan = models.FloatField(_("output value (10⁴ yuan)"))
    metered_fresh_intake_m3 = models.FloatField(_("metered fresh intake (m³)"))
    wastewater_reused_m3 = models.FloatField(_("treated wastewater reused (m³)"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=BalanceTestStatus.choices, default=BalanceTestStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_end", "water_user__code"]
        verbose_name = _("water-balance test")
        verbose_name_plural = _("water-balance tests")

    def __str__(self) -> str:
        return f"{self.water_user.name} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def as_hydro(self) -> balance_test.BalanceTest:
        """The test as hydro's record, for the indicators and the checks."""
        return balance_test.BalanceTest(
            enterprise=self.water_user.name,
            industry=self.sector.name,
            period_days=self.period_days,
            product_output=self.product_output,
            product_unit=self.product_unit,
            output_value_10k_yuan=self.output_value_10k_yuan,
            metered_fresh_intake_m3=self.metered_fresh_intake_m3,
            wastewater_reused_m3=self.wastewater_reused_m3,
            units=tuple(unit.as_hydro() for unit in self.units.all()),
        )

    def assessment(self) -> balance_test.BalanceAssessment:
        tolerance = EvaluationParameters.in_force(self.period_end).closure_tolerance
        return balance_test.assess(self.as_hydro(), tolerance)


class BalanceUnit(models.Model):
    """One water-using unit of a balance test, its volumes over the test period."""

    test = models.ForeignKey(
        BalanceTest, verbose_name=_("balance test"), on_delete=models.CASCADE, related_name="units"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("unit name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    fresh_m3 = models.FloatField(_("fresh water (m³)"))
    reused_m3 = models.FloatField(_("reused water (m³)"))
    consumed_m3 = models.FloatField(_("consumed (m³)"))
    discharged_m3 = models.FloatField(_("discharged (m³)"))
    leaked_m3 = models.FloatField(_("leaked (m³)"))
    steam_t = models.FloatField(_("steam raised (t)"), null=True, blank=True)
    condensate_recovered_t = models.FloatField(_("condensate recovered (t)"), null=True, blank=True)

    class Meta:
        ordering = ["test", "position", "pk"]
        verbose_name = _("water-using unit")
        verbose_name_plural = _("water-using units")

    def as_hydro(self) -> balance_test.WaterUnit:
        return balance_test.WaterUnit(
            name=self.name,
            kind=self.kind,
            fresh_m3=self.fresh_m3,
            reused_m3=self.reused_m3,
            consumed_m3=self.consumed_m3,
            discharged_m3=self.discharged_m3,
            leaked_m3=self.leaked_m3,
            steam_t=self.steam_t,
            condensate_recovered_t=self.condensate_recovered_t,
        )


class ReviewDecision(models.TextChoices):
    RETURNED = "returned", _("Returned with comments")
    ACCEPTED = "accepted", _("Accepted")


class BalanceTestReview(models.Model):
    """The bureau's review of a submitted test: returned with comments, or accepted."""

    test = models.ForeignKey(
        BalanceTest, verbose_name=_("balance test"), on_delete=models.CASCADE, related_name="reviews"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=ReviewDecision.choices)
    comment = models.TextField(_("comments"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("balance test review")
        verbose_name_plural = _("balance test reviews")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class CarrierCertificate(models.Model):
    """A water-saving enterprise or unit certificate, from an accepted balance test that met every threshold."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    water_user = models.ForeignKey(
        "water.WaterUser", verbose_name=_("water user"), on_delete=models.PROTECT, related_name="carrier_certificates"
    )
    test = models.OneToOneField(
        BalanceTest, verbose_name=_("balance test"), on_delete=models.PROTECT, related_name="certificate"
    )
    carrier_kind = models.CharField(_("carrier kind"), max_length=16, choices=CarrierKind.choices)
    checks = models.JSONField(_("checks"), default=list, help_text=_("Each indicator, its value and threshold."))
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["expires_on", "number"]
        verbose_name = _("water-saving carrier certificate")
        verbose_name_plural = _("water-saving carrier certificates")

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.status == CertificateStatus.VALID and self.issued_on <= day <= self.expires_on


class ProductOutput(models.Model):
    """A water user's product output in a year, reported for quota benchmarking (用水定额对标)."""

    water_user = models.ForeignKey(
        "water.WaterUser", verbose_name=_("water user"), on_delete=models.PROTECT, related_name="product_outputs"
    )
    quota = models.ForeignKey("water.WaterQuota", verbose_name=_("product quota"), on_delete=models.PROTECT)
    year = models.PositiveIntegerField(_("year"))
    output = models.FloatField(_("product output"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "water_user__code"]
        verbose_name = _("product output")
        verbose_name_plural = _("product outputs")
        constraints = [
            models.UniqueConstraint(fields=["water_user", "quota", "year"], name="one_output_per_user_quota_year")
        ]


class ScorecardProfile(models.Model):
    """An evaluation standard: categories of indicators with points, thresholds and the pass line."""

    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=200)
    pass_line = models.FloatField(_("pass line (points)"))
    effective_from = models.DateField(_("effective from"))
    to_verify = models.BooleanField(_("to verify"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("scorecard profile")
        verbose_name_plural = _("scorecard profiles")

    def __str__(self) -> str:
        return self.name


class ComputedFrom(models.TextChoices):
    """Where Civic computes an indicator from its own records; MANUAL where it cannot."""

    MANUAL = "manual", _("Manual entry with evidence")
    PLANNED_USE_COVERAGE = "planned_use_coverage", _("Planned-use coverage of listed users")
    METERING_RATE = "metering_rate", _("Metering rate of listed users")
    SURCHARGE_IN_FORCE = "surcharge_in_force", _("Over-plan surcharge in force")
    NETWORK_LEAKAGE_RATE = "network_leakage_rate", _("Network leakage rate (CJJ 92)")
    CARRIER_COVERAGE = "carrier_coverage", _("Water-saving carrier coverage")
    QUOTA_COMPLIANCE = "quota_compliance", _("Share of users within quota")


class ScorecardIndicator(models.Model):
    """One indicator of a profile: its points, how it is scored and where its value comes from."""

    profile = models.ForeignKey(
        ScorecardProfile, verbose_name=_("profile"), on_delete=models.CASCADE, related_name="indicators"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    category = models.CharField(_("category"), max_length=100)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    points = models.FloatField(_("points"))
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.AT_LEAST)
    threshold = models.FloatField(_("threshold for full points"))
    zero_at = models.FloatField(_("value scoring nothing"), null=True, blank=True)
    is_bonus = models.BooleanField(_("bonus item"), default=False)
    required = models.BooleanField(_("required"), default=False)
    computed_from = models.CharField(
        _("computed from"), max_length=32, choices=ComputedFrom.choices, default=ComputedFrom.MANUAL
    )
    source = models.CharField(_("source"), max_length=200)
    to_verify = models.BooleanField(_("to verify"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["profile", "position", "pk"]
        verbose_name = _("scorecard indicator")
        verbose_name_plural = _("scorecard indicators")
        constraints = [models.UniqueConstraint(fields=["profile", "code"], name="one_indicator_code_per_profile")]

    def __str__(self) -> str:
        return f"{self.category} · {self.name}"


class Scorecard(models.Model):
    """The county's scorecard for one year under one profile."""

    profile = models.ForeignKey(ScorecardProfile, verbose_name=_("profile"), on_delete=models.PROTECT)
    year = models.PositiveIntegerField(_("year"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [models.UniqueConstraint(fields=["profile", "year"], name="one_scorecard_per_profile_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.profile.name}"


class ScorecardEntry(models.Model):
    """An indicator's value in a scorecard: computed with its trace, or entered by hand with evidence."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="entries"
    )
    indicator = models.ForeignKey(ScorecardIndicator, verbose_name=_("indicator"), on_delete=models.CASCADE)
    value = models.FloatField(_("value"), null=True, blank=True)
    trace = models.JSONField(_("figures and records"), default=dict, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="evaluation/evidence/", blank=True)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["scorecard", "indicator__position"]
        verbose_name = _("scorecard entry")
        verbose_name_plural = _("scorecard entries")
        constraints = [models.UniqueConstraint(fields=["scorecard", "indicator"], name="one_entry_per_indicator")]
