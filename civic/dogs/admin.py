from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from civic.dogs.models import ServicePoint


@admin.register(ServicePoint)
class ServicePointAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "town", "phone", "is_active")
    list_filter = ("is_active", "town")
    search_fields = ("code", "name", "address")
