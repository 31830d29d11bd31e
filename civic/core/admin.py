from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from civic.core.models import Region, User


@admin.register(User)
class CivicUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "get_full_name", "role", "water_user", "service_point", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("water_user", "service_point")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Role in Civic"), {"fields": ("role", "water_user", "service_point")}),
    )


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
