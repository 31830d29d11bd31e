"""Records of planned water use: the register, quotas, plans, readings and surcharge bills.

Volumes are stored in m³ and prices in yuan per m³; rules a county may change
(planning parameters, tariffs, surcharge tiers, quotas) are dated rows.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.core.identifiers import validate_unified_social_credit_code


class Industry(models.Model):
    """A class of the national economic industry classification (GB/T 4754-2017)."""

    code = models.CharField(_("GB/T 4754 code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WaterUserKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    RESIDENTIAL_COMMUNITY = "residential_community", _("Residential community")
    FARM = "farm", _("Farm")


class WaterSource(models.TextChoices):
    PUBLIC_SUPPLY = "public_supply", _("Public supply")
    SURFACE = "surface", _("Surface water")
    GROUNDWATER = "groundwater", _("Groundwater")
    RECLAIMED = "reclaimed", _("Reclaimed water")


class PlannedUseStatus(models.TextChoices):
    LISTED = "listed", _("On the planned-use list")
    CANDIDATE = "candidate", _("Candidate")
    NOT_LISTED = "not_listed", _("Not listed")


class WaterUser(models.Model):
    """A registered water user (用水户): an enterprise, institution, community or farm."""

    code = models.CharField(_("user number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    social_credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_unified_social_credit_code],
        help_text=_("18 characters, as on the business licence (GB 32100-2015)."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=WaterUserKind.choices)
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), on_delete=models.PROTECT, null=True, blank=True)
    town = models.ForeignKey("core.Region", verbose_name=_("town or street"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    water_sources = models.JSONField(_("water sources"), default=list, blank=True)
    planned_use_status = models.CharField(
        _("planned-use status"), max_length=16, choices=PlannedUseStatus.choices, default=PlannedUseStatus.LISTED
    )
    is_water_saving_enterprise = models.BooleanField(_("water-saving industry enterprise"), default=False)
    water_saving_segment = models.CharField(_("water-saving segment"), max_length=50, blank=True)
    design_annual_use_m3 = models.FloatField(_("design annual use (m³)"), null=True, blank=True)
    reasonable_use_coefficient = models.FloatField(
        _("reasonable-use coefficient"),
        null=True,
        blank=True,
        help_text=_("The user's own, from its water balance test; empty: the county's coefficient."),
    )
    water_balance_test_on = models.DateField(_("water balance test date"), null=True, blank=True)
    closed_on = models.DateField(_("account closed on"), null=True, blank=True)
    closure_reason = models.TextField(_("reason for closing"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("water user")
        verbose_name_plural = _("water users")
        constraints = [
            models.UniqueConstraint(
                fields=["social_credit_code"],
                condition=~models.Q(social_credit_code=""),
                name="one_water_user_per_social_credit_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def billing_readings(self) -> models.QuerySet[MeterReading]:
        """Readings of the user's top-level meters: the ones whose sum is the user's use."""
        return MeterReading.objects.filter(meter__water_user=self, meter__parent__isnull=True)

    def actual_use_m3(self, first_day: datetime.date, last_day: datetime.date) -> float:
        """Metered use between two dates, inclusive; a reading's volume counts in the month of its date."""
        total = (
            self.billing_readings()
            .filter(reading_date__range=(first_day, last_day))
            .aggregate(total=models.Sum("volume_m3"))["total"]
        )
        return float(total or 0.0)

    def monthly_use_m3(self, year: int) -> dict[int, float]:
        """Metered use per month of `year` ({month: m³}); months without readings are absent."""
        rows = (
            self.billing_readings()
            .filter(reading_date__year=year)
            .values_list("reading_date__month")
            .annotate(total=models.Sum("volume_m3"))
        )
        return {month: float(total) for month, total in rows}

    def annual_use_m3(self, year: int) -> float | None:
        """Metered use in `year`, or None when the user has no readings in that year."""
        months = self.monthly_use_m3(year)
        return sum(months.values()) if months else None

    def yearly_use_m3(self, first_year: int, last_year: int) -> dict[int, float]:
        """Metered use per year from `first_year` to `last_year` ({year: m³}); years without readings are absent."""
        rows = (
            self.billing_readings()
            .filter(reading_date__range=(datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)))
            .values_list("reading_date__year")
            .annotate(total=models.Sum("volume_m3"))
        )
        return {year: float(total) for year, total in rows}

    def metered_since(self) -> datetime.date | None:
        """Day the user's use began to be metered: its first billing meter's installation (a meter's first reading
        counts from there); None when the user has no billing readings at all."""
        if not self.billing_readings().exists():
            return None
        return self.meters.filter(parent__isnull=True).aggregate(first=models.Min("installed_on"))["first"]

    def read_until(self) -> datetime.date | None:
        """Date of the user's latest billing reading, or None."""
        return self.billing_readings().aggregate(last=models.Max("reading_date"))["last"]

    def issued_plan(self, year: int) -> AnnualPlan | None:
        return self.plans.filter(year=year, status=PlanStatus.ISSUED).first()

    def planned_use_m3(self, first_day: datetime.date, last_day: datetime.date) -> float | None:
        """Planned use over whole months between two dates, from issued plans; None if no plan covers them."""
        totals = MonthlyPlan.objects.filter(
            plan_months_starting_between(first_day, last_day), plan__water_user=self, plan__status=PlanStatus.ISSUED
        ).aggregate(months=models.Count("pk"), total=models.Sum("volume_m3"))
        return float(totals["total"]) if totals["months"] else None


