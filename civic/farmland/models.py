"""Farmland water saving: high-standard farmland projects against the plan, and the irrigation coefficient's samples."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hydro.irrigation import DISTRICT_CLASSES, MEDIUM_SIZE_GROUPS


class IrrigationMethod(models.TextChoices):
    PIPE = "pipe", _("Low-pressure pipe")
    SPRINKLER = "sprinkler", _("Sprinkler")
    MICRO = "micro", _("Micro and drip")
    LINED_CANAL = "lined_canal", _("Lined canal")
    EARTH_CANAL = "earth_canal", _("Earth canal")


EFFICIENT_METHODS = (IrrigationMethod.PIPE, IrrigationMethod.SPRINKLER, IrrigationMethod.MICRO)
"""Efficient water-saving irrigation (高效节水灌溉): pipe, sprinkler and micro irrigation."""


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    BIDDING = "bidding", _("Bidding")
    CONSTRUCTION = "construction", _("Under construction")
    ACCEPTANCE = "acceptance", _("Accepted")
    IN_USE = "in_use", _("In use")


BUILT_STATUSES = (ProjectStatus.ACCEPTANCE, ProjectStatus.IN_USE)
"""A project counts towards the plan once accepted."""


class FarmlandTarget(models.Model):
    """A plan's target of high-standard farmland to build, for the county or one town."""

    plan_name = models.CharField(_("plan"), max_length=60, help_text=_("e.g. the 14th Five-Year Plan"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    town = models.ForeignKey(
        "core.Region",
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty for the county's own target."),
    )
    area_mu = models.DecimalField(
        _("target area (mu)"), max_digits=12, decimal_places=1, validators=[MinValueValidator(0)]
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-last_year", "town__code"]
        verbose_name = _("farmland target")
        verbose_name_plural = _("farmland targets")
        constraints = [
            models.UniqueConstraint(fields=["plan_name", "town"], name="one_farmland_target_per_plan_and_town"),
            models.UniqueConstraint(
                fields=["plan_name"], condition=models.Q(town__isnull=True), name="one_county_farmland_target_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_name} {self.town or ''} {self.area_mu}"


class FarmlandProject(models.Model):
    """A high-standard farmland project (高标准农田建设项目) with its area, money, irrigation and status."""

    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    town = models.ForeignKey("core.Region", verbose_name=_("town"), on_delete=models.PROTECT, related_name="+")
    plan_year = models.PositiveSmallIntegerField(_("year of plan"))
    area_mu = models.DecimalField(_("area (mu)"), max_digits=10, decimal_places=1, validators=[MinValueValidator(0)])
    central_funds_10k_yuan = models.DecimalField(
        _("central funds (¥10,000)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    provincial_funds_10k_yuan = models.DecimalField(
        _("provincial funds (¥10,000)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    county_funds_10k_yuan = models.DecimalField(
        _("county funds (¥10,000)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    other_funds_10k_yuan = models.DecimalField(
        _("other funds (¥10,000)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    irrigation_method = models.CharField(_("irrigation method"), max_length=16, choices=IrrigationMethod.choices)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    boundary = models.JSONField(_("boundary"), null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon."))
    acceptance_document = models.FileField(_("acceptance document"), upload_to="farmland/acceptance/", blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-plan_year", "code"]
        verbose_name = _("high-standard farmland project")
        verbose_name_plural = _("high-standard farmland projects")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def investment_10k_yuan(self) -> Decimal:
        """The total investment from every source [¥10,000]."""
        return (
            self.central_funds_10k_yuan
            + self.provincial_funds_10k_yuan
            + self.county_funds_10k_yuan
            + self.other_funds_10k_yuan
        )

    @property
    def is_built(self) -> bool:
        return self.status in BUILT_STATUSES

    @property
    def is_efficient(self) -> bool:
        return self.irrigation_method in EFFICIENT_METHODS


DISTRICT_CLASS_CHOICES = [
    ("large", _("Large (300,000 mu or more)")),
    ("medium", _("Medium (10,000–300,000 mu)")),
    ("small", _("Small (under 10,000 mu)")),
    ("well", _("Pumped-well")),
]
SIZE_GROUP_CHOICES = [
    ("10k-50k", _("10,000–50,000 mu")),
    ("50k-150k", _("50,000–150,000 mu")),
    ("150k-300k", _("150,000–300,000 mu")),
]
assert [code for code, _label in DISTRICT_CLASS_CHOICES] == list(DISTRICT_CLASSES)
assert [code for code, _label in SIZE_GROUP_CHOICES] == list(MEDIUM_SIZE_GROUPS)


class IrrigationYear(models.Model):
    """A year's measurement of the irrigation water efficiency coefficient: the weights and the reference values."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    large_gross_m3 = models.FloatField(_("gross water of all large districts (m³)"), null=True, blank=True)
    medium_gross_m3 = models.FloatField(_("gross water of all medium districts (m³)"), null=True, blank=True)
    small_gross_m3 = models.FloatField(_("gross water of all small districts (m³)"), null=True, blank=True)
    well_gross_m3 = models.FloatField(_("gross water of all pumped-well districts (m³)"), null=True, blank=True)
    provincial_value = models.FloatField(_("provincial coefficient"), null=True, blank=True)
    national_value = models.FloatField(_("national coefficient"), null=True, blank=True)
    county_target = models.FloatField(_("county's target"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("irrigation coefficient year")
        verbose_name_plural = _("irrigation coefficient years")

    def __str__(self) -> str:
        return str(self.year)

    def class_gross_m3(self) -> dict[str, float]:
        """The classes' gross water as `hydro.irrigation.region_coefficient` takes it (classes left empty are left out)."""
        values = {
            "large": self.large_gross_m3,
            "medium": self.medium_gross_m3,
            "small": self.small_gross_m3,
            "well": self.well_gross_m3,
        }
        return {name: value for name, value in values.items() if value is not None}


class SampleDistrict(models.Model):
    """A sample irrigation district (样点灌区) of a year, with its gross intake and irrigated areas by crop."""

    year = models.ForeignKey(IrrigationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="districts")
    name = models.CharField(_("name"), max_length=80)
    district_class = models.CharField(_("class"), max_length=8, choices=DISTRICT_CLASS_CHOICES)
    size_group = models.CharField(_("size group"), max_length=12, blank=True, choices=SIZE_GROUP_CHOICES)
    gross_m3 = models.FloatField(_("gross water at the head (m³)"), validators=[MinValueValidator(0)])
    irrigated_area_mu = models.JSONField(_("irrigated area by crop (mu)"), default=dict)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "district_class", "name"]
        verbose_name = _("sample irrigation district")
        verbose_name_plural = _("sample irrigation districts")
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="one_sample_district_name_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class TypicalField(models.Model):
    """A typical field (典型田块) of a sample district, with its measured net irrigation water per mu."""

    district = models.ForeignKey(
        SampleDistrict, verbose_name=_("district"), on_delete=models.CASCADE, related_name="fields"
    )
    name = models.CharField(_("name"), max_length=40)
    crop = models.CharField(_("crop"), max_length=40)
    net_m3_per_mu = models.FloatField(_("net irrigation water (m³/mu)"), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["district", "name"]
        verbose_name = _("typical field")
        verbose_name_plural = _("typical fields")

    def __str__(self) -> str:
        return f"{self.district} {self.name}"
