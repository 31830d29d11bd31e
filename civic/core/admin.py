from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from civic.core.models import Job, Region, ScheduledRun, User


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


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by the queue and its worker: the admin shows them and changes nothing."""

    list_display = ("pk", "kind", "state", "started_by", "attempts", "created_at", "finished_at")
    list_filter = ("kind", "state")
    search_fields = ("started_by__username", "error")
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("entry", "due_at", "job", "queued_at")
    list_filter = ("entry",)
    readonly_fields = ("entry", "due_at", "job", "queued_at")
