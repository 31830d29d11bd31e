from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civic.api import models
from civic.api.models import Scope, new_secret


@admin.register(models.ApiOrganisation)
class ApiOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "water_user", "created_at"]
    search_fields = ["name", "water_user__code", "water_user__name"]
    raw_id_fields = ["water_user"]


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = models.ApiToken
        fields = ["organisation", "name", "scopes", "calls_per_minute"]


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made here (shown once, on saving) and revoked here; what a token is cannot be read back."""

    form = ApiTokenForm
    list_display = ["name", "organisation", "prefix", "scopes", "calls_per_minute", "created_at", "revoked_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name", "prefix"]
    readonly_fields = ["prefix", "created_at", "created_by", "revoked_at"]
    actions = ["revoke_tokens"]

    def save_model(self, request: HttpRequest, obj: models.ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        secret = new_secret()
        obj.set_secret(secret)
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        shown_once = _("The token, shown this once — copy it now: %(token)s") % {"token": secret}
        messages.warning(request, shown_once)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[models.ApiToken]) -> None:
        for token in queryset:
            token.revoke()
        messages.success(request, _("%(count)s tokens revoked.") % {"count": queryset.count()})


@admin.register(models.ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["called_at", "token", "method", "path", "status", "duration_ms"]
    list_filter = ["status", "method", "token__organisation"]
    search_fields = ["path", "token__name", "token__organisation__name"]
    date_hierarchy = "called_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.PushedReadingsBatch)
class PushedReadingsBatchAdmin(admin.ModelAdmin):
    list_display = ["batch_key", "organisation", "import_batch", "pushed_at"]
    list_filter = ["organisation"]
    search_fields = ["batch_key"]
    raw_id_fields = ["import_batch"]
