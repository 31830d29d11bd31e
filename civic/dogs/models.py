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
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.dogs import addresses, rules

if TYPE_CHECKING:
    from civic.core.models import Region


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


# --- Rules -------------------------------------------------------------------


class Breed(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("breed")
        verbose_name_plural = _("breeds")

    def __str__(self) -> str:
        return self.name

    def is_banned(self, on: datetime.date) -> bool:
        return BannedBreed.objects.in_force(on).filter(breed=self).exists()


class BannedBreed(DatedRule):
    """A dangerous breed no one may keep in the city (the regulation's annex lists them)."""

    breed = models.ForeignKey(Breed, verbose_name=_("breed"), on_delete=models.PROTECT, related_name="bans")

    class Meta:
        ordering = ["breed__name", "-effective_from"]
        verbose_name = _("banned breed")
        verbose_name_plural = _("banned breeds")

    def __str__(self) -> str:
        return f"{self.breed} ({self.effective_from})"


class AreaRule(DatedRule):
    """Limits that hold in one area: dogs per household and shoulder height."""

    region = models.ForeignKey(
        "core.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="dog_rules"
    )
    dogs_per_household = models.PositiveSmallIntegerField(
        _("dogs per household"), null=True, blank=True, help_text=_("Empty: no limit in this area.")
    )
    max_shoulder_height_m = models.FloatField(
        _("largest shoulder height (m)"), null=True, blank=True, help_text=_("Empty: no height limit in this area.")
    )
    assistance_dogs_exempt = models.BooleanField(
        _("guide and assistance dogs exempt"),
        default=True,
        help_text=_("Guide and assistance dogs with their proof are not counted against these limits."),
    )

    class Meta:
        ordering = ["region__code", "-effective_from"]
        verbose_name = _("area rule")
        verbose_name_plural = _("area rules")

    def __str__(self) -> str:
        return f"{self.region} ({self.effective_from})"


class DeadlineKind(models.TextChoices):
    REHOME_AFTER_REFUSAL = "rehome_after_refusal", _("Rehoming after a refused registration")
    RENEWAL_WINDOW = "renewal_window", _("Renewal window before expiry")
    LICENCE_VALIDITY = "licence_validity", _("Licence validity")
    CHANGE_NOTICE = "change_notice", _("Re-registration after a change")
    CANCELLATION_NOTICE = "cancellation_notice", _("Notice of death, surrender or loss")
    OWNER_NOTICE_AFTER_INTAKE = "owner_notice_after_intake", _("Telling the owner of a sheltered dog")
    CLAIM_PERIOD = "claim_period", _("Claiming a sheltered dog")
    ADMINISTRATIVE_REVIEW = "administrative_review", _("Applying for administrative review")
    ADMINISTRATIVE_LITIGATION = "administrative_litigation", _("Bringing an administrative lawsuit")


class DeadlineUnit(models.TextChoices):
    DAYS = rules.PeriodUnit.DAYS.value, _("calendar days")
    MONTHS = rules.PeriodUnit.MONTHS.value, _("months (to the same date)")


class Deadline(DatedRule):
    """A period the regulation or a law sets: calendar days, or months ending on the same date."""

    kind = models.CharField(_("kind"), max_length=40, choices=DeadlineKind.choices)
    days = models.PositiveIntegerField(_("length"), help_text=_("In the unit chosen beside it."))
    unit = models.CharField(_("unit"), max_length=8, choices=DeadlineUnit.choices, default=DeadlineUnit.DAYS)

    class Meta:
        ordering = ["kind", "-effective_from"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days} {self.get_unit_display()}"

    @classmethod
    def rule_for(cls, kind: str, on: datetime.date) -> Deadline:
        rule = cls.objects.in_force(on).filter(kind=kind).order_by("-effective_from").first()
        if rule is None:
            raise ValidationError(_("No deadline for “%(kind)s” is in force.") % {"kind": DeadlineKind(kind).label})
        return rule

    @classmethod
    def days_for(cls, kind: str, on: datetime.date) -> int:
        """The length of a period counted in days; a period in months has no fixed count of days."""
        rule = cls.rule_for(kind, on)
        if rule.unit != DeadlineUnit.DAYS:
            raise ValueError(f"the deadline {kind} is counted in {rule.unit}, not days: use Deadline.end_of")
        return rule.days

    @classmethod
    def end_of(cls, kind: str, start: datetime.date, on: datetime.date) -> datetime.date:
        """The last day of the period of this kind in force on `on`, counted from `start`."""
        rule = cls.rule_for(kind, on)
        return rules.period_end(start, rule.days, rules.PeriodUnit(rule.unit))


class AuthorityKind(models.TextChoices):
    """The organs the regulation gives enforcement to ([CZ-DOG-REG-2021] article 4)."""

    PUBLIC_SECURITY = "public_security", _("Public security")
    CITY_MANAGEMENT = "city_management", _("City management")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")


class Authority(models.Model):
    """The county's organ of one kind, named as it signs its decisions, with the remedies against them.

    A penalty decision names the organ that made it and the ways and time limits
    to challenge it ([ADMIN-PENALTY-LAW-2021] article 59); the review body and the court are
    the county's to enter.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=AuthorityKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=100, help_text=_("As printed on its documents."))
    review_body = models.CharField(
        _("administrative review body"),
        max_length=100,
        help_text=_("Where a party applies for administrative review of this organ's decisions."),
    )
    court = models.CharField(
        _("court"),
        max_length=100,
        blank=True,
        help_text=_("The court that hears lawsuits against this organ; empty: the court with jurisdiction."),
    )
    hearing_fine_yuan = models.DecimalField(
        _("fine that gives the right to a hearing (yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A fine on an individual of at least this amount counts as a large fine. Empty: none does."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]
        verbose_name = _("enforcement authority")
        verbose_name_plural = _("enforcement authorities")

    def __str__(self) -> str:
        return self.name

    @property
    def court_name(self) -> str:
        return self.court or "有管辖权的人民法院"

    @classmethod
    def of_kind(cls, kind: str) -> Authority:
        authority = cls.objects.filter(kind=kind).first()
        if authority is None:
            raise ValidationError(
                _("No authority of the kind “%(kind)s” is entered.") % {"kind": AuthorityKind(kind).label}
            )
        return authority


class ViolationType(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    authority = models.CharField(
        _("enforced by"),
        max_length=20,
        choices=AuthorityKind.choices,
        default=AuthorityKind.PUBLIC_SECURITY,
        help_text=_("The organ the regulation gives this violation to."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")

    def __str__(self) -> str:
        return self.name

    def penalty_range(self, on: datetime.date, step: str = "first") -> PenaltyRange | None:
        return self.penalty_ranges.in_force(on).filter(step=step).order_by("-effective_from").first()


class PenaltyStep(models.TextChoices):
    """Most penalties of the regulation come in two steps: "责令限期改正，处…；逾期不改正的，…"."""

    FIRST = "first", _("On the violation")
    NOT_CORRECTED = "not_corrected", _("When not corrected in time")


class PenaltyRange(DatedRule):
    """What the regulation allows for one type of violation at one step, and the clause that says so."""

    violation_type = models.ForeignKey(
        ViolationType, verbose_name=_("violation type"), on_delete=models.PROTECT, related_name="penalty_ranges"
    )
    step = models.CharField(_("step"), max_length=16, choices=PenaltyStep.choices, default=PenaltyStep.FIRST)
    minimum_yuan = models.DecimalField(_("smallest fine (yuan)"), max_digits=10, decimal_places=2)
    maximum_yuan = models.DecimalField(_("largest fine (yuan)"), max_digits=10, decimal_places=2)
    warning_allowed = models.BooleanField(_("a warning may replace the fine"), default=False)
    confiscation_allowed = models.BooleanField(_("the dog may be confiscated"), default=False)
    only_dogs_over_limit = models.BooleanField(
        _("only the dogs over the limit"),
        default=False,
        help_text=_("Confiscation takes only the dogs a household keeps over its limit."),
    )
    revokes_licence = models.BooleanField(_("the licence is revoked"), default=False)
    treatment_by_agent = models.BooleanField(
        _("treated by an agent at the owner's cost"),
        default=False,
        help_text=_("The authority has a clinic immunise the dog, at the owner's cost."),
    )
    order_to_correct = models.BooleanField(
        _("orders correction by a deadline"),
        default=False,
        help_text=_("The decision orders the party to correct by a deadline; the next step waits for it."),
    )
    correction_days = models.PositiveIntegerField(
        _("days to correct"), null=True, blank=True, help_text=_("Counted from the day of the decision.")
    )
    law = models.CharField(
        _("law or regulation"), max_length=100, default="常州市养犬管理条例", help_text=_("As printed, without 《》.")
    )
    article = models.CharField(
        _("article"),
        max_length=60,
        blank=True,
        help_text=_(
            "The article and clause as printed, e.g. 第九十二条第（一）项. Empty until checked against the text."
        ),
    )
    clause_text = models.TextField(_("words of the clause"), blank=True, help_text=_("Quoted on the decision."))

    class Meta:
        ordering = ["violation_type__code", "step", "-effective_from"]
        verbose_name = _("penalty range")
        verbose_name_plural = _("penalty ranges")

    def __str__(self) -> str:
        return f"{self.violation_type} ({self.get_step_display()}): ¥{self.minimum_yuan}–{self.maximum_yuan}"


class RefusalGround(DatedRule):
    """The legal basis of one reason to refuse a registration, as the refusal letter cites it."""

    reason = models.CharField(
        _("reason"), max_length=40, choices=[(reason.value, reason.value) for reason in rules.RefusalReason]
    )
    law = models.CharField(_("law or regulation"), max_length=100, default="常州市养犬管理条例")
    article = models.CharField(_("article"), max_length=60, blank=True)

    class Meta:
        ordering = ["reason", "-effective_from"]
        verbose_name = _("ground of refusal")
        verbose_name_plural = _("grounds of refusal")

    def __str__(self) -> str:
        return f"{self.reason}: 《{self.law}》{self.article}"

    @classmethod
    def citation(cls, reason: str, on: datetime.date) -> str:
        """The reason's basis as printed, e.g. 《中华人民共和国动物防疫法》第三十条."""
        ground = cls.objects.in_force(on).filter(reason=reason).order_by("-effective_from").first()
        if ground is None:
            return "《常州市养犬管理条例》"
        return f"《{ground.law}》{ground.article}"


# --- Owners, households and dogs ---------------------------------------------


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


# --- Enforcement -------------------------------------------------------------


class PlaceKind(models.TextChoices):
    NO_DOG_PARK = "no_dog_park", _("Park closed to dogs")
    SQUARE = "square", _("Square")
    KEY_AREA_STREET = "key_area_street", _("Street in a key area")
    SCHOOL_GATE = "school_gate", _("School gate")
    RESIDENTIAL = "residential", _("Residential community")


class PatrolPlace(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    region = models.ForeignKey("core.Region", verbose_name=_("area"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]
        verbose_name = _("patrol place")
        verbose_name_plural = _("patrol places")

    def __str__(self) -> str:
        return self.name


class Patrol(models.Model):
    place = models.ForeignKey(PatrolPlace, verbose_name=_("place"), on_delete=models.PROTECT, related_name="patrols")
    patrolled_on = models.DateField(_("date"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT)
    dogs_seen = models.PositiveIntegerField(_("dogs seen"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-patrolled_on", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")

    def __str__(self) -> str:
        return f"{self.place} {self.patrolled_on}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CORRECTION_ORDERED = "correction_ordered", _("Correction ordered")
    DECIDED = "decided", _("Decided")


class Decision(models.TextChoices):
    NO_PENALTY = "no_penalty", _("No penalty")
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    FINE_AND_CONFISCATION = "fine_and_confiscation", _("Fine and confiscation")
    CONFISCATION = "confiscation", _("Confiscation")
    REVOCATION_AND_CONFISCATION = "revocation_and_confiscation", _("Licence revoked and dog confiscated")


FINED = (Decision.FINE, Decision.FINE_AND_CONFISCATION)
CONFISCATING = (Decision.FINE_AND_CONFISCATION, Decision.CONFISCATION, Decision.REVOCATION_AND_CONFISCATION)


class ViolationCase(models.Model):
    """A violation seen on patrol or reported, taken up as a case until it is decided."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    violation_type = models.ForeignKey(
        ViolationType, verbose_name=_("violation type"), on_delete=models.PROTECT, related_name="cases"
    )
    place = models.ForeignKey(PatrolPlace, verbose_name=_("place"), on_delete=models.PROTECT, related_name="cases")
    patrol = models.ForeignKey(
        Patrol, verbose_name=_("patrol"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    observed_on = models.DateField(_("observed on"))
    dog = models.ForeignKey(
        Dog, verbose_name=_("dog"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    offender_name = models.CharField(_("offender"), max_length=50, blank=True)
    offender_resident_id = models.CharField(
        _("offender's resident ID number"), max_length=18, blank=True, validators=[validate_resident_id]
    )
    offender_address = models.CharField(_("offender's address"), max_length=200, blank=True)
    description = models.TextField(_("what was seen"))
    step = models.CharField(_("step"), max_length=16, choices=PenaltyStep.choices, default=PenaltyStep.FIRST)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows the order of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text=_("The case whose order to correct was not obeyed in time."),
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    decision = models.CharField(_("decision"), max_length=32, choices=Decision.choices, blank=True)
    correct_by = models.DateField(_("correct by"), null=True, blank=True)
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    corrected = models.BooleanField(_("corrected in time"), null=True, blank=True)
    defence = models.TextField(
        _("statement and defence"), blank=True, help_text=_("What the party said when told of the intended penalty.")
    )
    fine_yuan = models.DecimalField(_("fine (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_on", "-number"]
        verbose_name = _("violation case")
        verbose_name_plural = _("violation cases")

    def __str__(self) -> str:
        return self.number

    def penalty_range(self) -> PenaltyRange | None:
        """The rule of this case's step, in force on the day the violation was seen (or the deadline missed)."""
        return self.violation_type.penalty_range(self.observed_on, self.step)

    def authority(self) -> Authority:
        return Authority.of_kind(self.violation_type.authority)

    def follow_up_due(self, on: datetime.date) -> bool:
        """An order to correct whose deadline has passed waits for its follow-up."""
        return self.status == CaseStatus.CORRECTION_ORDERED and self.correct_by is not None and on > self.correct_by


class IntakeReason(models.TextChoices):
    CONFISCATED = "confiscated", _("Confiscated")
    FOUND = "found", _("Found without its keeper")


class ShelterOutcome(models.TextChoices):
    HELD = "held", _("In the shelter")
    CLAIMED = "claimed", _("Claimed by the owner")
    ADOPTED = "adopted", _("Adopted")


class ShelterIntake(models.Model):
    """A dog taken into the shelter: confiscated, or found without its keeper."""

    reason = models.CharField(_("reason"), max_length=16, choices=IntakeReason.choices)
    intake_on = models.DateField(_("taken in on"))
    dog = models.ForeignKey(
        Dog,
        verbose_name=_("registered dog"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shelter_intakes",
    )
    case = models.ForeignKey(
        ViolationCase, verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="intakes"
    )
    description = models.CharField(_("description"), max_length=200)
    owner_notified_on = models.DateField(_("owner notified on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ShelterOutcome.choices, default=ShelterOutcome.HELD)
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    adopter_name = models.CharField(_("adopter"), max_length=50, blank=True)
    adopter_phone = models.CharField(_("adopter phone"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-intake_on", "-id"]
        verbose_name = _("shelter intake")
        verbose_name_plural = _("shelter intakes")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.intake_on}: {self.description}"

    @property
    def owner_known(self) -> bool:
        return self.dog_id is not None

    @property
    def is_claimable(self) -> bool:
        """A confiscated dog goes back to nobody; a found one goes back to its owner."""
        return self.reason == IntakeReason.FOUND

    def notice_due_by(self) -> datetime.date:
        return rules.deadline(self.intake_on, Deadline.days_for(DeadlineKind.OWNER_NOTICE_AFTER_INTAKE, self.intake_on))

    def claim_by(self) -> datetime.date | None:
        start = self.owner_notified_on if self.owner_known else self.intake_on
        if start is None or not self.is_claimable:
            return None
        return rules.deadline(start, Deadline.days_for(DeadlineKind.CLAIM_PERIOD, self.intake_on))

    def stage(self, on: datetime.date) -> rules.ShelterStage:
        if not self.is_claimable:
            # A confiscated dog's owner is still told, but has nothing to claim.
            awaiting_notice = self.owner_known and self.owner_notified_on is None
            return rules.ShelterStage.AWAITING_NOTICE if awaiting_notice else rules.ShelterStage.OPEN_FOR_ADOPTION
        claim_days = Deadline.days_for(DeadlineKind.CLAIM_PERIOD, self.intake_on)
        return rules.shelter_stage(self.owner_known, self.intake_on, self.owner_notified_on, claim_days, on)
