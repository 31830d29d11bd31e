"""The register: places and households, owners, dogs, immunisations, licences, tags, their events, refusals and renewal reminders."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.dogs import addresses, rules

if TYPE_CHECKING:
    from civic.core.models import Region


from civic.dogs.models import InForceQuerySet, ServicePoint, validate_microchip, validate_phone, validate_resident_id
from civic.dogs.models.rule_tables import AreaRule, Breed, Deadline, DeadlineKind


class AddressPlace(models.Model):
    """A road or community of a town in the register of places, and whether it lies in a key area.

    The city's notice draws each key area by towns, streets and roads
    ([CZ-KEY-AREAS]); the bureau keeps here the roads and communities of every
    town that has a key area, so a household's key area follows from its
    address and is never picked at the counter. A row with no name covers the
    whole town (湖塘镇 is a key area as a whole).
    """

    name = models.CharField(
        _("road or community"),
        max_length=100,
        blank=True,
        help_text=_("As it is written in addresses. Leave empty for a row that covers the whole town."),
    )
    town = models.ForeignKey(
        "core.Region",
        verbose_name=_("town or street"),
        on_delete=models.PROTECT,
        related_name="address_places",
        limit_choices_to={"level": "town"},
    )
    key_area = models.ForeignKey(
        "core.Region",
        verbose_name=_("key management area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_area_places",
        limit_choices_to={"level": "key_area"},
        help_text=_("Empty: the place lies in the general area."),
    )
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("The notice that draws the key area.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["town__code", "name"]
        verbose_name = _("place of the address register")
        verbose_name_plural = _("places of the address register")
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="one_address_place_per_name")]

    def __str__(self) -> str:
        return f"{self.town}{self.name}"

    def clean(self) -> None:
        key_area = self.key_area if self.key_area_id is not None else None
        if key_area is not None and self.town_id is not None and key_area.parent_id != self.town_id:
            raise ValidationError({"key_area": _("This key area does not lie in the town chosen.")})


def household_key(address: str, town: Region) -> str:
    """The address as the register compares households in one town (see `civic.dogs.addresses`)."""
    leading = tuple(region.name for region in (town.parent, town) if region is not None)
    return addresses.normalised_address(address, leading)


class Household(models.Model):
    """An address where dogs are kept, placed in a town and, where it lies in one, a key area.

    Households are found by `normalised_address` within their town, so "1002室"
    and "1002" or "十二栋" and "12栋" are one household.
    """

    address = models.CharField(_("address"), max_length=200)
    normalised_address = models.CharField(
        _("address as compared"), max_length=200, db_index=True, editable=False, default=""
    )
    town = models.ForeignKey(
        "core.Region",
        verbose_name=_("town or street"),
        on_delete=models.PROTECT,
        related_name="dog_households",
        limit_choices_to={"level": "town"},
    )
    key_area = models.ForeignKey(
        "core.Region",
        verbose_name=_("key management area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="key_area_households",
        limit_choices_to={"level": "key_area"},
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["address"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.address

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalised_address = household_key(self.address, self.town)
        super().save(*args, **kwargs)

    def areas(self) -> list[Region]:
        return [area for area in (self.town, self.key_area) if area is not None]

    def rules_in_force(self, on: datetime.date) -> InForceQuerySet:
        return AreaRule.objects.in_force(on).filter(region__in=self.areas())

    def dogs_kept(self) -> models.QuerySet[Dog]:
        return Dog.objects.filter(owner__household=self, status=DogStatus.REGISTERED)


class Owner(models.Model):
    name = models.CharField(_("name"), max_length=50)
    resident_id = models.CharField(
        _("resident ID number"), max_length=18, unique=True, validators=[validate_resident_id]
    )
    phone = models.CharField(_("phone"), max_length=30, validators=[validate_phone])
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="owners"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("owner")
        verbose_name_plural = _("owners")

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_resident_id})"

    @property
    def masked_resident_id(self) -> str:
        return rules.mask_resident_id(self.resident_id)

    def own_service_point_ids(self) -> set[int]:
        """The service points where this owner's dogs are registered: the points that keep the owner's record."""
        return set(self.dogs.values_list("service_point_id", flat=True))

    def licences(self) -> models.QuerySet[Licence]:
        return Licence.objects.filter(dog__owner=self)


class OwnerDetail(models.TextChoices):
    NAME = "name", _("Name")
    PHONE = "phone", _("Phone")
    ADDRESS = "address", _("Address")


class OwnerDiscrepancy(models.Model):
    """Details given at a counter that differ from those held for a resident ID, flagged for the dog office.

    The register keeps what it holds: a person's record changes only through
    the audited correction of that person (`civic.dogs.actions.correct_owner`).
    """

    owner = models.ForeignKey(Owner, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="discrepancies")
    detail = models.CharField(_("detail"), max_length=10, choices=OwnerDetail.choices)
    held_value = models.CharField(_("held"), max_length=200)
    given_value = models.CharField(_("given"), max_length=200)
    reported_on = models.DateField(_("reported on"))
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.PROTECT, related_name="owner_discrepancies"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    licence = models.ForeignKey(
        "Licence", verbose_name=_("licence"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["resolved_on", "-reported_on", "-id"]
        verbose_name = _("owner details to check")
        verbose_name_plural = _("owner details to check")

    def __str__(self) -> str:
        return f"{self.owner}: {self.get_detail_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class DogPurpose(models.TextChoices):
    PET = "pet", _("Pet")
    GUIDE = "guide", _("Guide dog")
    ASSISTANCE = "assistance", _("Assistance dog")


class DogStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DEAD = "dead", _("Dead")
    SURRENDERED = "surrendered", _("Surrendered")
    LOST = "lost", _("Lost")
    CONFISCATED = "confiscated", _("Confiscated")


class Dog(models.Model):
    name = models.CharField(_("name"), max_length=50)
    owner = models.ForeignKey(Owner, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="dogs")
    breed = models.ForeignKey(Breed, verbose_name=_("breed"), on_delete=models.PROTECT, related_name="dogs")
    colour = models.CharField(_("colour"), max_length=30)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    shoulder_height_m = models.FloatField(_("shoulder height (m)"))
    is_neutered = models.BooleanField(_("neutered"), default=False)
    photo = models.ImageField(_("photo"), upload_to="dogs/photos/", blank=True)
    photo_thumbnail = models.ImageField(
        _("photo thumbnail"), upload_to="dogs/thumbnails/", blank=True, help_text=_("What public pages show.")
    )
    microchip = models.CharField(_("microchip number"), max_length=15, unique=True, validators=[validate_microchip])
    purpose = models.CharField(_("purpose"), max_length=16, choices=DogPurpose.choices, default=DogPurpose.PET)
    assistance_proof = models.CharField(
        _("disability or assistance proof"),
        max_length=100,
        blank=True,
        help_text=_("Number of the disability certificate or assistance-dog proof."),
    )
    quarantine_certificate = models.CharField(_("import quarantine certificate"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=DogStatus.choices, default=DogStatus.REGISTERED)
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("registered at"), on_delete=models.PROTECT, related_name="dogs"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("dog")
        verbose_name_plural = _("dogs")

    def __str__(self) -> str:
        return f"{self.name} ({self.breed})"

    @property
    def shoulder_height_cm(self) -> float:
        return round(self.shoulder_height_m * 100, 1)

    def latest_immunisation(self) -> Immunisation | None:
        return self.immunisations.order_by("-valid_until").first()


class Immunisation(models.Model):
    """A rabies immunisation, as written on its certificate."""

    dog = models.ForeignKey(Dog, verbose_name=_("dog"), on_delete=models.PROTECT, related_name="immunisations")
    vaccine = models.CharField(_("vaccine"), max_length=100)
    batch = models.CharField(_("batch"), max_length=50)
    vaccinated_on = models.DateField(_("vaccinated on"))
    valid_until = models.DateField(_("valid until"))
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("clinic"), on_delete=models.PROTECT, related_name="immunisations"
    )

    class Meta:
        ordering = ["-vaccinated_on"]
        verbose_name = _("rabies immunisation")
        verbose_name_plural = _("rabies immunisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("vaccinated_on")), name="immunisation_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vaccine} {self.batch} ({self.vaccinated_on})"


class LicenceStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    CANCELLED = "cancelled", _("Cancelled")


class CancellationReason(models.TextChoices):
    DEATH = "death", _("Death")
    SURRENDER = "surrender", _("Surrender")
    LOSS = "loss", _("Loss")
    CONFISCATION = "confiscation", _("Confiscation")
    REVOCATION = "revocation", _("Revoked, and the dog confiscated")


CANCELLATION_DOG_STATUS = {
    CancellationReason.DEATH: DogStatus.DEAD,
    CancellationReason.SURRENDER: DogStatus.SURRENDERED,
    CancellationReason.LOSS: DogStatus.LOST,
    CancellationReason.CONFISCATION: DogStatus.CONFISCATED,
    CancellationReason.REVOCATION: DogStatus.CONFISCATED,
}


class Licence(models.Model):
    """A dog licence (养犬登记证); its printed copy carries the tag's QR code."""

    number = models.CharField(_("licence number"), max_length=20, unique=True)
    dog = models.OneToOneField(Dog, verbose_name=_("dog"), on_delete=models.PROTECT, related_name="licence")
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("issued at"), on_delete=models.PROTECT, related_name="licences"
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.IN_FORCE)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancellation_reason = models.CharField(
        _("cancellation reason"), max_length=16, choices=CancellationReason.choices, blank=True
    )
    copy_number = models.PositiveSmallIntegerField(
        _("copy number"), default=1, help_text=_("Raised by one with each replacement licence.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_cancelled(self) -> bool:
        return self.status == LicenceStatus.CANCELLED

    @property
    def is_lost(self) -> bool:
        return self.is_cancelled and self.cancellation_reason == CancellationReason.LOSS

    def state(self, on: datetime.date) -> rules.LicenceState:
        return rules.licence_state(self.is_cancelled, self.expires_on, on, is_lost=self.is_lost)

    def renewal_state(self, on: datetime.date) -> rules.RenewalState:
        return rules.renewal_state(self.expires_on, on, Deadline.days_for(DeadlineKind.RENEWAL_WINDOW, on))

    def active_tag(self) -> Tag | None:
        return self.tags.filter(status=TagStatus.ACTIVE).first()


class TagStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPLACED = "replaced", _("Replaced")
    CANCELLED = "cancelled", _("Cancelled")


class Tag(models.Model):
    """A dog's identification tag (犬只识别牌); its QR code opens the public check of its number."""

    number = models.CharField(_("tag number"), max_length=20, unique=True)
    licence = models.ForeignKey(Licence, verbose_name=_("licence"), on_delete=models.PROTECT, related_name="tags")
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(_("status"), max_length=16, choices=TagStatus.choices, default=TagStatus.ACTIVE)

    class Meta:
        ordering = ["number"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["licence"], condition=Q(status="active"), name="one_active_tag_per_licence")
        ]

    def __str__(self) -> str:
        return self.number


class LicenceEventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    RENEWED = "renewed", _("Renewed")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    ADDRESS_CHANGED = "address_changed", _("Address changed")
    CONTACT_CHANGED = "contact_changed", _("Contact changed")
    CANCELLED = "cancelled", _("Cancelled")
    TAG_REPLACED = "tag_replaced", _("Tag replaced")
    LICENCE_REPLACED = "licence_replaced", _("Licence replaced")
    OWNER_DETAILS_DIFFER = "owner_details_differ", _("Owner's details given differ from those held")
    OWNER_CORRECTED = "owner_corrected", _("Owner's details corrected")


class LicenceEvent(models.Model):
    """One piece of work on a licence at a service point: the trail and the throughput figures."""

    licence = models.ForeignKey(Licence, verbose_name=_("licence"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=LicenceEventKind.choices)
    happened_on = models.DateField(_("date"))
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.PROTECT, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True
    )
    is_late = models.BooleanField(_("late"), default=False, help_text=_("Done after the regulation's deadline."))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = _("licence event")
        verbose_name_plural = _("licence events")

    def __str__(self) -> str:
        return f"{self.licence} {self.get_kind_display()} {self.happened_on}"


class Refusal(models.Model):
    """A registration the regulation does not allow, kept with its written reasons."""

    number = models.CharField(_("letter number"), max_length=20, unique=True)
    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.PROTECT, related_name="refusals"
    )
    refused_on = models.DateField(_("refused on"))
    owner_name = models.CharField(_("owner name"), max_length=50)
    owner_resident_id = models.CharField(_("owner resident ID number"), max_length=18)
    address = models.CharField(_("address"), max_length=200)
    dog_name = models.CharField(_("dog name"), max_length=50)
    breed = models.ForeignKey(Breed, verbose_name=_("breed"), on_delete=models.PROTECT)
    shoulder_height_m = models.FloatField(_("shoulder height (m)"))
    reasons = models.JSONField(_("reasons"), help_text=_("Codes of the regulation's reasons to refuse."))
    rehome_by = models.DateField(_("rehome the dog by"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["-refused_on", "-number"]
        verbose_name = _("refusal")
        verbose_name_plural = _("refusals")

    def __str__(self) -> str:
        return self.number

    @property
    def masked_resident_id(self) -> str:
        return rules.mask_resident_id(self.owner_resident_id)


class ReminderKind(models.TextChoices):
    DUE = "due", _("Renewal due")
    OVERDUE = "overdue", _("Renewal overdue")


class RenewalReminder(models.Model):
    """A reminder queued for an owner; sending is left to the SMS gateway, which reads the queue."""

    licence = models.ForeignKey(Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=8, choices=ReminderKind.choices)
    expires_on = models.DateField(_("licence expiry it is about"))
    queued_on = models.DateField(_("queued on"))
    phone = models.CharField(_("phone"), max_length=30)
    message = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    withdrawn_on = models.DateField(
        _("withdrawn on"), null=True, blank=True, help_text=_("Not to be sent: the licence was renewed or cancelled.")
    )

    class Meta:
        ordering = ["-queued_on", "licence__number"]
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [
            # Queuing twice for the same expiry must not remind the owner twice.
            models.UniqueConstraint(fields=["licence", "kind", "expires_on"], name="one_reminder_per_expiry")
        ]

    def __str__(self) -> str:
        return f"{self.licence} {self.get_kind_display()}"
