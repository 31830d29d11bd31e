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
from civic.core.models import Region, RegionLevel, User
from civic.dogs import addresses, notify, photos, rules
from civic.dogs.models import (
    CANCELLATION_DOG_STATUS,
    CONFISCATING,
    FINED,
    AddressPlace,
    AreaRule,
    Breed,
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
    OwnerDetail,
    OwnerDiscrepancy,
    PenaltyStep,
    Refusal,
    ReminderKind,
    RenewalReminder,
    ServicePoint,
    ShelterIntake,
    ShelterOutcome,
    Tag,
    TagStatus,
    ViolationCase,
    household_key,
)

REFUSAL_REASON_LABELS = {
    rules.RefusalReason.BANNED_BREED: _("The breed is banned in the city."),
    rules.RefusalReason.HOUSEHOLD_LIMIT: _("The household already keeps as many dogs as its key area allows."),
    rules.RefusalReason.HEIGHT_LIMIT: _("The dog is taller at the shoulder than its area allows."),
    rules.RefusalReason.NO_VALID_IMMUNISATION: _("There is no valid rabies immunisation."),
    rules.RefusalReason.NO_ASSISTANCE_PROOF: _("A guide or assistance dog needs its proof."),
    rules.RefusalReason.NO_QUARANTINE_CERTIFICATE: _("An imported dog needs its quarantine certificate."),
}

# Tells a clinic only that the number cannot be used, not where or whether it is registered.
MICROCHIP_NOT_ALLOWED = _("This microchip number cannot be used for a new registration; the dog office can say why.")

