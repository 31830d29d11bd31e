"""The back office of dog management: every rule table is edited here, records keep their history."""

from typing import ClassVar

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from civic.core.admin import RoleBindingFormSet, RoleBindingInline, add_user_inline
from civic.core.models import Role
from civic.dogs import models


class ServicePointStaffInline(RoleBindingInline):
    """On the user's page: the one service point a clinic staff member works at."""

    model = models.ServicePointStaff
    formset = RoleBindingFormSet
    autocomplete_fields = ("service_point",)
    required_role = Role.CLINIC_STAFF
    missing_message = _("Clinic staff must be bound to one service point.")


add_user_inline(ServicePointStaffInline)


@admin.register(models.ServicePoint)
class ServicePointAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "town", "phone", "is_active")
    list_filter = ("is_active", "town")
    search_fields = ("code", "name", "address")


# --- Rules: dated rows a city may change -------------------------------------------


class DatedRuleAdmin(SimpleHistoryAdmin):
    date_hierarchy = "effective_from"
    list_filter: ClassVar[tuple[str, ...]] = ("effective_from", "effective_to")


@admin.register(models.Breed)
class BreedAdmin(SimpleHistoryAdmin):
    list_display = ("name", "name_en")
    search_fields = ("name", "name_en")


@admin.register(models.BannedBreed)
class BannedBreedAdmin(DatedRuleAdmin):
    list_display = ("breed", "effective_from", "effective_to", "source")
    search_fields = ("breed__name", "breed__name_en")


@admin.register(models.AreaRule)
class AreaRuleAdmin(DatedRuleAdmin):
    list_display = (
        "region",
        "dogs_per_household",
        "max_shoulder_height_m",
        "assistance_dogs_exempt",
        "effective_from",
        "effective_to",
    )
    search_fields = ("region__name", "region__code")


@admin.register(models.AddressPlace)
class AddressPlaceAdmin(SimpleHistoryAdmin):
    """The register of places: which roads and communities of a town lie in its key area."""

    list_display = ("town", "name", "key_area", "source")
    list_filter = ("town", "key_area")
    search_fields = ("name", "town__name")


@admin.register(models.OwnerDiscrepancy)
class OwnerDiscrepancyAdmin(SimpleHistoryAdmin):
    list_display = ("owner", "detail", "held_value", "given_value", "service_point", "reported_on", "resolved_on")
    list_filter = ("detail", "resolved_on")
    search_fields = ("owner__name", "owner__resident_id")
    raw_id_fields = ("owner", "licence")


@admin.register(models.Deadline)
class DeadlineAdmin(DatedRuleAdmin):
    list_display = ("kind", "days", "unit", "effective_from", "effective_to", "source")
    list_filter = ("kind", "effective_from", "effective_to")


class PenaltyRangeInline(admin.TabularInline):
    model = models.PenaltyRange
    extra = 0


@admin.register(models.Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "name", "review_body", "court", "hearing_fine_yuan", "source")


@admin.register(models.ViolationType)
class ViolationTypeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "name_en", "authority")
    list_filter = ("authority",)
    search_fields = ("code", "name", "name_en")
    inlines = [PenaltyRangeInline]


@admin.register(models.PenaltyRange)
class PenaltyRangeAdmin(DatedRuleAdmin):
    list_display = (
        "violation_type",
        "step",
        "minimum_yuan",
        "maximum_yuan",
        "warning_allowed",
        "order_to_correct",
        "correction_days",
        "confiscation_allowed",
        "revokes_licence",
        "law",
        "article",
        "effective_from",
        "effective_to",
        "source",
    )
    list_filter = ("violation_type", "step", "effective_from", "effective_to")


@admin.register(models.RefusalGround)
class RefusalGroundAdmin(DatedRuleAdmin):
    list_display = ("reason", "law", "article", "effective_from", "effective_to", "source")


# --- Owners, dogs and licences -------------------------------------------------------


@admin.register(models.Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ("address", "town", "key_area")
    list_filter = ("town", "key_area")
    search_fields = ("address",)


@admin.register(models.Owner)
class OwnerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "masked_resident_id", "phone", "household")
    search_fields = ("name", "resident_id", "phone")
    raw_id_fields = ("household",)


class ImmunisationInline(admin.TabularInline):
    model = models.Immunisation
    extra = 0


@admin.register(models.Dog)
class DogAdmin(SimpleHistoryAdmin):
    list_display = ("name", "breed", "owner", "microchip", "status", "service_point")
    list_filter = ("status", "purpose", "service_point")
    search_fields = ("name", "microchip", "owner__name")
    raw_id_fields = ("owner",)
    inlines = [ImmunisationInline]


class TagInline(admin.TabularInline):
    model = models.Tag
    extra = 0


@admin.register(models.Licence)
class LicenceAdmin(SimpleHistoryAdmin):
    list_display = ("number", "dog", "service_point", "issued_on", "expires_on", "status")
    list_filter = ("status", "service_point")
    search_fields = ("number", "dog__name", "dog__microchip", "tags__number")
    raw_id_fields = ("dog",)
    inlines = [TagInline]


@admin.register(models.LicenceEvent)
class LicenceEventAdmin(admin.ModelAdmin):
    list_display = ("licence", "kind", "happened_on", "service_point", "is_late")
    list_filter = ("kind", "is_late", "service_point")
    search_fields = ("licence__number",)
    raw_id_fields = ("licence",)


@admin.register(models.Refusal)
class RefusalAdmin(admin.ModelAdmin):
    list_display = ("number", "refused_on", "owner_name", "dog_name", "breed", "service_point", "rehome_by")
    search_fields = ("number", "owner_name", "dog_name")


@admin.register(models.RenewalReminder)
class RenewalReminderAdmin(admin.ModelAdmin):
    list_display = ("licence", "kind", "expires_on", "queued_on", "phone", "sent_at", "withdrawn_on")
    list_filter = ("kind", "queued_on")
    raw_id_fields = ("licence",)


# --- Enforcement ----------------------------------------------------------------------


@admin.register(models.PatrolPlace)
class PatrolPlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(models.Patrol)
class PatrolAdmin(admin.ModelAdmin):
    list_display = ("place", "patrolled_on", "inspector", "dogs_seen")
    list_filter = ("place__kind",)
    date_hierarchy = "patrolled_on"


@admin.register(models.ViolationCase)
class ViolationCaseAdmin(SimpleHistoryAdmin):
    list_display = ("number", "violation_type", "place", "observed_on", "status", "assignee", "decision", "fine_yuan")
    list_filter = ("status", "violation_type", "decision")
    search_fields = ("number", "offender_name", "description")
    raw_id_fields = ("dog", "patrol", "assignee")


@admin.register(models.ShelterIntake)
class ShelterIntakeAdmin(SimpleHistoryAdmin):
    list_display = ("intake_on", "reason", "description", "owner_notified_on", "outcome", "outcome_on")
    list_filter = ("reason", "outcome")
    raw_id_fields = ("dog", "case")
