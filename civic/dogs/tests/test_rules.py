import dataclasses
import datetime
from decimal import Decimal

import pytest

from civic.dogs import rules
from civic.dogs.rules import LicenceState, RefusalReason, RenewalProblem, RenewalState, ShelterStage

DAY = datetime.date(2024, 3, 22)


def test_it_computes_the_check_character_of_the_standards_own_example():
    # GB 11643-1999 appendix example: 11010519491231002X.
    # Σ aᵢWᵢ = 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → "X".
    assert rules.resident_id_check_character("11010519491231002") == "X"
    assert rules.is_valid_resident_id("11010519491231002X")


@pytest.mark.parametrize(
    "resident_id",
    [
        "110105194912310021",  # wrong check character
        "11010519491331002X",  # month 13
        "11010519490230002X",  # 30 February
        "1101051949123100X",  # 17 characters
        "11010519491231002x",  # lower-case x
    ],
)
def test_it_rejects_resident_ids_with_a_wrong_check_character_date_or_length(resident_id):
    assert not rules.is_valid_resident_id(resident_id)


def test_it_masks_the_birth_date_and_sequence_of_a_resident_id():
    assert rules.mask_resident_id("11010519491231002X") == "110105********002X"


def test_it_accepts_only_fifteen_digit_microchips():
    assert rules.is_valid_microchip("156000000000001")
    assert not rules.is_valid_microchip("15600000000001")
    assert not rules.is_valid_microchip("15600000000000A")


# A first vaccinated dog of a permitted breed, in a one-dog household with no height limit.
FIRST_DOG = rules.RegistrationFacts(
    application_date=DAY,
    breed_is_banned=False,
    dogs_already_in_household=0,
    household_dog_limit=1,
    shoulder_height_m=0.45,
    shoulder_height_limit_m=None,
    immunisation_valid_until=datetime.date(2025, 3, 1),
)


def facts(**changes):
    return dataclasses.replace(FIRST_DOG, **changes)


def test_it_lets_a_first_vaccinated_dog_of_a_permitted_breed_be_registered():
    assert rules.refusal_reasons(facts()) == []


def test_it_refuses_a_second_dog_in_a_key_area_household():
    assert rules.refusal_reasons(facts(dogs_already_in_household=1)) == [RefusalReason.HOUSEHOLD_LIMIT]


def test_it_lets_a_second_dog_into_a_household_outside_key_areas():
    assert rules.refusal_reasons(facts(dogs_already_in_household=1, household_dog_limit=None)) == []


def test_it_refuses_a_banned_breed_and_an_expired_immunisation_together():
    reasons = rules.refusal_reasons(facts(breed_is_banned=True, immunisation_valid_until=DAY - datetime.timedelta(1)))
    assert reasons == [RefusalReason.BANNED_BREED, RefusalReason.NO_VALID_IMMUNISATION]


def test_it_counts_an_immunisation_valid_through_its_last_day():
    assert rules.refusal_reasons(facts(immunisation_valid_until=DAY)) == []


def test_it_refuses_a_dog_taller_than_the_area_allows_but_not_one_exactly_at_the_limit():
    assert rules.refusal_reasons(facts(shoulder_height_m=0.61, shoulder_height_limit_m=0.60)) == [
        RefusalReason.HEIGHT_LIMIT
    ]
    assert rules.refusal_reasons(facts(shoulder_height_m=0.60, shoulder_height_limit_m=0.60)) == []


def test_it_exempts_a_guide_dog_with_proof_from_the_household_and_height_limits():
    guide_dog = facts(
        dogs_already_in_household=1, shoulder_height_m=0.62, shoulder_height_limit_m=0.60,
        is_assistance_dog=True, has_assistance_proof=True,
    )  # fmt: skip
    assert rules.refusal_reasons(guide_dog) == []


def test_it_refuses_a_guide_dog_without_proof():
    assert rules.refusal_reasons(facts(is_assistance_dog=True)) == [RefusalReason.NO_ASSISTANCE_PROOF]


def test_it_refuses_an_imported_dog_without_its_quarantine_certificate():
    assert rules.refusal_reasons(facts(is_imported=True)) == [RefusalReason.NO_QUARANTINE_CERTIFICATE]


@pytest.mark.parametrize(
    ("cancelled", "on", "state"),
    [
        (False, datetime.date(2024, 3, 29), LicenceState.VALID),  # the expiry day itself
        (False, datetime.date(2024, 3, 30), LicenceState.EXPIRED),
        (True, datetime.date(2024, 3, 1), LicenceState.CANCELLED),
    ],
)
def test_it_tells_valid_expired_and_cancelled_licences_apart(cancelled, on, state):
    assert rules.licence_state(cancelled, datetime.date(2024, 3, 29), on) == state


@pytest.mark.parametrize(
    ("on", "state"),
    [
        (datetime.date(2024, 3, 13), RenewalState.NOT_DUE),  # 16 days before expiry
        (datetime.date(2024, 3, 14), RenewalState.DUE),  # 15 days before: the window opens
        (datetime.date(2024, 3, 29), RenewalState.DUE),
        (datetime.date(2024, 3, 30), RenewalState.OVERDUE),
    ],
)
def test_it_opens_the_renewal_window_fifteen_days_before_expiry(on, state):
    assert rules.renewal_state(datetime.date(2024, 3, 29), on, 15) == state


