"""Records of dog management under the city's dog-keeping regulation.

Service points (licensed clinics) register owners and their dogs, record rabies
immunisations and issue licences and tags; inspectors patrol and take up
violation cases; sheltered dogs wait for their owner, then for adoption. Every
rule a city may change (banned breeds, per-area limits, penalty ranges,
deadlines) is a dated row, edited in the admin. Heights are stored in metres,
money in yuan.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.dogs import rules


class ServicePoint(models.Model):
    """A licensed animal clinic acting as a dog-management service point (养犬管理便民服务点)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    town = models.ForeignKey("core.Region", verbose_name=_("town or street"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    licence_number = models.CharField(_("animal clinic licence number"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_clinic = models.BooleanField(
        _("licensed clinic"),
        default=True,
        help_text=_(
            "A licensed animal clinic acting as a service point. Off for the public security bureau's own "
            "registration window, where dogs were licensed before the service points existed."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")

    def __str__(self) -> str:
        return self.name


class ServicePointStaff(models.Model):
    """A clinic staff member's link to the one service point whose work they see and do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="service_point_staff",
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="staff_links",
        help_text=_("For clinic staff: the one service point whose work they see."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("clinic staff member's service point")
        verbose_name_plural = _("clinic staff members' service points")

    def __str__(self) -> str:
        return f"{self.user} → {self.service_point}"


def validate_resident_id(value: str) -> None:
    if not rules.is_valid_resident_id(value, timezone.localdate()):
        raise ValidationError(
            _("Enter an 18-character resident ID whose birth date and check character (GB 11643) are right.")
        )


def validate_phone(value: str) -> None:
    if not rules.is_valid_phone(value):
        raise ValidationError(
            _(
                "Enter a mobile number of 11 digits (such as 13912345678) or a landline with its area code (0519-86001234)."
            )
        )


def validate_microchip(value: str) -> None:
    if not rules.is_valid_microchip(value):
        raise ValidationError(_("A microchip number has exactly 15 digits."))


class InForceQuerySet(models.QuerySet):
    """Dated rule rows: those in force on a day have started and not yet ended."""

    def in_force(self, on: datetime.date) -> InForceQuerySet:
        return self.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on), effective_from__lte=on)


class DatedRule(models.Model):
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("The regulation or notice this value comes from.")
    )

    objects = InForceQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)  # every rule table: who changed a rule, when, from what

    class Meta:
        abstract = True


# The rule tables, the register and enforcement live in their own modules; they build on the records
# above (and enforcement on the register), so they are imported once those exist.
from civic.dogs.models.enforcement import (  # noqa: E402, F401
    CONFISCATING,
    FINED,
    CaseStatus,
    Decision,
    IntakeReason,
    Patrol,
    PatrolPlace,
    PlaceKind,
    ShelterIntake,
    ShelterOutcome,
    ViolationCase,
)
from civic.dogs.models.register import (  # noqa: E402, F401
    CANCELLATION_DOG_STATUS,
    AddressPlace,
    CancellationReason,
    Dog,
    DogPurpose,
    DogStatus,
    Household,
    Immunisation,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceStatus,
    Owner,
    OwnerDetail,
    OwnerDiscrepancy,
    Refusal,
    ReminderKind,
    RenewalReminder,
    Sex,
    Tag,
    TagStatus,
    household_key,
)
from civic.dogs.models.rule_tables import (  # noqa: E402, F401
    AreaRule,
    Authority,
    AuthorityKind,
    BannedBreed,
    Breed,
    Deadline,
    DeadlineKind,
    DeadlineUnit,
    PenaltyRange,
    PenaltyStep,
    RefusalGround,
    ViolationType,
)
