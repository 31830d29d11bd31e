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
# ASCII digits only: `\d` would also take full-width and other scripts' digits,
# which int() reads but which make a second spelling of the same number.
RESIDENT_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
MICROCHIP_PATTERN = re.compile(r"^[0-9]{15}$")
# Birth dates a living resident's ID can carry: none before 1900, none after the day of checking.
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
# Mainland mobile numbers: 11 digits starting 13–19 (the numbering plan of the
# Ministry of Industry and Information Technology), optionally after +86 or 0086.
MOBILE_PHONE_PATTERN = re.compile(r"^(?:\+?86|0086)?1[3-9][0-9]{9}$")
# Landlines: a trunk 0 and a 2- or 3-digit area code (0519 is Changzhou), a 7- or
# 8-digit number, optionally an extension after "-" or "转".
LANDLINE_PATTERN = re.compile(r"^0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}(?:(?:-|转)[0-9]{1,6})?$")
PHONE_SEPARATORS = re.compile(r"[\s()（）]")


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


def is_valid_resident_id(resident_id: str, on: datetime.date | None = None) -> bool:
    """An 18-character resident ID of ASCII digits (and a final X) with the right check character [GB 11643].

    Its birth date (characters 7–14) must be a real day from 1900 on and, when
    `on` is given, no later than `on`.
    """
    if not RESIDENT_ID_PATTERN.fullmatch(resident_id):
        return False
    born = resident_id_birth_date(resident_id)
    if born is None or born < EARLIEST_BIRTH_DATE or (on is not None and born > on):
        return False
    return resident_id_check_character(resident_id[:17]) == resident_id[17]


def normalised_phone(phone: str) -> str:
    """A phone number without spaces and brackets, its hyphens kept only where a landline has them."""
    return PHONE_SEPARATORS.sub("", phone)


def is_valid_phone(phone: str) -> bool:
    """A mainland mobile number (11 digits, 13–19…) or a landline with its area code, in ASCII digits."""
    number = normalised_phone(phone)
    return bool(MOBILE_PHONE_PATTERN.fullmatch(number) or LANDLINE_PATTERN.fullmatch(number))


def mask_resident_id(resident_id: str) -> str:
    """Keep the region code and the last four characters, hide the birth date and sequence."""
    if len(resident_id) != 18:
        return "*" * len(resident_id)
    return resident_id[:6] + "*" * 8 + resident_id[14:]


def is_valid_microchip(number: str) -> bool:
    """A 15-digit animal microchip code (ISO 11784)."""
    return bool(MICROCHIP_PATTERN.fullmatch(number))


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
    LOST = "lost"


def licence_state(
    is_cancelled: bool, expires_on: datetime.date, on: datetime.date, is_lost: bool = False
) -> LicenceState:
    """What the public check shows: a licence is valid through its expiry day, unless cancelled.

    A licence cancelled because the dog was reported lost ([CZ-DOGS] on
    notice of death, surrender or loss) shows as lost, so a finder knows the
    dog is being looked for rather than struck off.
    """
    if is_cancelled:
        return LicenceState.LOST if is_lost else LicenceState.CANCELLED
    return LicenceState.VALID if on <= expires_on else LicenceState.EXPIRED


class PeriodUnit(StrEnum):
    DAYS = "days"
    MONTHS = "months"


def add_months(start: datetime.date, months: int) -> datetime.date:
    """The same date `months` calendar months later; the month's last day when it has no such date.

    Notes
    -----
    A period of months ends on the day of the last month that has the same
    number as the day it began from; where that month is shorter, on its last
    day ([CIVIL-CODE] article 202: 按照年、月计算期间的，到期月的对应日为期间的最后一日；
    没有对应日的，月末日为期间的最后一日). So a year from 29 February 2024 ends on
    28 February 2025, and a year from 22 March 2024 on 22 March 2025.
    """
    month_index = start.year * 12 + start.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    next_month_first = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_first - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(start.day, last_day))


def period_end(start: datetime.date, length: int, unit: PeriodUnit = PeriodUnit.DAYS) -> datetime.date:
    """The last day of a period of `length` days or months counted from `start`."""
    if unit == PeriodUnit.MONTHS:
        return add_months(start, length)
    return start + datetime.timedelta(days=length)