def test_it_refuses_a_renewal_before_the_window_or_without_valid_immunisation():
    expires = datetime.date(2024, 3, 29)
    assert rules.renewal_problems(False, expires, datetime.date(2025, 1, 1), datetime.date(2024, 3, 13), 15) == [
        RenewalProblem.TOO_EARLY
    ]
    assert rules.renewal_problems(False, expires, datetime.date(2024, 3, 20), DAY, 15) == [
        RenewalProblem.NO_VALID_IMMUNISATION
    ]
    assert rules.renewal_problems(False, expires, datetime.date(2025, 1, 1), DAY, 15) == []


def test_it_extends_an_on_time_renewal_from_the_old_expiry_and_a_late_one_from_the_renewal_day():
    # 2024-03-29 + 365 days = 2025-03-29; late on 2024-04-10: 2024-04-10 + 365 = 2025-04-10.
    assert rules.renewed_expiry(datetime.date(2024, 3, 29), DAY, 365) == datetime.date(2025, 3, 29)
    assert rules.renewed_expiry(datetime.date(2024, 3, 29), datetime.date(2024, 4, 10), 365) == datetime.date(
        2025, 4, 10
    )


def test_it_counts_the_rehoming_deadline_in_calendar_days():
    assert rules.deadline(DAY, 5) == datetime.date(2024, 3, 27)


def test_it_keeps_fines_inside_the_range_with_both_ends_included():
    assert rules.is_penalty_within_range(Decimal("200"), Decimal("200"), Decimal("2000"))
    assert rules.is_penalty_within_range(Decimal("2000"), Decimal("200"), Decimal("2000"))
    assert not rules.is_penalty_within_range(Decimal("199.99"), Decimal("200"), Decimal("2000"))


def test_it_moves_a_sheltered_dog_from_notice_to_claim_to_adoption():
    intake = datetime.date(2024, 3, 1)
    assert rules.shelter_stage(True, intake, None, 15, DAY) == ShelterStage.AWAITING_NOTICE
    # Told on 3 March: the claim runs to 18 March inclusive.
    assert rules.shelter_stage(True, intake, datetime.date(2024, 3, 3), 15, datetime.date(2024, 3, 18)) == (
        ShelterStage.AWAITING_CLAIM
    )
    assert rules.shelter_stage(True, intake, datetime.date(2024, 3, 3), 15, datetime.date(2024, 3, 19)) == (
        ShelterStage.OPEN_FOR_ADOPTION
    )


def test_it_runs_the_claim_period_of_an_ownerless_dog_from_its_intake():
    intake = datetime.date(2024, 3, 1)
    assert rules.shelter_stage(False, intake, None, 15, datetime.date(2024, 3, 16)) == ShelterStage.AWAITING_CLAIM
    assert rules.shelter_stage(False, intake, None, 15, datetime.date(2024, 3, 17)) == ShelterStage.OPEN_FOR_ADOPTION


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2024, 3, 22), datetime.date(2025, 3, 22)),
        (datetime.date(2024, 1, 10), datetime.date(2025, 1, 10)),  # 366 days, across 29 February 2024
        (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),  # no 29 February in 2025: the month's last day
    ],
)
def test_it_ends_a_year_on_the_same_date_or_the_last_day_of_a_shorter_month(start, end):
    # [CIVIL-CODE] art. 202: 到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日.
    assert rules.period_end(start, 12, rules.PeriodUnit.MONTHS) == end


def test_a_licence_ends_on_the_earlier_of_a_year_to_the_same_date_and_its_immunisations_last_day():
    # [CIVIL-CODE] art. 202: a year from 2024-01-10 ends on 2025-01-10 (366 days, across 29 February 2024);
    # [CZ-DOGS]: the licence rests on its immunisation, so an immunisation ending 2024-12-31 ends it then.
    months = rules.PeriodUnit.MONTHS
    start = datetime.date(2024, 1, 10)
    assert rules.licence_expiry(start, 12, datetime.date(2025, 6, 30), months) == datetime.date(2025, 1, 10)
    assert rules.licence_expiry(start, 12, datetime.date(2024, 12, 31), months) == datetime.date(2024, 12, 31)
    # Renewed on time from the old expiry 2024-03-29: a year is 2025-03-29, unless the immunisation ends first.
    old = datetime.date(2024, 3, 29)
    assert rules.renewed_expiry(old, DAY, 12, months, datetime.date(2026, 3, 1)) == datetime.date(2025, 3, 29)
    assert rules.renewed_expiry(old, DAY, 12, months, datetime.date(2025, 3, 14)) == datetime.date(2025, 3, 14)


def test_it_counts_six_months_for_a_lawsuit_to_the_same_date():
    # 行政诉讼法 art. 46: six months from 2024-08-31 end on 2025-02-28.
    assert rules.add_months(datetime.date(2024, 8, 31), 6) == datetime.date(2025, 2, 28)


def test_it_takes_only_the_dogs_over_the_household_limit():
    assert rules.dogs_over_limit(3, 1) == 2
    assert rules.dogs_over_limit(1, 1) == 0
    assert rules.dogs_over_limit(4, None) == 0


@pytest.mark.parametrize(
    ("fine", "confiscates", "revokes", "hearing"),
    [
        (Decimal("1999"), False, False, False),
        (Decimal("2000"), False, False, True),  # 公安机关办理行政案件程序规定 art. 123: ¥2,000 on an individual
        (None, True, False, True),  # [ADMIN-PENALTY-LAW-2021] art. 63 (2): confiscation
        (None, False, True, True),  # [ADMIN-PENALTY-LAW-2021] art. 63 (3): revoking a licence
        (None, False, False, False),  # a warning
    ],
)
def test_it_offers_a_hearing_for_a_large_fine_confiscation_or_revocation(fine, confiscates, revokes, hearing):
    assert rules.hearing_may_be_asked(fine, Decimal("2000"), confiscates, revokes) is hearing