RENEWAL_PROBLEM_LABELS = {
    rules.RenewalProblem.TOO_EARLY: _("The renewal window has not opened yet (%(opens)s)."),
    rules.RenewalProblem.NO_VALID_IMMUNISATION: _(
        "The rabies immunisation does not cover the new period: it must be valid on %(starts)s, its first day."
    ),
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
    """An address as given at the counter: its town is chosen, its key area follows from the register of places."""

    address: str
    town: Region


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


# --- Households and their key areas -----------------------------------------------


def key_area_of(address: AddressDetails) -> Region | None:
    """The key area an address lies in, read from the register of places; never chosen at the counter.

    [CZ-KEY-AREAS] draws the key areas by towns, streets and roads. A town
    with no key area needs no places; in a town with one, the address must
    name a road or community of the register (the longest name that occurs
    in it wins), unless a row with no name covers the whole town.
    """
    if not Region.objects.filter(level=RegionLevel.KEY_AREA, parent=address.town).exists():
        return None
    key = household_key(address.address, address.town)
    matches = [
        place
        for place in AddressPlace.objects.filter(town=address.town).select_related("key_area")
        if addresses.normalised_place_name(place.name) in key
    ]
    if not matches:
        raise ValidationError(
            {
                "address": _(
                    "The address names no road or community of the register of places of %(town)s, so its key "
                    "area is unknown. Ask the dog office to add the place."
                )
                % {"town": address.town}
            }
        )
    return max(matches, key=lambda place: len(place.name)).key_area


def address_town_errors(address: AddressDetails) -> str | None:
    """A message when the address itself names another town or street of the register than the one chosen."""
    leading = tuple(region.name for region in (address.town.parent,) if region is not None)
    text = addresses.without_leading_names(addresses.normalised_place_name(address.address), leading)
    for town in Region.objects.filter(level=RegionLevel.TOWN).exclude(pk=address.town.pk):
        if text.startswith(town.name):
            return str(_("The address lies in %(named)s, not in %(chosen)s.") % {"named": town, "chosen": address.town})
    return None


def find_household(address: AddressDetails) -> Household | None:
    """The household at this address, however the flat is written (see `civic.dogs.addresses`)."""
    return Household.objects.filter(
        town=address.town, normalised_address=household_key(address.address, address.town)
    ).first()


def households_of(address: AddressDetails, resident_id: str) -> list[Household]:
    """The household at the address and the one the register holds for the resident ID, if either exists.

    A household is found by its address and by the ID numbers of its members,
    so neither a new spelling of the address nor a new name for a known ID
    number makes a new household.
    """
    found = [find_household(address)]
    owner = Owner.objects.select_related("household").filter(resident_id=resident_id).first()
    if owner is not None:
        found.append(owner.household)
    return list({household.pk: household for household in found if household is not None}.values())


def dogs_kept_in(households: list[Household], except_dog: Dog | None = None) -> int:
    dogs = Dog.objects.filter(owner__household__in=households, status=DogStatus.REGISTERED)
    if except_dog is not None:
        dogs = dogs.exclude(pk=except_dog.pk)
    return dogs.count()


def area_limits(areas: list[Region], on: datetime.date) -> tuple[int | None, float | None, bool]:
    """The strictest dogs-per-household and height limits in force over the given areas."""
    area_rules = list(AreaRule.objects.in_force(on).filter(region__in=areas))
    household_limits = [rule.dogs_per_household for rule in area_rules if rule.dogs_per_household is not None]
    height_limits = [rule.max_shoulder_height_m for rule in area_rules if rule.max_shoulder_height_m is not None]
    exempt = all(rule.assistance_dogs_exempt for rule in area_rules)
    return min(household_limits, default=None), min(height_limits, default=None), exempt


def areas_of(households: list[Household], address: AddressDetails) -> list[Region]:
    """Every area whose rules bind: the given address's town and key area, and those of the households found."""
    areas = [address.town, key_area_of(address)]
    for household in households:
        areas.extend(household.areas())
    return list({area.pk: area for area in areas if area is not None}.values())


def registration_facts(application: Application, on: datetime.date) -> rules.RegistrationFacts:
    households = households_of(application.address, application.owner.resident_id)
    household_limit, height_limit, exempt = area_limits(areas_of(households, application.address), on)
    dog = application.dog
    return rules.RegistrationFacts(
        application_date=on,
        breed_is_banned=Breed.objects.get(pk=dog.breed_id).is_banned(on),
        dogs_already_in_household=dogs_kept_in(households),
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


def save_household(address: AddressDetails) -> Household:
    return find_household(address) or Household.objects.create(
        address=address.address, town=address.town, key_area=key_area_of(address)
    )


# --- Owners: found by resident ID, changed only on purpose ----------------------------


@dataclass(frozen=True)
class Counter:
    """Where and by whom a piece of work is done, and on which day."""

    service_point: ServicePoint
    recorded_by: User | None
    on: datetime.date


def held_differences(owner: Owner, details: OwnerDetails, address: AddressDetails) -> dict[str, tuple[str, str]]:
    """The owner's details that differ from those given: detail → (held, given)."""
    held_key = owner.household.normalised_address
    same_address = owner.household.town_id == address.town.pk and held_key == household_key(
        address.address, address.town
    )
    differences = {
        OwnerDetail.NAME: (owner.name, details.name),
        OwnerDetail.PHONE: (owner.phone, details.phone),
        OwnerDetail.ADDRESS: (owner.household.address, address.address),
    }
    same = {OwnerDetail.NAME: owner.name == details.name, OwnerDetail.PHONE: owner.phone == details.phone}
    same[OwnerDetail.ADDRESS] = same_address
    return {str(detail): values for detail, values in differences.items() if not same[detail]}


def flag_differences(
    owner: Owner, differences: dict[str, tuple[str, str]], licence: Licence | None, counter: Counter
) -> None:
    """Keep what was given beside what is held, for the dog office, and mark it on the owner's licences."""
    OwnerDiscrepancy.objects.bulk_create(
        OwnerDiscrepancy(
            owner=owner,
            detail=detail,
            held_value=held[:200],
            given_value=given[:200],
            reported_on=counter.on,
            service_point=counter.service_point,
            reported_by=counter.recorded_by,
            licence=licence,
        )
        for detail, (held, given) in differences.items()
    )
    for owned in owner.licences():
        record_event(
            owned,
            LicenceEventKind.OWNER_DETAILS_DIFFER,
            counter.on,
            counter.service_point,
            counter.recorded_by,
            differing=sorted(differences),
        )


def owner_for(details: OwnerDetails, address: AddressDetails) -> tuple[Owner, dict[str, tuple[str, str]]]:
    """The owner the register holds for the resident ID, untouched, and how the given details differ.

    A clinic never edits a person on the way: a person's record changes only
    through `correct_owner`, which is permitted, audited and recorded on
    every licence of theirs. A new resident ID makes a new owner.
    """
    owner = Owner.objects.select_related("household").filter(resident_id=details.resident_id).first()
    if owner is not None:
        return owner, held_differences(owner, details, address)
    owner = Owner.objects.create(
        name=details.name, resident_id=details.resident_id, phone=details.phone, household=save_household(address)
    )
    return owner, {}


def issue_licence(
    dog: Dog, service_point: ServicePoint, on: datetime.date, immunisation_valid_until: datetime.date
) -> Licence:
    """A licence and its tag, for one validity period (a year, to the same date, under the rules
    in force) but ending with its immunisation when that ends first."""
    validity = Deadline.rule_for(DeadlineKind.LICENCE_VALIDITY, on)
    licence = Licence.objects.create(
        number=next_licence_number(on),
        dog=dog,
        service_point=service_point,
        issued_on=on,
        expires_on=rules.licence_expiry(on, validity.days, immunisation_valid_until, rules.PeriodUnit(validity.unit)),
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


def create_dog(
    details: DogDetails, owner: Owner, service_point: ServicePoint, photo: photos.Photo | None = None
) -> Dog:
    if Dog.objects.filter(microchip=details.microchip).exists():
        raise ValidationError({"microchip": MICROCHIP_NOT_ALLOWED})
    return Dog.objects.create(
        name=details.name,
        owner=owner,
        breed_id=details.breed_id,
        colour=details.colour,
        sex=details.sex,
        birth_date=details.birth_date,
        shoulder_height_m=details.shoulder_height_m,
        is_neutered=details.is_neutered,
        photo=photo.full if photo else "",
        photo_thumbnail=photo.thumbnail if photo else "",
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
    photo: photos.Photo | None = None,
) -> Licence | Refusal:
    """One stop: owner, household, dog, immunisation, licence and tag — or a refusal with its reasons.

    An owner the register already holds under the resident ID keeps their
    record as it is; details given that differ are flagged for the dog office.
    """
    with transaction.atomic():
        reasons = rules.refusal_reasons(registration_facts(application, on))
        if reasons:
            return record_refusal(application, reasons, service_point, recorded_by, on)
        owner, differences = owner_for(application.owner, application.address)
        dog = create_dog(application.dog, owner, service_point, photo)
        record_immunisation(dog, application.immunisation, service_point)
        licence = issue_licence(dog, service_point, on, application.immunisation.valid_until)
        record_event(licence, LicenceEventKind.REGISTERED, on, service_point, recorded_by)
        if differences:
            flag_differences(owner, differences, licence, Counter(service_point, recorded_by, on))
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
    values = {
        "opens": rules.renewal_window_opens(licence.expires_on, window_days).isoformat(),
        "starts": rules.renewal_period_start(licence.expires_on, on).isoformat(),
    }
    return [str(RENEWAL_PROBLEM_LABELS[problem]) % values for problem in problems]


def renew_licence(
    licence: Licence,
    service_point: ServicePoint,
    recorded_by: User | None,
    on: datetime.date,
    immunisation: ImmunisationDetails | None = None,
) -> Licence:
    """Extend a licence by its validity, after recording a new immunisation if one was brought.

    The new period needs an immunisation valid on its first day and ends no
    later than that immunisation; reminders queued about the old expiry are
    withdrawn, so the owner is not told to renew what is renewed.
    """
    with transaction.atomic():
        if immunisation is not None:
            record_immunisation(licence.dog, immunisation, service_point)
        errors = renewal_errors(licence, on)
        if errors:
            raise ValidationError(errors)
        previous_expiry = licence.expires_on
        validity = Deadline.rule_for(DeadlineKind.LICENCE_VALIDITY, on)
        latest = licence.dog.latest_immunisation()
        valid_until = latest.valid_until if latest else None
        licence.expires_on = rules.renewed_expiry(
            previous_expiry, on, validity.days, rules.PeriodUnit(validity.unit), valid_until
        )
        licence.save(update_fields=["expires_on"])
        withdraw_reminders(licence, on)
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


def withdraw_reminders(licence: Licence, on: datetime.date) -> int:
    """Take back the reminders still waiting to be sent for a licence that was renewed or cancelled."""
    waiting = licence.reminders.filter(
        sent_at__isnull=True, withdrawn_on__isnull=True, expires_on__lt=licence.expires_on
    )
    if licence.is_cancelled:
        waiting = licence.reminders.filter(sent_at__isnull=True, withdrawn_on__isnull=True)
    return waiting.update(withdrawn_on=on)


def is_change_late(changed_on: datetime.date, on: datetime.date) -> bool:
    return on > rules.deadline(changed_on, Deadline.days_for(DeadlineKind.CHANGE_NOTICE, on))


def check_household_room(households: list[Household], dog: Dog, on: datetime.date) -> None:
    """A dog may move only into households whose key areas still have room for it."""
    areas = list({area.pk: area for household in households for area in household.areas()}.values())
    household_limit, _height_limit, exempt = area_limits(areas, on)
    if dog.purpose != DogPurpose.PET and dog.assistance_proof and exempt:
        return
    if rules.is_over_household_limit(dogs_kept_in(households, except_dog=dog), household_limit):
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
    """Hand a dog to another person ([CZ-DOGS] change registration within 15 days).

    A new owner already in the register keeps their record; what differs is
    flagged, as at registration.
    """
    with transaction.atomic():
        households = households_of(address, new_owner.resident_id) or [save_household(address)]
        check_household_room(households, licence.dog, on)
        previous_owner = licence.dog.owner
        owner, differences = owner_for(new_owner, address)
        licence.dog.owner = owner
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
        if differences:
            flag_differences(owner, differences, licence, Counter(service_point, recorded_by, on))
        return licence


def move_owner(owner: Owner, address: AddressDetails, on: datetime.date) -> tuple[str, str]:
    """Move an owner (and so every dog of theirs) to an address; the addresses before and after.

    All the owner's dogs move together, so they count together against the
    new household's limit, beside the dogs others keep there.
    """
    household = save_household(address)
    household_limit, _height_limit, exempt = area_limits(household.areas(), on)
    moving = [
        dog
        for dog in owner.dogs.filter(status=DogStatus.REGISTERED)
        if not (dog.purpose != DogPurpose.PET and dog.assistance_proof and exempt)
    ]
    kept_by_others = Dog.objects.filter(owner__household=household, status=DogStatus.REGISTERED).exclude(owner=owner)
    if household_limit is not None and kept_by_others.count() + len(moving) > household_limit:
        raise ValidationError(REFUSAL_REASON_LABELS[rules.RefusalReason.HOUSEHOLD_LIMIT])
    previous_address = owner.household.address
    owner.household = household
    owner.save(update_fields=["household"])
    return previous_address, household.address


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
        previous_address, _address = move_owner(licence.dog.owner, address, on)
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


def correct_owner(
    owner: Owner,
    name: str,
    phone: str,
    address: AddressDetails,
    reason: str,
    service_point: ServicePoint | None,
    recorded_by: User | None,
    on: datetime.date,
) -> Owner:
    """Correct a person's name, phone or address: the one way a person's record changes.

    Permitted to the owner's own service points and the dog office
    (`civic.dogs.access.may_correct_owner`); the owner's history keeps the
    values before, every licence of theirs records the correction, and the
    open flags about the owner are resolved.
    """
    with transaction.atomic():
        before = {"name": owner.name, "phone": owner.phone, "address": owner.household.address}
        if household_key(address.address, address.town) != owner.household.normalised_address or (
            address.town.pk != owner.household.town_id
        ):
            move_owner(owner, address, on)
        owner.name, owner.phone = name, phone
        owner.full_clean(exclude=["household", "resident_id"])
        owner.save(update_fields=["name", "phone"])
        after = {"name": owner.name, "phone": owner.phone, "address": owner.household.address}
        corrected = sorted(detail for detail in before if before[detail] != after[detail])
        for licence in owner.licences():
            record_event(
                licence,
                LicenceEventKind.OWNER_CORRECTED,
                on,
                service_point,
                recorded_by,
                corrected=corrected,
                reason=reason,
            )
        owner.discrepancies.filter(resolved_on__isnull=True).update(resolved_on=on, resolved_by=recorded_by)
        return owner


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
        withdraw_reminders(licence, on)
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
    notify.renewal_reminders(on, kind)
    return len(reminders)


# --- Enforcement -----------------------------------------------------------------


def open_case(case: ViolationCase, recorded_by: User) -> ViolationCase:
    """Give a newly seen violation its case number and keep it."""
    case.number = next_number(ViolationCase, f"VC{case.observed_on.year}", 4)
    case.recorded_by = recorded_by
    case.save()
    notify.case_opened(case)
    return case


def decision_errors(case: ViolationCase, decision: str, fine_yuan: Decimal | None, on: datetime.date) -> dict[str, str]:
    """What the rule of the case's step does not allow; empty when the decision may be taken."""
    penalty = case.penalty_range()
    if penalty is None:
        return {"decision": str(_("No penalty range is in force for this violation type."))}
    if case.step == PenaltyStep.NOT_CORRECTED and not missed_deadline(case, on):
        return {"decision": str(_("The further penalty waits until the deadline to correct has passed."))}
    if decision == Decision.WARNING and not penalty.warning_allowed:
        return {"decision": str(_("The regulation allows no warning in place of a fine for this violation."))}
    if decision in CONFISCATING and not penalty.confiscation_allowed:
        return {"decision": str(_("The regulation allows no confiscation for this violation at this step."))}
    if (decision == Decision.REVOCATION_AND_CONFISCATION) != penalty.revokes_licence and decision in CONFISCATING:
        return {"decision": str(_("Revoke the licence exactly where the regulation says so."))}
    if decision in CONFISCATING and penalty.only_dogs_over_limit and not dog_over_limit(case, on):
        return {
            "decision": str(_("The household keeps no dog over its limit any more: there is nothing to confiscate."))
        }
    if decision in FINED and (
        fine_yuan is None or not rules.is_penalty_within_range(fine_yuan, penalty.minimum_yuan, penalty.maximum_yuan)
    ):
        return {
            "fine_yuan": str(_("The fine must lie between ¥%(low)s and ¥%(high)s."))
            % {"low": penalty.minimum_yuan, "high": penalty.maximum_yuan}
        }
    return {}


def missed_deadline(case: ViolationCase, on: datetime.date) -> bool:
    """The further step is open only after the earlier order's deadline passed and the follow-up found it unmet."""
    earlier = case.follows
    return (
        earlier is not None
        and earlier.corrected is False
        and earlier.correct_by is not None
        and on > earlier.correct_by
        and case.observed_on > earlier.correct_by
    )


def dog_over_limit(case: ViolationCase, on: datetime.date) -> bool:
    """Whether the case's dog is one the household keeps over its limit (the newest dogs are the ones over)."""
    dog = case.dog
    if dog is None:
        # A dog kept without registration is over the limit by the registered ones: the only one to take.
        return True
    household = dog.owner.household
    limit, _height, _exempt = area_limits(household.areas(), on)
    kept = list(household.dogs_kept().order_by("licence__issued_on", "pk"))
    over = rules.dogs_over_limit(len(kept), limit)
    return over > 0 and dog in kept[len(kept) - over :]


def decide_case(
    case: ViolationCase,
    decision: str,
    fine_yuan: Decimal | None,
    reasons: str,
    decided_by: User,
    on: datetime.date,
    defence: str = "",
) -> ViolationCase:
    """Decide a case within its step's rule.

    Where the rule orders correction first (常州市养犬管理条例: "责令限期改正，…；
    逾期不改正的，…"), the decision sets the deadline and the case waits for its
    follow-up; the further penalty (confiscation, revocation) is a case of its
    own, opened by the follow-up. A confiscation cancels the licence and
    shelters the dog.
    """
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is already decided."))
    errors = decision_errors(case, decision, fine_yuan, on)
    if errors:
        raise ValidationError(errors)
    penalty = case.penalty_range()
    assert penalty is not None
    with transaction.atomic():
        case.decision = decision
        case.fine_yuan = fine_yuan if decision in FINED else None
        case.decision_reasons = reasons
        case.defence = defence
        case.decided_on = on
        case.decided_by = decided_by
        if penalty.order_to_correct and penalty.correction_days:
            case.correct_by = rules.deadline(on, penalty.correction_days)
            case.status = CaseStatus.CORRECTION_ORDERED
        else:
            case.status = CaseStatus.DECIDED
        case.save()
        if decision in CONFISCATING:
            confiscate(case, on, decided_by, revoke=decision == Decision.REVOCATION_AND_CONFISCATION)
        return case


def follow_up(case: ViolationCase, corrected: bool, on: datetime.date, recorded_by: User) -> ViolationCase | None:
    """Record whether an order to correct was obeyed; when it was not, open the case of the further penalty.

    A correction may be recorded any day; "not corrected" only after the
    deadline, so no further penalty comes on the day a dog is seen.
    """
    if case.status != CaseStatus.CORRECTION_ORDERED or case.correct_by is None:
        raise ValidationError(_("This case has no order to correct waiting for its follow-up."))
    if not corrected and on <= case.correct_by:
        raise ValidationError(
            _("The deadline to correct runs until %(date)s: follow up after it.")
            % {"date": case.correct_by.isoformat()}
        )
    with transaction.atomic():
        case.followed_up_on = on
        case.corrected = corrected
        case.status = CaseStatus.DECIDED
        case.save(update_fields=["followed_up_on", "corrected", "status"])
        if corrected:
            return None
        further = ViolationCase(
            violation_type=case.violation_type,
            place=case.place,
            observed_on=on,
            dog=case.dog,
            offender_name=case.offender_name,
            offender_resident_id=case.offender_resident_id,
            offender_address=case.offender_address,
            description=f"逾期未改正：{case.number}号决定责令于{case.correct_by:%Y年%m月%d日}前改正，{on:%Y年%m月%d日}复查仍未改正。",
            step=PenaltyStep.NOT_CORRECTED,
            follows=case,
        )
        return open_case(further, recorded_by)


def confiscate(case: ViolationCase, on: datetime.date, recorded_by: User, revoke: bool = False) -> ShelterIntake:
    dog = case.dog
    licence = Licence.objects.filter(dog=dog).first() if dog else None
    if licence is not None and not licence.is_cancelled:
        reason = CancellationReason.REVOCATION if revoke else CancellationReason.CONFISCATION
        cancel_licence(licence, reason, on, None, recorded_by, on)
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