def licence_expiry(
    start: datetime.date,
    validity: int,
    immunisation_valid_until: datetime.date,
    unit: PeriodUnit = PeriodUnit.DAYS,
) -> datetime.date:
    """The last day of a licence from `start`: one validity period, but never past its rabies immunisation.

    [CZ-DOGS] makes a valid immunisation a condition of registration and of
    renewal, so a licence rests on the immunisation it was issued on:
    expiry = min(end of one validity period from `start`, last valid day of the
    immunisation). A period in months ends on the same date (`period_end`), so a
    year's licence from 22 March 2024 runs to 22 March 2025 at the latest.
    """
    return min(period_end(start, validity, unit), immunisation_valid_until)


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


def renewal_period_start(expires_on: datetime.date, on: datetime.date) -> datetime.date:
    """First day of the renewed period: the day after the old expiry, or the renewal day when renewed late."""
    return expires_on + datetime.timedelta(days=1) if on <= expires_on else on


def renewal_problems(
    is_cancelled: bool,
    expires_on: datetime.date,
    immunisation_valid_until: datetime.date | None,
    on: datetime.date,
    window_days: int,
) -> list[RenewalProblem]:
    """Why a renewal cannot be made on `on`; empty when it can (late renewals are allowed and marked late).

    [CZ-DOGS] renewal is made with a valid immunisation certificate: the
    immunisation must be valid on the first day of the new period (being
    valid on the day at the counter is not enough), and the new period ends
    with it (`renewed_expiry`).
    """
    period_starts = renewal_period_start(expires_on, on)
    checks = (
        (is_cancelled, RenewalProblem.CANCELLED),
        (on < renewal_window_opens(expires_on, window_days), RenewalProblem.TOO_EARLY),
        (not is_immunisation_valid(immunisation_valid_until, period_starts), RenewalProblem.NO_VALID_IMMUNISATION),
    )
    return [problem for applies, problem in checks if applies]


def renewed_expiry(
    expires_on: datetime.date,
    on: datetime.date,
    validity: int,
    unit: PeriodUnit = PeriodUnit.DAYS,
    immunisation_valid_until: datetime.date | None = None,
) -> datetime.date:
    """An on-time renewal runs on from the old expiry; a late one starts again from the renewal day.

    Either way the new expiry is the earlier of the end of one validity period
    (`period_end`) and the immunisation's last valid day.
    """
    start = expires_on if on <= expires_on else on
    expiry = period_end(start, validity, unit)
    return expiry if immunisation_valid_until is None else min(expiry, immunisation_valid_until)


def deadline(start: datetime.date, days: int) -> datetime.date:
    """The last day of a period of `days` calendar days counted from the day after `start`."""
    return start + datetime.timedelta(days=days)


def is_penalty_within_range(amount_yuan: Decimal, minimum_yuan: Decimal, maximum_yuan: Decimal) -> bool:
    """A fine must lie within the regulation's range for the violation, both ends included."""
    return minimum_yuan <= amount_yuan <= maximum_yuan


def dogs_over_limit(dogs_kept: int, household_dog_limit: int | None) -> int:
    """How many of a household's dogs stand over its limit: the only ones an over-limit confiscation takes.

    常州市养犬管理条例, legal liability for keeping more dogs than allowed:
    "逾期不改正的，没收超过限养数量的犬只" — the dogs within the limit stay.
    """
    if household_dog_limit is None:
        return 0
    return max(0, dogs_kept - household_dog_limit)


def hearing_may_be_asked(
    fine_yuan: Decimal | None, large_fine_yuan: Decimal | None, confiscates: bool, revokes_licence: bool
) -> bool:
    """Whether the party must be told of the right to ask for a hearing before the decision.

    [ADMIN-PENALTY-LAW-2021] article 63: a large fine (较大数额罚款), confiscation of
    property of large value, and revoking a licence (吊销许可证件) give the
    right to a hearing. What counts as a large fine is set for each kind of
    authority (for public security organs: ¥2,000 on an individual,
    [MPS-ADMIN-CASES-2020] art. 123). A dog's value is not known
    when it is confiscated, so confiscation is always treated as giving the right.
    """
    large_fine = fine_yuan is not None and large_fine_yuan is not None and fine_yuan >= large_fine_yuan
    return large_fine or confiscates or revokes_licence


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
