from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from civic.core.models import Job, Region, ScheduledRun, User


@admin.register(User)
class CivicUserAdmin(UserAdmin, SimpleHistoryAdmin):
    """A user's account and role. The services add, each in its own admin module, the inline that binds a
    user to one of their records (an enterprise reporter to a water user, clinic staff to a service point)."""

    list_display = ("username", "get_full_name", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Role in Civic"), {"fields": ("role",)}),
    )
    inlines: ClassVar[list[type[InlineModelAdmin[Any, Any]]]] = []

    def get_inline_instances(self, request: Any, obj: Any = None) -> list[InlineModelAdmin[Any, Any]]:
        # The add page asks for a user name and a password only; the role and its binding come after.
        return super().get_inline_instances(request, obj) if obj is not None else []


def add_user_inline(inline: type[InlineModelAdmin[Any, Any]]) -> None:
    """Show `inline` on the user's admin page: how a service binds a user to one of its records."""
    if inline not in CivicUserAdmin.inlines:
        CivicUserAdmin.inlines.append(inline)


class RoleBindingFormSet(BaseInlineFormSet[Any, Any, Any]):
    """Refuses to save a user whose role needs a binding (`inline.required_role`) without one."""

    required_role: ClassVar[str] = ""
    missing_message: ClassVar[str | Promise] = ""

    def clean(self) -> None:
        super().clean()
        if getattr(self.instance, "role", None) != self.required_role:
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError(str(self.missing_message))


class RoleBindingInline(admin.StackedInline[Any, Any]):
    """A service's one-to-one binding of a user to one of its records, required for `required_role`."""

    extra = 0
    max_num = 1
    can_delete = True
    required_role: ClassVar[str] = ""
    missing_message: ClassVar[str | Promise] = ""

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        formset: Any = super().get_formset(request, obj, **kwargs)
        formset.required_role = self.required_role
        formset.missing_message = self.missing_message
        return formset

    def get_extra(self, request: Any, obj: Any = None, **kwargs: Any) -> int:
        return 1


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