def plan_months_starting_between(first_day: datetime.date, last_day: datetime.date) -> models.Q:
    """A filter of monthly plans to the months whose first day falls between two dates, inclusive."""
    months_in_period = models.Q(pk__in=[])
    for year in range(first_day.year, last_day.year + 1):
        months = [month for month in range(1, 13) if first_day <= datetime.date(year, month, 1) <= last_day]
        months_in_period |= models.Q(plan__year=year, month__in=months)
    return months_in_period


class WaterUserReporter(models.Model):
    """An enterprise reporter's link to the one water user whose records they see and file."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="water_user_reporter",
    )
    water_user = models.ForeignKey(
        WaterUser,
        verbose_name=_("water user"),
        on_delete=models.PROTECT,
        related_name="reporter_links",
        help_text=_("For enterprise reporters: the one water user whose records they see."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise reporter's water user")
        verbose_name_plural = _("enterprise reporters' water users")

    def __str__(self) -> str:
        return f"{self.user} → {self.water_user}"


class Meter(models.Model):
    """A water meter; a sub-meter names its parent, a replacement names the meter it replaces."""

    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    water_user = models.ForeignKey(
        WaterUser, verbose_name=_("water user"), on_delete=models.PROTECT, related_name="meters"
    )
    size_mm = models.PositiveIntegerField(_("nominal size (mm)"), default=50)
    source = models.CharField(
        _("water source"), max_length=32, choices=WaterSource.choices, default=WaterSource.PUBLIC_SUPPLY
    )
    installed_on = models.DateField(_("install date"))
    removed_on = models.DateField(_("removal date"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent meter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_meters",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces meter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    initial_index_m3 = models.FloatField(_("index at installation (m³)"), default=0)
    index_capacity_m3 = models.FloatField(
        _("index capacity (m³)"), default=1_000_000, help_text=_("The index rolls over to zero on reaching this value.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["serial"]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")

    def __str__(self) -> str:
        return self.serial

    @property
    def is_billing_meter(self) -> bool:
        """Only top-level meters count towards a user's use; sub-meters split it."""
        return self.parent_id is None


class ImportStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ReadingImportBatch(models.Model):
    """One imported readings file: a re-import of the same bytes is recognised by its checksum."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    first_reading_date = models.DateField(_("first reading date"), null=True, blank=True)
    last_reading_date = models.DateField(_("last reading date"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("readings import")
        verbose_name_plural = _("readings imports")
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"], condition=models.Q(status="accepted"), name="one_accepted_batch_per_file"
            )
        ]


class MeterReading(models.Model):
    """A meter's reading on a date: the index (if read) and the volume since the previous reading."""

    meter = models.ForeignKey(Meter, verbose_name=_("meter"), on_delete=models.PROTECT, related_name="readings")
    reading_date = models.DateField(_("reading date"))
    index_m3 = models.FloatField(_("index (m³)"), null=True, blank=True)
    volume_m3 = models.FloatField(_("volume (m³)"))
    batch = models.ForeignKey(
        ReadingImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="readings",
    )

    class Meta:
        ordering = ["meter", "reading_date"]
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        constraints = [models.UniqueConstraint(fields=["meter", "reading_date"], name="one_reading_per_meter_and_date")]


class StagedReading(models.Model):
    """A reading of an import under way, written chunk by chunk in short transactions before its one commit.

    Nothing reads these rows but the import that staged them: it moves them
    into MeterReading in one short transaction and deletes them, so a long
    import never holds the database's write lock for long (SQLite has one
    writer at a time). Rows of an import killed midway are deleted by a
    later import once older than an hour.
    """

    token = models.CharField(max_length=32, db_index=True)
    staged_at = models.DateTimeField(auto_now_add=True, db_index=True)
    meter_pk = models.BigIntegerField()
    reading_date = models.DateField()
    index_m3 = models.FloatField(null=True)
    volume_m3 = models.FloatField()


class QuotaLevel(models.TextChoices):
    LEADING = "leading", _("Leading value")
    ADVANCED = "advanced", _("Advanced value")
    GENERAL = "general", _("General value")


