"""The dog-keeping regulation's checks as small pure functions over plain values.

Nothing here reads the database: callers look up the rules in force (banned
breeds, per-area limits, deadlines) and pass their values in, so every check
can be tested on its own against the regulation's wording.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

RESIDENT_ID_WEIGHTS = tuple(2 ** (17 - position) % 11 for position in range(17))
RESIDENT_ID_CHECK_CHARACTERS = "10X98765432"
RESIDENT_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MICROCHIP_PATTERN = re.compile(r"^\d{15}$")


def resident_id_check_character(first_seventeen_digits: str) -> str:
    """The 18th character of a resident identity number (GB 11643-1999, ISO 7064 MOD 11-2).

    Notes
    -----
    With digits a₁…a₁₇ and weights Wᵢ = 2^(18−i) mod 11, the check value is
    (Σ aᵢ·Wᵢ) mod 11, written with the characters "10X98765432" in that order.
    """
    total = sum(int(digit) * weight for digit, weight in zip(first_seventeen_digits, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARACTERS[total % 11]


def resident_id_birth_date(resident_id: str) -> datetime.date | None:
    """The birth date written in characters 7–14, or None when it is not a real date."""
    try:
        return datetime.date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except ValueError:
        return None


def is_valid_resident_id(resident_id: str) -> bool:
    """An 18-character resident ID with a real birth date and the right check character."""
    if not RESIDENT_ID_PATTERN.match(resident_id):
        return False
    if resident_id_birth_date(resident_id) is None:
        return False
    return resident_id_check_character(resident_id[:17]) == resident_id[17]


def mask_resident_id(resident_id: str) -> str:
    """Keep the region code and the last four characters, hide the birth date and sequence."""
    if len(resident_id) != 18:
        return "*" * len(resident_id)
    return resident_id[:6] + "*" * 8 + resident_id[14:]


def is_valid_microchip(number: str) -> bool:
    """A 15-digit animal microchip code (ISO 11784)."""
    return bool(MICROCHIP_PATTERN.match(number))


class RefusalReason(StrEnum):
    BANNED_BREED = "banned_breed"
    HOUSEHOLD_LIMIT = "household_limit"
    HEIGHT_LIMIT = "height_limit"
    NO_VALID_IMMUNISATION = "no_valid_immunisation"
    NO_ASSISTANCE_PROOF = "no_assistance_proof"
    NO_QUARANTINE_CERTIFICATE = "no_quarantine_certificate"


@dataclass(frozen=True)
class RegistrationFacts:
    """What a service point knows when a dog is brought for registration."""

    application_date: datetime.date
    breed_is_banned: bool
    dogs_already_in_household: int
    household_dog_limit: int | None
    shoulder_height_m: float
    shoulder_height_limit_m: float | None
    immunisation_valid_until: datetime.date | None
    is_assistance_dog: bool = False
    has_assistance_proof: bool = False
    assistance_dogs_exempt: bool = True
    is_imported: bool = False
    has_quarantine_certificate: bool = False


def is_over_household_limit(dogs_already_in_household: int, household_dog_limit: int | None) -> bool:
    """True when one more dog would exceed the limit; no limit where the area sets none."""
    return household_dog_limit is not None and dogs_already_in_household + 1 > household_dog_limit


def is_over_height_limit(shoulder_height_m: float, shoulder_height_limit_m: float | None) -> bool:
    """True when the dog stands taller at the shoulder than the area allows [m]."""
    return shoulder_height_limit_m is not None and shoulder_height_m > shoulder_height_limit_m


def is_immunisation_valid(valid_until: datetime.date | None, on: datetime.date) -> bool:
    """A rabies immunisation counts while `on` is no later than its last valid day."""
    return valid_until is not None and on <= valid_until


def refusal_reasons(facts: RegistrationFacts) -> list[RefusalReason]:
    """Every reason the regulation gives to refuse this registration; empty when it may proceed."""
    exempt = facts.is_assistance_dog and facts.has_assistance_proof and facts.assistance_dogs_exempt
    checks = (
        (facts.breed_is_banned, RefusalReason.BANNED_BREED),
        (
            not exempt and is_over_household_limit(facts.dogs_already_in_household, facts.household_dog_limit),
            RefusalReason.HOUSEHOLD_LIMIT,
        ),
        (
            not exempt and is_over_height_limit(facts.shoulder_height_m, facts.shoulder_height_limit_m),
            RefusalReason.HEIGHT_LIMIT,
        ),
        (
            not is_immunisation_valid(facts.immunisation_valid_until, facts.application_date),
            RefusalReason.NO_VALID_IMMUNISATION,
        ),
        (facts.is_assistance_dog and not facts.has_assistance_proof, RefusalReason.NO_ASSISTANCE_PROOF),
        (facts.is_imported and not facts.has_quarantine_certificate, RefusalReason.NO_QUARANTINE_CERTIFICATE),
    )
    return [reason for applies, reason in checks if applies]


class LicenceState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


def licence_state(is_cancelled: bool, expires_on: datetime.date, on: datetime.date) -> LicenceState:
    """What the public check shows: a licence is valid through its expiry day, unless cancelled."""
    if is_cancelled:
        return LicenceState.CANCELLED
    return LicenceState.VALID if on <= expires_on else LicenceState.EXPIRED


class RenewalState(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


def renewal_window_opens(expires_on: datetime.date, window_days: int) -> datetime.date:
    """First day a licence may be renewed: `window_days` before its expiry day."""
    return expires_on - datetime.timedelta(days=window_days)


def renewal_state(expires_on: datetime.date, on: datetime.date, window_days: int) -> RenewalState:
    """Due inside the renewal window, overdue after the expiry day."""
    if on > expires_on:
        return RenewalState.OVERDUE
    if on >= renewal_window_opens(expires_on, window_days):
        return RenewalState.DUE
    return RenewalState.NOT_DUE


class RenewalProblem(StrEnum):
    TOO_EARLY = "too_early"
    NO_VALID_IMMUNISATION = "no_valid_immunisation"
    CANCELLED = "cancelled"


def renewal_problems(
    is_cancelled: bool,
    expires_on: datetime.date,
    immunisation_valid_until: datetime.date | None,
    on: datetime.date,
    window_days: int,
) -> list[RenewalProblem]:
    """Why a renewal cannot be made on `on`; empty when it can (late renewals are allowed and marked late)."""
    checks = (
        (is_cancelled, RenewalProblem.CANCELLED),
        (on < renewal_window_opens(expires_on, window_days), RenewalProblem.TOO_EARLY),
        (not is_immunisation_valid(immunisation_valid_until, on), RenewalProblem.NO_VALID_IMMUNISATION),
    )
    return [problem for applies, problem in checks if applies]


def renewed_expiry(expires_on: datetime.date, on: datetime.date, validity_days: int) -> datetime.date:
    """An on-time renewal runs on from the old expiry; a late one starts again from the renewal day."""
    start = expires_on if on <= expires_on else on
    return start + datetime.timedelta(days=validity_days)


def deadline(start: datetime.date, days: int) -> datetime.date:
    """The last day of a period of `days` calendar days counted from the day after `start`."""
    return start + datetime.timedelta(days=days)


def is_penalty_within_range(amount_yuan: Decimal, minimum_yuan: Decimal, maximum_yuan: Decimal) -> bool:
    """A fine must lie within the regulation's range for the violation, both ends included."""
    return minimum_yuan <= amount_yuan <= maximum_yuan


class ShelterStage(StrEnum):
    AWAITING_NOTICE = "awaiting_notice"
    AWAITING_CLAIM = "awaiting_claim"
    OPEN_FOR_ADOPTION = "open_for_adoption"


def shelter_stage(
    owner_known: bool,
    intake_on: datetime.date,
    notified_on: datetime.date | None,
    claim_days: int,
    on: datetime.date,
) -> ShelterStage:
    """Where a sheltered dog stands: owner to be told, claim period running, or free for adoption.

    A registered owner's claim period runs from the day they were told; a dog
    without a known owner waits out the same period from its intake.
    """
    if owner_known and notified_on is None:
        return ShelterStage.AWAITING_NOTICE
    claim_starts = notified_on if owner_known and notified_on is not None else intake_on
    if on <= deadline(claim_starts, claim_days):
        return ShelterStage.AWAITING_CLAIM
    return ShelterStage.OPEN_FOR_ADOPTION
