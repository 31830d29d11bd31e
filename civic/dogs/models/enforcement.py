"""Enforcement: patrols and their places, violation cases and their decisions, and the shelter's intakes."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.dogs import rules

if TYPE_CHECKING:
    pass


from civic.dogs.models import validate_resident_id
from civic.dogs.models.register import Dog
from civic.dogs.models.rule_tables import Authority, Deadline, DeadlineKind, PenaltyRange, PenaltyStep, ViolationType


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
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_dog_cases",
        help_text=_("The inspector who handles the case."),
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
