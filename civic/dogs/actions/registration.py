"""One-stop registration at a service point: numbers, households and their key areas, owners, dogs, immunisations and licences."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from civic.core.models import Region, RegionLevel, User
from civic.core.numbering import next_number
from civic.dogs import addresses, photos, rules
from civic.dogs.models import (
    AddressPlace,
    AreaRule,
    Breed,
    Deadline,
    DeadlineKind,
    Dog,
    DogPurpose,
    DogStatus,
    Household,
    Immunisation,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    Owner,
    OwnerDetail,
    OwnerDiscrepancy,
    Refusal,
    ServicePoint,
    Tag,
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


def next_licence_number(on: datetime.date) -> str:
    return next_number(Licence, f"DL{on.year}", 6)


def next_tag_number(on: datetime.date) -> str:
    return next_number(Tag, f"DT{on.year}", 6)


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
