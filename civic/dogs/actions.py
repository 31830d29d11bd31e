"""Dog-management work that writes several records, each done in one transaction.

Each function checks the regulation's rules (through `civic.dogs.rules`) on the
day it is given, and either writes everything or raises ValidationError and
writes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from civic.core import numbering
from civic.core.models import Region, User
from civic.dogs import rules
from civic.dogs.models import (
    CANCELLATION_DOG_STATUS,
    CancellationReason,
    CaseStatus,
    Deadline,
    DeadlineKind,
    Decision,
    Dog,
    DogPurpose,
    DogStatus,
    Household,
    Immunisation,
    IntakeReason,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceStatus,
    Owner,
    Refusal,
    ReminderKind,
    RenewalReminder,
    ServicePoint,
    ShelterIntake,
    ShelterOutcome,
    Tag,
    TagStatus,
    ViolationCase,
)

REFUSAL_REASON_LABELS = {
    rules.RefusalReason.BANNED_BREED: _("The breed is banned in the city."),
    rules.RefusalReason.HOUSEHOLD_LIMIT: _("The household already keeps as many dogs as its key area allows."),
    rules.RefusalReason.HEIGHT_LIMIT: _("The dog is taller at the shoulder than its area allows."),
    rules.RefusalReason.NO_VALID_IMMUNISATION: _("There is no valid rabies immunisation."),
    rules.RefusalReason.NO_ASSISTANCE_PROOF: _("A guide or assistance dog needs its proof."),
    rules.RefusalReason.NO_QUARANTINE_CERTIFICATE: _("An imported dog needs its quarantine certificate."),
}

RENEWAL_PROBLEM_LABELS = {
    rules.RenewalProblem.TOO_EARLY: _("The renewal window has not opened yet (%(opens)s)."),
    rules.RenewalProblem.NO_VALID_IMMUNISATION: _("The rabies immunisation is not valid on the day of renewal."),
    rules.RenewalProblem.CANCELLED: _("The licence is cancelled."),
}


# --- Numbers -----------------------------------------------------------------


def next_number(model: type[models.Model], prefix: str, digits: int) -> str:
    """The next number in a year's sequence, e.g. DL2024000124 after DL2024000123, from a counter that cannot
    hand the same number to two clinics saving at once (`civic.core.numbering`)."""

    def highest_so_far() -> int:
        last = (
            model._default_manager.filter(number__startswith=prefix)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        return int(last[len(prefix) :]) if last else 0

    sequence = numbering.next_in_sequence(f"{model._meta.label}:{prefix}", highest_so_far)
    return f"{prefix}{sequence:0{digits}d}"


def next_licence_number(on: datetime.date) -> str:
    return next_number(Licence, f"DL{on.year}", 6)


def next_tag_number(on: datetime.date) -> str:
    return next_number(Tag, f"DT{on.year}", 6)


# --- One-stop registration ---------------------------------------------------


@dataclass(frozen=True)
class OwnerDetails:
    name: str
    resident_id: str
    phone: str


@dataclass(frozen=True)
class AddressDetails:
    address: str
    town: Region
    key_area: Region | None


@dataclass(frozen=True)
class ImmunisationDetails:
    vaccine: str
    batch: str
    vaccinated_on: datetime.date
    valid_until: datetime.date


@dataclass(frozen=True)
class DogDetails:
    name: str
    breed_id: int
    colour: str
    sex: str
    birth_date: datetime.date
    shoulder_height_m: float
    is_neutered: bool
    microchip: str
    purpose: str = DogPurpose.PET
    assistance_proof: str = ""
    is_imported: bool = False
    quarantine_certificate: str = ""


@dataclass(frozen=True)
class Application:
    """Everything brought to the counter for one dog: owner, address, dog and its immunisation."""

    owner: OwnerDetails
    address: AddressDetails
    dog: DogDetails
    immunisation: ImmunisationDetails


def find_household(address: AddressDetails) -> Household | None:
    return Household.objects.filter(address=address.address, town=address.town, key_area=address.key_area).first()


def area_limits(areas: list[Region], on: datetime.date) -> tuple[int | None, float | None, bool]:
    """The strictest dogs-per-household and height limits in force over the given areas."""
    from civic.dogs.models import AreaRule

    area_rules = list(AreaRule.objects.in_force(on).filter(region__in=areas))
    household_limits = [rule.dogs_per_household for rule in area_rules if rule.dogs_per_household is not None]
    height_limits = [rule.max_shoulder_height_m for rule in area_rules if rule.max_shoulder_height_m is not None]
    exempt = all(rule.assistance_dogs_exempt for rule in area_rules)
    return min(household_limits, default=None), min(height_limits, default=None), exempt


def registration_facts(application: Application, on: datetime.date) -> rules.RegistrationFacts:
    from civic.dogs.models import Breed

    household = find_household(application.address)
    areas = [area for area in (application.address.town, application.address.key_area) if area is not None]
    household_limit, height_limit, exempt = area_limits(areas, on)
    dog = application.dog
    return rules.RegistrationFacts(
        application_date=on,
        breed_is_banned=Breed.objects.get(pk=dog.breed_id).is_banned(on),
        dogs_already_in_household=household.dogs_kept().count() if household else 0,
        household_dog_limit=household_limit,
        shoulder_height_m=dog.shoulder_height_m,
        shoulder_height_limit_m=height_limit,
        immunisation_valid_until=application.immunisation.valid_until,
        is_assistance_dog=dog.purpose != DogPurpose.PET,
        has_assistance_proof=bool(dog.assistance_proof),
        assistance_dogs_exempt=exempt,
        is_imported=dog.is_imported,
        has_quarantine_certificate=bool(dog.quarantine_certificate),
    )


def save_owner(details: OwnerDetails, household: Household) -> Owner:
    """The owner with this resident ID, created or brought up to date with what was given."""
    owner, _created = Owner.objects.update_or_create(
        resident_id=details.resident_id,
        defaults={"name": details.name, "phone": details.phone, "household": household},
    )
    return owner


def save_household(address: AddressDetails) -> Household:
    return find_household(address) or Household.objects.create(
        address=address.address, town=address.town, key_area=address.key_area
    )


def issue_licence(dog: Dog, service_point: ServicePoint, on: datetime.date) -> Licence:
    validity_days = Deadline.days_for(DeadlineKind.LICENCE_VALIDITY, on)
    licence = Licence.objects.create(
        number=next_licence_number(on),
        dog=dog,
        service_point=service_point,
        issued_on=on,
        expires_on=rules.deadline(on, validity_days),
    )
    Tag.objects.create(number=next_tag_number(on), licence=licence, issued_on=on)
    return licence


def record_refusal(
    application: Application,
    reasons: list[rules.RefusalReason],
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Refusal:
    return Refusal.objects.create(
        number=next_number(Refusal, f"RF{on.year}", 4),
        service_point=service_point,
        refused_on=on,
        owner_name=application.owner.name,
        owner_resident_id=application.owner.resident_id,
        address=application.address.address,
        dog_name=application.dog.name,
        breed_id=application.dog.breed_id,
        shoulder_height_m=application.dog.shoulder_height_m,
        reasons=[str(reason) for reason in reasons],
        rehome_by=rules.deadline(on, Deadline.days_for(DeadlineKind.REHOME_AFTER_REFUSAL, on)),
        recorded_by=recorded_by,
    )


def create_dog(details: DogDetails, owner: Owner, service_point: ServicePoint, photo: object = None) -> Dog:
    if Dog.objects.filter(microchip=details.microchip).exists():
        raise ValidationError({"microchip": _("A dog with this microchip number is already registered.")})
    return Dog.objects.create(
        name=details.name,
        owner=owner,
        breed_id=details.breed_id,
        colour=details.colour,
        sex=details.sex,
        birth_date=details.birth_date,
        shoulder_height_m=details.shoulder_height_m,
        is_neutered=details.is_neutered,
        photo=photo or "",
        microchip=details.microchip,
        purpose=details.purpose,
        assistance_proof=details.assistance_proof,
        quarantine_certificate=details.quarantine_certificate,
        service_point=service_point,
    )


def record_immunisation(dog: Dog, details: ImmunisationDetails, service_point: ServicePoint) -> Immunisation:
    return Immunisation.objects.create(
        dog=dog,
        vaccine=details.vaccine,
        batch=details.batch,
        vaccinated_on=details.vaccinated_on,
        valid_until=details.valid_until,
        service_point=service_point,
    )


def register_dog(
    application: Application,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
    photo: object = None,
) -> Licence | Refusal:
    """One stop: owner, household, dog, immunisation, licence and tag — or a refusal with its reasons."""
    with transaction.atomic():
        reasons = rules.refusal_reasons(registration_facts(application, on))
        if reasons:
            return record_refusal(application, reasons, service_point, recorded_by, on)
        owner = save_owner(application.owner, save_household(application.address))
        dog = create_dog(application.dog, owner, service_point, photo)
        record_immunisation(dog, application.immunisation, service_point)
        licence = issue_licence(dog, service_point, on)
        record_event(licence, LicenceEventKind.REGISTERED, on, service_point, recorded_by)
        return licence


def record_event(
    licence: Licence,
    kind: str,
    on: datetime.date,
    service_point: ServicePoint | None,
    recorded_by: User | None,
    is_late: bool = False,
    **details: object,
) -> LicenceEvent:
    return LicenceEvent.objects.create(
        licence=licence,
        kind=kind,
        happened_on=on,
        service_point=service_point,
        recorded_by=recorded_by,
        is_late=is_late,
        details=details,
    )


# --- Renewal, changes, cancellation, replacement -------------------------------


def renewal_errors(licence: Licence, on: datetime.date) -> list[str]:
    immunisation = licence.dog.latest_immunisation()
    window_days = Deadline.days_for(DeadlineKind.RENEWAL_WINDOW, on)
    problems = rules.renewal_problems(
        licence.is_cancelled, licence.expires_on, immunisation.valid_until if immunisation else None, on, window_days
    )
    opens = rules.renewal_window_opens(licence.expires_on, window_days)
    return [str(RENEWAL_PROBLEM_LABELS[problem]) % {"opens": opens.isoformat()} for problem in problems]


def renew_licence(
    licence: Licence,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
    immunisation: ImmunisationDetails | None = None,
) -> Licence:
    """Extend a licence by its validity, after recording a new immunisation if one was brought."""
    with transaction.atomic():
        if immunisation is not None:
            record_immunisation(licence.dog, immunisation, service_point)
        errors = renewal_errors(licence, on)
        if errors:
            raise ValidationError(errors)
        previous_expiry = licence.expires_on
        validity_days = Deadline.days_for(DeadlineKind.LICENCE_VALIDITY, on)
        licence.expires_on = rules.renewed_expiry(previous_expiry, on, validity_days)
        licence.save(update_fields=["expires_on"])
        record_event(
            licence,
            LicenceEventKind.RENEWED,
            on,
            service_point,
            recorded_by,
            is_late=on > previous_expiry,
            previous_expiry=previous_expiry.isoformat(),
            new_expiry=licence.expires_on.isoformat(),
        )
        return licence


def is_change_late(changed_on: datetime.date, on: datetime.date) -> bool:
    return on > rules.deadline(changed_on, Deadline.days_for(DeadlineKind.CHANGE_NOTICE, on))


def check_household_room(household: Household, dog: Dog, on: datetime.date) -> None:
    """A dog may move only into a household whose key area still has room for it."""
    household_limit, _height_limit, exempt = area_limits(household.areas(), on)
    if dog.purpose != DogPurpose.PET and dog.assistance_proof and exempt:
        return
    kept_elsewhere = household.dogs_kept().exclude(pk=dog.pk).count()
    if rules.is_over_household_limit(kept_elsewhere, household_limit):
        raise ValidationError(REFUSAL_REASON_LABELS[rules.RefusalReason.HOUSEHOLD_LIMIT])


def change_owner(
    licence: Licence,
    new_owner: OwnerDetails,
    address: AddressDetails,
    changed_on: datetime.date,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    with transaction.atomic():
        household = save_household(address)
        check_household_room(household, licence.dog, on)
        previous_owner = licence.dog.owner
        licence.dog.owner = save_owner(new_owner, household)
        licence.dog.save(update_fields=["owner"])
        record_event(
            licence,
            LicenceEventKind.OWNER_CHANGED,
            on,
            service_point,
            recorded_by,
            is_late=is_change_late(changed_on, on),
            changed_on=changed_on.isoformat(),
            previous_owner=previous_owner.masked_resident_id,
        )
        return licence


def change_address(
    licence: Licence,
    address: AddressDetails,
    changed_on: datetime.date,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    """Move the owner (and so every dog of theirs) to a new address."""
    with transaction.atomic():
        household = save_household(address)
        check_household_room(household, licence.dog, on)
        owner = licence.dog.owner
        previous_address = owner.household.address
        owner.household = household
        owner.save(update_fields=["household"])
        record_event(
            licence,
            LicenceEventKind.ADDRESS_CHANGED,
            on,
            service_point,
            recorded_by,
            is_late=is_change_late(changed_on, on),
            changed_on=changed_on.isoformat(),
            previous_address=previous_address,
        )
        return licence


def change_contact(
    licence: Licence,
    phone: str,
    changed_on: datetime.date,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    with transaction.atomic():
        owner = licence.dog.owner
        owner.phone = phone
        owner.save(update_fields=["phone"])
        record_event(
            licence,
            LicenceEventKind.CONTACT_CHANGED,
            on,
            service_point,
            recorded_by,
            is_late=is_change_late(changed_on, on),
            changed_on=changed_on.isoformat(),
        )
        return licence


def cancel_licence(
    licence: Licence,
    reason: str,
    happened_on: datetime.date,
    service_point: ServicePoint | None,
    recorded_by: User | None,
    on: datetime.date,
) -> Licence:
    """Cancel on death, surrender, loss or confiscation; the tag stops checking as valid at once."""
    if licence.is_cancelled:
        raise ValidationError(_("The licence is already cancelled."))
    with transaction.atomic():
        licence.status = LicenceStatus.CANCELLED
        licence.cancelled_on = on
        licence.cancellation_reason = reason
        licence.save(update_fields=["status", "cancelled_on", "cancellation_reason"])
        licence.tags.filter(status=TagStatus.ACTIVE).update(status=TagStatus.CANCELLED)
        licence.dog.status = CANCELLATION_DOG_STATUS[CancellationReason(reason)]
        licence.dog.save(update_fields=["status"])
        notice_days = Deadline.days_for(DeadlineKind.CANCELLATION_NOTICE, on)
        record_event(
            licence,
            LicenceEventKind.CANCELLED,
            on,
            service_point,
            recorded_by,
            is_late=on > rules.deadline(happened_on, notice_days),
            reason=reason,
            happened_on=happened_on.isoformat(),
        )
        return licence


def replace_tag(licence: Licence, service_point: ServicePoint, recorded_by: User | None, on: datetime.date) -> Tag:
    if licence.is_cancelled:
        raise ValidationError(_("A cancelled licence gets no new tag."))
    with transaction.atomic():
        old_numbers = list(licence.tags.filter(status=TagStatus.ACTIVE).values_list("number", flat=True))
        licence.tags.filter(status=TagStatus.ACTIVE).update(status=TagStatus.REPLACED)
        tag = Tag.objects.create(number=next_tag_number(on), licence=licence, issued_on=on)
        record_event(
            licence, LicenceEventKind.TAG_REPLACED, on, service_point, recorded_by, replaced=old_numbers, new=tag.number
        )
        return tag


def replace_licence(
    licence: Licence, service_point: ServicePoint, recorded_by: User | None, on: datetime.date
) -> Licence:
    if licence.is_cancelled:
        raise ValidationError(_("A cancelled licence is not replaced."))
    with transaction.atomic():
        licence.copy_number += 1
        licence.save(update_fields=["copy_number"])
        record_event(
            licence, LicenceEventKind.LICENCE_REPLACED, on, service_point, recorded_by, copy=licence.copy_number
        )
        return licence


# --- Renewal reminders ---------------------------------------------------------


def licences_to_renew(on: datetime.date, state: rules.RenewalState) -> models.QuerySet[Licence]:
    """Licences in force that are due (inside the window) or overdue (expired, not renewed) on `on`."""
    window_days = Deadline.days_for(DeadlineKind.RENEWAL_WINDOW, on)
    in_force = Licence.objects.filter(status=LicenceStatus.IN_FORCE, dog__status=DogStatus.REGISTERED)
    if state == rules.RenewalState.OVERDUE:
        return in_force.filter(expires_on__lt=on)
    if state == rules.RenewalState.DUE:
        return in_force.filter(expires_on__gte=on, expires_on__lte=on + datetime.timedelta(days=window_days))
    return in_force.filter(expires_on__gt=on + datetime.timedelta(days=window_days))


def reminder_message(licence: Licence, kind: str) -> str:
    # Sent by SMS to Chinese owners, so written in Chinese.
    if kind == ReminderKind.OVERDUE:
        return f"您的犬只“{licence.dog.name}”养犬登记证（{licence.number}）已于{licence.expires_on:%Y年%m月%d日}到期，请尽快携犬只免疫证明到服务点办理延续。"
    return f"您的犬只“{licence.dog.name}”养犬登记证（{licence.number}）将于{licence.expires_on:%Y年%m月%d日}到期，请在到期前携犬只免疫证明到服务点办理延续。"


def queue_renewal_reminders(on: datetime.date, licences: list[Licence] | None = None) -> int:
    """Queue one reminder per due or overdue licence and expiry; running it again queues nothing new."""
    queued = 0
    for state, kind in ((rules.RenewalState.DUE, ReminderKind.DUE), (rules.RenewalState.OVERDUE, ReminderKind.OVERDUE)):
        candidates = licences if licences is not None else licences_to_renew(on, state).select_related("dog__owner")
        queued += queue_reminders_of_kind(list(candidates), kind, on)
    return queued


def queue_reminders_of_kind(licences: list[Licence], kind: str, on: datetime.date) -> int:
    already = set(
        RenewalReminder.objects.filter(licence__in=licences, kind=kind).values_list("licence_id", "expires_on")
    )
    reminders = [
        RenewalReminder(
            licence=licence,
            kind=kind,
            expires_on=licence.expires_on,
            queued_on=on,
            phone=licence.dog.owner.phone,
            message=reminder_message(licence, kind),
        )
        for licence in licences
        if (licence.pk, licence.expires_on) not in already
    ]
    RenewalReminder.objects.bulk_create(reminders, ignore_conflicts=True)
    return len(reminders)


# --- Enforcement -----------------------------------------------------------------


def open_case(case: ViolationCase, recorded_by: User) -> ViolationCase:
    """Give a newly seen violation its case number and keep it."""
    case.number = next_number(ViolationCase, f"VC{case.observed_on.year}", 4)
    case.recorded_by = recorded_by
    case.save()
    return case


def decision_errors(case: ViolationCase, decision: str, fine_yuan: Decimal | None) -> dict[str, str]:
    penalty = case.penalty_range()
    fined = decision in (Decision.FINE, Decision.FINE_AND_CONFISCATION)
    if penalty is None:
        return {"decision": str(_("No penalty range is in force for this violation type."))}
    if decision == Decision.WARNING and not penalty.warning_allowed:
        return {"decision": str(_("The regulation allows no warning in place of a fine for this violation."))}
    if decision == Decision.FINE_AND_CONFISCATION and not penalty.confiscation_allowed:
        return {"decision": str(_("The regulation allows no confiscation for this violation."))}
    if fined and (
        fine_yuan is None or not rules.is_penalty_within_range(fine_yuan, penalty.minimum_yuan, penalty.maximum_yuan)
    ):
        return {
            "fine_yuan": str(_("The fine must lie between ¥%(low)s and ¥%(high)s."))
            % {"low": penalty.minimum_yuan, "high": penalty.maximum_yuan}
        }
    return {}


def decide_case(
    case: ViolationCase,
    decision: str,
    fine_yuan: Decimal | None,
    reasons: str,
    decided_by: User,
    on: datetime.date,
) -> ViolationCase:
    """Decide a case within the regulation's range; a confiscation also cancels the licence and shelters the dog."""
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is already decided."))
    errors = decision_errors(case, decision, fine_yuan)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case.status = CaseStatus.DECIDED
        case.decision = decision
        case.fine_yuan = fine_yuan if decision in (Decision.FINE, Decision.FINE_AND_CONFISCATION) else None
        case.decision_reasons = reasons
        case.decided_on = on
        case.decided_by = decided_by
        case.save()
        if decision == Decision.FINE_AND_CONFISCATION:
            confiscate(case, on, decided_by)
        return case


