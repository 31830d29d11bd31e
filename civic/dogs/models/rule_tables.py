"""The rules a city may change, as dated rows edited in the admin: breeds, bans, area limits, deadlines, authorities, violation types, penalty ranges, refusal grounds."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civic.dogs import rules

if TYPE_CHECKING:
    pass


from civic.dogs.models import DatedRule


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
