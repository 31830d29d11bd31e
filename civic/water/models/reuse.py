"""Industrial reuse studies (企业串联用水, 中水回用): a firm's streams, what it could give and need, and the studies."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.water.models import (
    WaterUser,
)


class ReuseStreamKind(models.TextChoices):
    SOURCE = "source", _("Source: effluent that could be reused")
    SINK = "sink", _("Sink: demand that could take reused water")


class ReuseSite(models.Model):
    """Where a firm's streams are, on the county's plane grid (m), for pipe lengths between firms."""

    water_user = models.OneToOneField(
        WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE, related_name="reuse_site"
    )
    x_m = models.FloatField(_("east (m)"))
    y_m = models.FloatField(_("north (m)"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reuse site")
        verbose_name_plural = _("reuse sites")

    def __str__(self) -> str:
        return f"{self.water_user.code} ({self.x_m:.0f}, {self.y_m:.0f})"


class ReuseStream(models.Model):
    """A source (effluent of fixed flow and quality) or sink (demand with quality limits) of one firm.

    For a source the concentrations are what it carries; for a sink, the most
    it accepts (blank: no limit). Flows in m³/h (≈ t/h), concentrations in mg/L.
    """

    water_user = models.ForeignKey(
        WaterUser, verbose_name=_("water user"), on_delete=models.CASCADE, related_name="reuse_streams"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=ReuseStreamKind.choices)
    flow_m3_per_h = models.FloatField(_("flow (m³/h)"), validators=[MinValueValidator(0)])
    cod_mg_per_l = models.FloatField(_("COD (mg/L)"), validators=[MinValueValidator(0)])
    ammonia_mg_per_l = models.FloatField(
        _("ammonia nitrogen (mg/L)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    suspended_solids_mg_per_l = models.FloatField(
        _("suspended solids (mg/L)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["water_user__code", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["water_user", "name"], name="reuse_stream_unique_name")]
        verbose_name = _("reuse stream")
        verbose_name_plural = _("reuse streams")

    def __str__(self) -> str:
        return f"{self.water_user.code}/{self.name}"


class ReuseStudy(models.Model):
    """A reuse study: firms picked from the register, prices and pipe costs, and the scenarios' results."""

    name = models.CharField(_("name"), max_length=200)
    firms = models.ManyToManyField(WaterUser, verbose_name=_("firms"), related_name="reuse_studies")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    tap_price_yuan_per_m3 = models.DecimalField(
        _("tap water price (yuan/m³)"), max_digits=8, decimal_places=2, default=Decimal("4.50")
    )
    wastewater_price_yuan_per_m3 = models.DecimalField(
        _("discharge charge (yuan/m³)"), max_digits=8, decimal_places=2, default=Decimal("1.40")
    )
    reclaimed_price_yuan_per_m3 = models.DecimalField(
        _("reclaimed water price (yuan/m³)"), max_digits=8, decimal_places=2, default=Decimal("1.20")
    )
    reclaimed_cod_mg_per_l = models.FloatField(_("reclaimed water COD (mg/L)"), default=30.0)
    reclaimed_ammonia_mg_per_l = models.FloatField(_("reclaimed water ammonia nitrogen (mg/L)"), default=1.5)
    reclaimed_suspended_solids_mg_per_l = models.FloatField(_("reclaimed water suspended solids (mg/L)"), default=10.0)
    reclaimed_capacity_m3_per_h = models.FloatField(
        _("reclaimed water available (m³/h)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    pipe_fixed_cost_yuan = models.DecimalField(
        _("cost of any pipe between firms (yuan)"), max_digits=12, decimal_places=2, default=Decimal("50000")
    )
    pipe_cost_yuan_per_m = models.DecimalField(
        _("pipe cost per metre (yuan/m)"), max_digits=10, decimal_places=2, default=Decimal("600")
    )
    annualisation_factor = models.FloatField(_("annualisation factor (1/year)"), default=0.1)
    hours_per_year = models.FloatField(_("operating hours per year"), default=8000.0)
    results = models.JSONField(_("results"), default=dict, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reuse study")
        verbose_name_plural = _("reuse studies")

    def __str__(self) -> str:
        return self.name
