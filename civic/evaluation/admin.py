"""The back office of the evaluation: the dated rules (tolerance, validity, carrier thresholds, the
scorecard profile) are edited here, each change kept in the history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from civic.evaluation import models


@admin.register(models.EvaluationParameters)
class EvaluationParametersAdmin(SimpleHistoryAdmin):
    list_display = ("effective_from", "closure_tolerance", "certificate_validity_years", "source", "to_verify")


class CarrierThresholdInline(admin.TabularInline):
    model = models.CarrierThreshold
    extra = 0
    fields = ("indicator", "direction", "value", "source", "to_verify", "effective_from", "effective_to")


@admin.register(models.CarrierSector)
class CarrierSectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "carrier_kind")
    search_fields = ("code", "name", "name_en")
    inlines = [CarrierThresholdInline]


@admin.register(models.CarrierThreshold)
class CarrierThresholdAdmin(SimpleHistoryAdmin):
    list_display = ("sector", "indicator", "direction", "value", "source", "to_verify", "effective_from")
    list_filter = ("sector", "indicator", "to_verify")


class BalanceUnitInline(admin.TabularInline):
    model = models.BalanceUnit
    extra = 0


@admin.register(models.BalanceTest)
class BalanceTestAdmin(SimpleHistoryAdmin):
    list_display = ("water_user", "sector", "period_start", "period_end", "status")
    list_filter = ("status", "sector")
    search_fields = ("water_user__name", "water_user__code")
    raw_id_fields = ("water_user", "quota")
    inlines = [BalanceUnitInline]


@admin.register(models.CarrierCertificate)
class CarrierCertificateAdmin(SimpleHistoryAdmin):
    list_display = ("number", "water_user", "carrier_kind", "issued_on", "expires_on", "status")
    list_filter = ("carrier_kind", "status")
    search_fields = ("number", "water_user__name")
    raw_id_fields = ("water_user", "test")


@admin.register(models.ProductOutput)
class ProductOutputAdmin(SimpleHistoryAdmin):
    list_display = ("water_user", "quota", "year", "output")
    list_filter = ("year",)
    search_fields = ("water_user__name", "water_user__code")
    raw_id_fields = ("water_user", "quota")


class ScorecardIndicatorInline(admin.TabularInline):
    model = models.ScorecardIndicator
    extra = 0
    fields = (
        "position",
        "category",
        "code",
        "name",
        "unit",
        "points",
        "direction",
        "threshold",
        "zero_at",
        "is_bonus",
        "required",
        "computed_from",
        "source",
        "to_verify",
    )


@admin.register(models.ScorecardProfile)
class ScorecardProfileAdmin(SimpleHistoryAdmin):
    list_display = ("name", "source", "pass_line", "effective_from", "to_verify")
    inlines = [ScorecardIndicatorInline]


@admin.register(models.Scorecard)
class ScorecardAdmin(SimpleHistoryAdmin):
    list_display = ("year", "profile", "created_at")