def confiscate(case: ViolationCase, on: datetime.date, recorded_by: User) -> ShelterIntake:
    dog = case.dog
    licence = Licence.objects.filter(dog=dog).first() if dog else None
    if licence is not None and not licence.is_cancelled:
        cancel_licence(licence, CancellationReason.CONFISCATION, on, None, recorded_by, on)
    description = str(dog) if dog else case.description[:200]
    return ShelterIntake.objects.create(
        reason=IntakeReason.CONFISCATED, intake_on=on, dog=dog, case=case, description=description
    )


def record_owner_notice(intake: ShelterIntake, on: datetime.date) -> ShelterIntake:
    if not intake.owner_known or intake.owner_notified_on is not None:
        raise ValidationError(_("There is no owner waiting to be told about this dog."))
    intake.owner_notified_on = on
    intake.save(update_fields=["owner_notified_on"])
    return intake


def record_claim(intake: ShelterIntake, on: datetime.date) -> ShelterIntake:
    if intake.outcome != ShelterOutcome.HELD or intake.stage(on) != rules.ShelterStage.AWAITING_CLAIM:
        raise ValidationError(_("This dog cannot be claimed now."))
    intake.outcome = ShelterOutcome.CLAIMED
    intake.outcome_on = on
    intake.save(update_fields=["outcome", "outcome_on"])
    return intake


def record_adoption(intake: ShelterIntake, adopter_name: str, adopter_phone: str, on: datetime.date) -> ShelterIntake:
    if intake.outcome != ShelterOutcome.HELD or intake.stage(on) != rules.ShelterStage.OPEN_FOR_ADOPTION:
        raise ValidationError(_("This dog is not open for adoption yet."))
    intake.outcome = ShelterOutcome.ADOPTED
    intake.outcome_on = on
    intake.adopter_name = adopter_name
    intake.adopter_phone = adopter_phone
    intake.save(update_fields=["outcome", "outcome_on", "adopter_name", "adopter_phone"])
    return intake


def take_in_found_dog(description: str, on: datetime.date, dog: Dog | None = None) -> ShelterIntake:
    """A dog found without its keeper; when it wears a tag its owner is known and must be told."""
    if dog is not None and dog.shelter_intakes.filter(outcome=ShelterOutcome.HELD).exists():
        raise ValidationError(_("This dog is already in the shelter."))
    return ShelterIntake.objects.create(reason=IntakeReason.FOUND, intake_on=on, dog=dog, description=description[:200])
