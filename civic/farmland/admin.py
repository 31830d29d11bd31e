from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from civic.farmland.models import FarmlandProject, FarmlandTarget, IrrigationYear, SampleDistrict, TypicalField


@admin.register(FarmlandTarget)
class FarmlandTargetAdmin(SimpleHistoryAdmin):
    list_display = ["plan_name", "town", "first_year", "last_year", "area_mu", "source"]


@admin.register(FarmlandProject)
class FarmlandProjectAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "town", "plan_year", "area_mu", "irrigation_method", "status"]
    list_filter = ["status", "irrigation_method", "plan_year"]
    search_fields = ["code", "name"]


class TypicalFieldInline(admin.TabularInline):
    model = TypicalField
    extra = 0


@admin.register(SampleDistrict)
class SampleDistrictAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "district_class", "size_group", "gross_m3"]
    list_filter = ["year", "district_class"]
    inlines = [TypicalFieldInline]


@admin.register(IrrigationYear)
class IrrigationYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "provincial_value", "national_value", "county_target"]
