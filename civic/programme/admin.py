from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from civic.programme import models


@admin.register(models.Firm)
class FirmAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "town", "chain_role", "park"]
    list_filter = ["chain_role", "segments", "park"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["water_user"]


@admin.register(models.Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "firm", "kind", "technology", "stage", "applied_on"]
    list_filter = ["kind", "technology", "stage"]
    search_fields = ["number", "title", "firm__name"]
    raw_id_fields = ["firm", "meters"]


@admin.register(models.FitCriteriaRule)
class FitCriteriaRuleAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "maximum_cv_rmse",
        "maximum_absolute_nmbe",
        "maximum_fractional_uncertainty",
        "minimum_baseline_periods",
        "source",
    ]


@admin.register(models.SubsidyPolicy)
class SubsidyPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "year",
        "effective_from",
        "amount_per_m3_yuan",
        "investment_share",
        "project_cap_yuan",
        "firm_annual_cap_yuan",
        "demonstration_bonus_share",
        "annual_budget_yuan",
    ]


for model in (
    models.Segment,
    models.Park,
    models.FirmYear,
    models.SupplyRelation,
    models.FirmReporter,
    models.Product,
    models.ProjectStep,
    models.ExpertReview,
    models.MonthlyProduction,
    models.SavingsVerification,
    models.SubsidyDecision,
    models.SubsidyPayment,
    models.Feedback,
    models.UpgradeAdvice,
):
    admin.site.register(model)
