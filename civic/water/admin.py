from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from civic.core.admin import RoleBindingFormSet, RoleBindingInline, add_user_inline
from civic.core.models import Role
from civic.water import models


class WaterUserReporterInline(RoleBindingInline):
    """On the user's page: the one water user an enterprise reporter reports for."""

    model = models.WaterUserReporter
    formset = RoleBindingFormSet
    autocomplete_fields = ("water_user",)
    required_role = Role.ENTERPRISE_REPORTER
    missing_message = _("An enterprise reporter must be bound to one water user.")


add_user_inline(WaterUserReporterInline)


@admin.register(models.Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


class MeterInline(admin.TabularInline):
    model = models.Meter
    fk_name = "water_user"
    extra = 0
    fields = ("serial", "size_mm", "source", "installed_on", "removed_on", "parent", "replaces", "initial_index_m3")
    raw_id_fields = ("parent", "replaces")


@admin.register(models.WaterUser)
class WaterUserAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "industry", "town", "planned_use_status")
    list_filter = ("kind", "planned_use_status", "town", "is_water_saving_enterprise")
    search_fields = ("code", "name", "social_credit_code", "address", "contact_name")
    inlines = [MeterInline]


@admin.register(models.Meter)
class MeterAdmin(SimpleHistoryAdmin):
    list_display = ("serial", "water_user", "size_mm", "source", "installed_on", "parent")
    search_fields = ("serial", "water_user__name", "water_user__code")
    raw_id_fields = ("water_user", "parent", "replaces")


@admin.register(models.ReadingImportBatch)
class ReadingImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "status",
        "row_count",
        "first_reading_date",
        "last_reading_date",
        "imported_by",
        "imported_at",
    )
    list_filter = ("status",)


@admin.register(models.WaterQuota)
class WaterQuotaAdmin(SimpleHistoryAdmin):
    list_display = (
        "industry",
        "product",
        "unit",
        "leading_value",
        "advanced_value",
        "general_value",
        "effective_from",
        "to_verify",
    )
    list_filter = ("to_verify", "industry")
    search_fields = ("product", "industry__code", "industry__name")


@admin.register(models.PlanningParameters)
class PlanningParametersAdmin(SimpleHistoryAdmin):
    list_display = (
        "effective_from",
        "reasonable_use_coefficient",
        "maximum_growth_rate",
        "listing_threshold_m3_per_year",
        "listing_threshold_source",
    )


@admin.register(models.WaterTariff)
class WaterTariffAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "basic_price_yuan_per_m3", "sewage_charge_yuan_per_m3", "effective_from")


class MonthlyPlanInline(admin.TabularInline):
    model = models.MonthlyPlan
    extra = 0


@admin.register(models.AnnualPlan)
class AnnualPlanAdmin(SimpleHistoryAdmin):
    list_display = ("water_user", "year", "method", "annual_volume_m3", "status")
    list_filter = ("year", "status", "method")
    search_fields = ("water_user__code", "water_user__name")
    raw_id_fields = ("water_user",)
    inlines = [MonthlyPlanInline]


@admin.register(models.PlanAdjustmentRequest)
class PlanAdjustmentRequestAdmin(SimpleHistoryAdmin):
    list_display = ("plan", "requested_volume_m3", "status", "requested_by", "requested_at", "decided_by")
    list_filter = ("status",)


class SurchargeTierInline(admin.TabularInline):
    model = models.SurchargeTier
    extra = 0


@admin.register(models.SurchargeSchedule)
class SurchargeScheduleAdmin(SimpleHistoryAdmin):
    list_display = ("name", "source_document", "to_verify", "effective_from", "billing_period", "mode")
    inlines = [SurchargeTierInline]


@admin.register(models.SurchargeBill)
class SurchargeBillAdmin(SimpleHistoryAdmin):
    list_display = ("number", "water_user", "period_start", "period_end", "excess_m3", "amount_yuan", "status")
    list_filter = ("status", "period_start")
    search_fields = ("number", "water_user__code", "water_user__name")
    raw_id_fields = ("water_user",)