class WaterQuota(models.Model):
    """A water-use quota (用水定额) for one product of one industry, in force between two dates."""

    industry = models.ForeignKey(Industry, verbose_name=_("industry"), on_delete=models.PROTECT, related_name="quotas")
    product = models.CharField(_("product or service"), max_length=100)
    unit = models.CharField(_("unit"), max_length=30, help_text=_("For example m³/t or m³/(person·a)."))
    leading_value = models.FloatField(_("leading value"), null=True, blank=True)
    advanced_value = models.FloatField(_("advanced value"), null=True, blank=True)
    general_value = models.FloatField(_("general value"))
    source_standard = models.CharField(_("source standard"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    to_verify = models.BooleanField(_("to verify"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["industry__code", "product", "-effective_from"]
        verbose_name = _("water-use quota")
        verbose_name_plural = _("water-use quotas")
        constraints = [
            models.UniqueConstraint(
                fields=["industry", "product", "effective_from"], name="one_quota_per_product_and_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.industry.code} {self.product}"


class PlanningParameters(models.Model):
    """The county's annual-plan rule in force from a date (计划用水核定参数)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    reasonable_use_coefficient = models.FloatField(_("reasonable-use coefficient"), default=1.0)
    maximum_growth_rate = models.FloatField(
        _("maximum growth rate"),
        default=0.10,
        help_text=_("Cap on the mean yearly growth used in the plan, as a fraction."),
    )
    listing_threshold_m3_per_year = models.FloatField(
        _("listing threshold (m³/year)"),
        default=10_000,
        help_text=_(
            "Non-residential users whose public-supply use in their last complete year is at or above it are listed."
        ),
    )
    listing_threshold_source = models.CharField(
        _("source of the listing threshold"), max_length=200, blank=True, help_text=_("Document and clause.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("planning parameters")
        verbose_name_plural = _("planning parameters")


class WaterTariff(models.Model):
    """The price of water for a kind of user, in force from a date: the basic price and the sewage charge apart.

    The over-plan surcharge is a multiple of the basic water price (基本水价) alone, without the sewage
    charge ([JS-SUPPLY-DRAFT], over-plan clause: "加价水费为基本水价的…倍").
    """

    kind = models.CharField(_("user kind"), max_length=32, choices=WaterUserKind.choices)
    basic_price_yuan_per_m3 = models.DecimalField(
        _("basic water price (yuan/m³)"), max_digits=8, decimal_places=2, help_text=_("Without the sewage charge.")
    )
    sewage_charge_yuan_per_m3 = models.DecimalField(
        _("sewage charge (yuan/m³)"), max_digits=8, decimal_places=2, default=0
    )
    effective_from = models.DateField(_("effective from"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-effective_from"]
        verbose_name = _("water tariff")
        verbose_name_plural = _("water tariffs")
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"], name="one_tariff_per_kind_and_start")]


class PlanMethod(models.TextChoices):
    HISTORY = "history", _("From use history")
    QUOTA = "quota", _("Quota × planned output")
    DESIGN = "design", _("Design use (new user)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    UNDER_REVIEW = "under_review", _("Under review")
    ISSUED = "issued", _("Issued")


class AnnualPlan(models.Model):
    """A water user's planned use for one year, with how it was worked out, and its monthly split."""

    water_user = models.ForeignKey(
        WaterUser, verbose_name=_("water user"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveIntegerField(_("year"))
    method = models.CharField(_("method"), max_length=16, choices=PlanMethod.choices)
    annual_volume_m3 = models.FloatField(_("annual plan (m³)"))
    basis = models.JSONField(
        _("basis"), default=dict, blank=True, help_text=_("The inputs the plan was worked out from.")
    )
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "water_user__code"]
        verbose_name = _("annual water plan")
        verbose_name_plural = _("annual water plans")
        constraints = [models.UniqueConstraint(fields=["water_user", "year"], name="one_plan_per_user_and_year")]

    def __str__(self) -> str:
        return f"{self.water_user.code} {self.year}"


class MonthlyPlan(models.Model):
    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(_("month"))
    volume_m3 = models.FloatField(_("planned volume (m³)"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "month"]
        constraints = [models.UniqueConstraint(fields=["plan", "month"], name="one_month_per_plan")]
        verbose_name = _("monthly plan")
        verbose_name_plural = _("monthly plans")


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PlanAdjustmentRequest(models.Model):
    """A water user's request to change its issued plan, and the bureau's decision."""

    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="adjustments")
    requested_volume_m3 = models.FloatField(_("requested annual volume (m³)"))
    requested_months = models.JSONField(_("requested monthly split"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("plan adjustment request")
        verbose_name_plural = _("plan adjustment requests")


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class SurchargeMode(models.TextChoices):
    """How the bands apply ([JS-SUPPLY-DRAFT] charges the whole over-plan part at the band reached)."""

    WHOLE_EXCESS = "whole_excess", _("Whole excess at the multiple of the band reached")
    BANDED = "banded", _("Each band at its own multiple")


class SurchargeSchedule(models.Model):
    """The county's over-plan surcharge rule (超计划累进加价) in force from a date, and the document it follows."""

    name = models.CharField(_("name"), max_length=100)
    source_document = models.CharField(
        _("document"), max_length=200, blank=True, help_text=_("The document and clause the rule follows.")
    )
    to_verify = models.BooleanField(
        _("to verify"), default=False, help_text=_("A draft or secondary source, to check against the county's rule.")
    )
    effective_from = models.DateField(_("effective from"), unique=True)
    billing_period = models.CharField(
        _("billing period"), max_length=16, choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY
    )
    mode = models.CharField(
        _("how the bands apply"), max_length=16, choices=SurchargeMode.choices, default=SurchargeMode.WHOLE_EXCESS
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("surcharge schedule")
        verbose_name_plural = _("surcharge schedules")

    def __str__(self) -> str:
        return self.name


class SurchargeTier(models.Model):
    """One band of excess over plan, as fractions of the plan, and its multiple of the base price."""

    schedule = models.ForeignKey(
        SurchargeSchedule, verbose_name=_("surcharge schedule"), on_delete=models.CASCADE, related_name="tiers"
    )
    lower_excess_fraction = models.FloatField(_("excess from (fraction of plan)"))
    upper_excess_fraction = models.FloatField(_("excess up to (fraction of plan)"), null=True, blank=True)
    multiplier = models.FloatField(_("multiple of base price"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "lower_excess_fraction"]
        verbose_name = _("surcharge tier")
        verbose_name_plural = _("surcharge tiers")


class BillStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    DELIVERED = "delivered", _("Delivered")
    OBJECTED = "objected", _("Objection under review")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# Bills still to be paid: the payment falls due whether or not an objection is under review.
UNSETTLED_BILL_STATUSES = (BillStatus.ISSUED, BillStatus.DELIVERED, BillStatus.OBJECTED)


class ObjectionOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the bill is cancelled")
    DISMISSED = "dismissed", _("Dismissed: the bill stands")


class SurchargeBill(models.Model):
    """An over-plan surcharge bill for one water user and one period."""

    number = models.CharField(_("bill number"), max_length=32, unique=True)
    water_user = models.ForeignKey(
        WaterUser, verbose_name=_("water user"), on_delete=models.PROTECT, related_name="bills"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    planned_m3 = models.FloatField(_("planned (m³)"))
    actual_m3 = models.FloatField(_("actual (m³)"))
    excess_m3 = models.FloatField(_("excess (m³)"))
    base_price_yuan_per_m3 = models.DecimalField(_("basic water price (yuan/m³)"), max_digits=8, decimal_places=2)
    amount_yuan = models.DecimalField(_("surcharge (yuan)"), max_digits=14, decimal_places=2)
    breakdown = models.JSONField(_("breakdown by band"), default=list)
    schedule = models.ForeignKey(SurchargeSchedule, verbose_name=_("schedule"), on_delete=models.PROTECT)
    mode = models.CharField(
        _("how the bands applied"), max_length=16, choices=SurchargeMode.choices, default=SurchargeMode.WHOLE_EXCESS
    )
    source_document = models.CharField(_("document applied"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=BillStatus.choices, default=BillStatus.ISSUED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=50, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    objection_received_on = models.DateField(_("objection received on"), null=True, blank=True)
    objection = models.TextField(_("objection"), blank=True)
    objection_decided_on = models.DateField(_("objection decided on"), null=True, blank=True)
    objection_outcome = models.CharField(
        _("outcome of the objection"), max_length=16, choices=ObjectionOutcome.choices, blank=True
    )
    objection_decision = models.TextField(_("decision on the objection"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "water_user__code"]
        verbose_name = _("surcharge bill")
        verbose_name_plural = _("surcharge bills")
        constraints = [
            models.UniqueConstraint(
                fields=["water_user", "period_start", "period_end"], name="one_bill_per_user_and_period"
            )
        ]

    def __str__(self) -> str:
        return self.number


SQUARE_METRES_PER_MU = 10_000 / 15


class FarmlandProgram(models.Model):
    """A high-standard farmland construction target (高标准农田) for a plan period, and progress on it."""

    name = models.CharField(_("name"), max_length=100)
    period_start_year = models.PositiveIntegerField(_("first year"))
    period_end_year = models.PositiveIntegerField(_("last year"))
    target_area_m2 = models.FloatField(_("target area (m²)"))
    completed_area_m2 = models.FloatField(_("completed area (m²)"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start_year"]
        verbose_name = _("farmland programme")
        verbose_name_plural = _("farmland programmes")

    def __str__(self) -> str:
        return self.name

    @property
    def target_mu(self) -> float:
        return self.target_area_m2 / SQUARE_METRES_PER_MU

    @property
    def completed_mu(self) -> float:
        return self.completed_area_m2 / SQUARE_METRES_PER_MU


# The metering summaries and the reuse studies live in their own modules; they build on the
# records above, so they are imported once those exist.
from civic.water.models.metering import (  # noqa: E402, F401
    AlarmStatus,
    AnomalyKind,
    CustomerAlarm,
    CustomerOutcome,
    DmaBalance,
    DmaNightFlow,
    DmaNightFlowAlarm,
    LeakageRateParameters,
    MeterCustomer,
    MeteringParameters,
    MeteringRun,
    NightFlowOutcome,
    WaterAudit,
)
from civic.water.models.network import (  # noqa: E402, F401
    NetworkAnalysis,
    NetworkLeakAlarm,
    NetworkLeakOutcome,
    NetworkModel,
)
from civic.water.models.reuse import (  # noqa: E402, F401
    ReuseSite,
    ReuseStream,
    ReuseStreamKind,
    ReuseStudy,
)