@admin.register(models.FarmlandProgram)
class FarmlandProgramAdmin(SimpleHistoryAdmin):
    list_display = ("name", "period_start_year", "period_end_year", "target_area_m2", "completed_area_m2")


# --- METERING ---


@admin.register(models.MeteringParameters)
class MeteringParametersAdmin(SimpleHistoryAdmin):
    list_display = [
        "effective_from",
        "night_use_l_per_h_per_connection",
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
        "night_flow_allowance_sigma",
        "night_flow_threshold_sigma",
    ]


@admin.register(models.LeakageRateParameters)
class LeakageRateParametersAdmin(SimpleHistoryAdmin):
    list_display = ["effective_from", "residential_factor", "length_factor", "first_grade_pct", "second_grade_pct"]


@admin.register(models.MeteringRun)
class MeteringRunAdmin(admin.ModelAdmin):
    list_display = ["period_start", "period_end", "engine", "created_at", "created_by"]
    exclude = ["zones"]


@admin.register(models.CustomerAlarm)
class CustomerAlarmAdmin(SimpleHistoryAdmin):
    list_display = ["meter_code", "dma_code", "kind", "start", "status", "assignee", "outcome"]
    list_filter = ["kind", "status", "outcome"]
    search_fields = ["meter_code", "dma_code"]
    raw_id_fields = ["run", "assignee", "closed_by"]
    exclude = ["use_series"]


@admin.register(models.MeterCustomer)
class MeterCustomerAdmin(admin.ModelAdmin):
    list_display = ["meter_code", "account", "name", "address", "phone", "updated_at"]
    search_fields = ["meter_code", "account", "name", "address"]


@admin.register(models.DmaNightFlowAlarm)
class DmaNightFlowAlarmAdmin(SimpleHistoryAdmin):
    list_display = ["dma_code", "start", "detected", "status", "assignee", "outcome", "volume_recovered_m3"]
    list_filter = ["status", "outcome"]
    search_fields = ["dma_code"]
    raw_id_fields = ["run", "assignee", "closed_by"]


@admin.register(models.NetworkModel)
class NetworkModelAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "file_name", "junctions", "pipes", "uploaded_at", "uploaded_by"]
    exclude = ["inp_text", "map_layers"]
    readonly_fields = ["version", "file_name", "junctions", "pipes", "total_length_m", "uploaded_by"]


@admin.register(models.NetworkAnalysis)
class NetworkAnalysisAdmin(admin.ModelAdmin):
    """Analyses with their job: the job (shown in the jobs' admin) holds the run's state, progress and failure."""

    list_display = ["pk", "network_model", "data_start", "data_end", "job", "created_by"]
    list_filter = ["job__state"]
    list_select_related = ["network_model", "job", "created_by"]
    exclude = [*models.NetworkAnalysis.DATA_FIELDS, "details"]
    raw_id_fields = ["network_model", "job", "created_by"]


@admin.register(models.NetworkLeakAlarm)
class NetworkLeakAlarmAdmin(SimpleHistoryAdmin):
    list_display = ["pipe_id", "start_time", "size_m3_per_h", "status", "assignee", "outcome", "volume_recovered_m3"]
    list_filter = ["status", "outcome"]
    search_fields = ["pipe_id"]
    raw_id_fields = ["analysis", "assignee", "closed_by"]


@admin.register(models.WaterAudit)
class WaterAuditAdmin(admin.ModelAdmin):
    list_display = ["utility_name", "year", "created_at", "created_by"]


# --- REUSE ---


@admin.register(models.ReuseStream)
class ReuseStreamAdmin(SimpleHistoryAdmin):
    list_display = ["water_user", "name", "kind", "flow_m3_per_h", "cod_mg_per_l"]
    list_filter = ["kind"]
    search_fields = ["water_user__code", "water_user__name", "name"]


@admin.register(models.ReuseSite)
class ReuseSiteAdmin(SimpleHistoryAdmin):
    list_display = ["water_user", "x_m", "y_m"]
    search_fields = ["water_user__code", "water_user__name"]


@admin.register(models.ReuseStudy)
class ReuseStudyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "created_by", "created_at", "solved_at"]
    search_fields = ["name"]
    filter_horizontal = ["firms"]
