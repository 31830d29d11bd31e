import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civic.dogs import actions
from civic.dogs.models import (
    AreaRule,
    CaseStatus,
    Decision,
    Dog,
    DogStatus,
    IntakeReason,
    Licence,
    LicenceEventKind,
    LicenceStatus,
    Owner,
    Refusal,
    RenewalReminder,
    ShelterIntake,
    ShelterOutcome,
    TagStatus,
    ViolationCase,
)
from civic.dogs.testing import LIU_MIN_ID, REFERENCE_DAY

IMMUNISED = actions.ImmunisationDetails(
    vaccine="狂犬病灭活疫苗",
    batch="2024B01",
    vaccinated_on=datetime.date(2024, 3, 15),
    valid_until=datetime.date(2025, 3, 14),
)


IMMUNISED_FROM_JANUARY = actions.ImmunisationDetails(
    vaccine="狂犬病灭活疫苗",
    batch="2024A01",
    vaccinated_on=datetime.date(2024, 1, 3),
    valid_until=datetime.date(2025, 1, 31),
)


def application(dogs, breed="柯基犬", address=None, immunisation=IMMUNISED, **dog_changes):
    dog = dict(
        name="团团", breed_id=dogs.breed(breed).pk, colour="黄白", sex="female",
        birth_date=datetime.date(2023, 6, 1), shoulder_height_m=0.30, is_neutered=True, microchip="156000000000010",
    )  # fmt: skip
    dog.update(dog_changes)
    return actions.Application(
        owner=actions.OwnerDetails(name="刘敏", resident_id=LIU_MIN_ID, phone="13900000003"),
        address=address or actions.AddressDetails("湖塘镇人民路5号", dogs.cast.hutang),
        dog=actions.DogDetails(**dog),
        immunisation=immunisation,
    )


def test_it_registers_owner_dog_immunisation_licence_and_tag_in_one_stop(dogs):
    licence = actions.register_dog(application(dogs), dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY)
    assert isinstance(licence, Licence)
    # The cast holds DL2024000001 (Doudou), so Tuantuan's is the next in 2024.
    assert licence.number == "DL2024000002"
    tag = licence.active_tag()
    assert tag is not None
    assert tag.number == "DT2024000002"
    # The licence ends on the earlier of a year to the same date (2024-03-22 → 2025-03-22, [CIVIL-CODE]
    # art. 202) and the immunisation's last valid day, 2025-03-14: min(2025-03-22, 2025-03-14) = 2025-03-14.
    assert licence.expires_on == datetime.date(2025, 3, 14)
    assert licence.dog.owner.household.key_area == dogs.hutang_key_area
    assert licence.dog.immunisations.get().batch == "2024B01"
    assert list(licence.events.values_list("kind", flat=True)) == [LicenceEventKind.REGISTERED]


def test_it_refuses_a_second_dog_in_zhang_weis_key_area_household_with_a_five_day_deadline(dogs):
    second_dog = application(dogs, address=actions.AddressDetails("湖塘镇花园街1号", dogs.cast.hutang))
    refusal = actions.register_dog(second_dog, dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY)
    assert isinstance(refusal, Refusal)
    assert refusal.reasons == ["household_limit"]
    assert refusal.number == "RF20240001"
    assert refusal.rehome_by == datetime.date(2024, 3, 27)  # 22 March + 5 days
    assert not Dog.objects.filter(name="团团").exists()
    assert not Owner.objects.filter(resident_id=LIU_MIN_ID).exists()


def test_it_refuses_a_tibetan_mastiff_anywhere(dogs):
    general_area = actions.AddressDetails("牛塘镇青云路9号", dogs.cast.niutang)
    refusal = actions.register_dog(
        application(dogs, breed="藏獒", address=general_area), dogs.cast.service_point, None, REFERENCE_DAY
    )
    assert isinstance(refusal, Refusal)
    assert refusal.reasons == ["banned_breed"]


def test_it_refuses_a_dog_over_an_area_height_limit(dogs):
    AreaRule.objects.create(
        region=dogs.cast.niutang, effective_from=datetime.date(2024, 1, 1), max_shoulder_height_m=0.6
    )
    general_area = actions.AddressDetails("牛塘镇青云路9号", dogs.cast.niutang)
    tall = application(dogs, breed="阿拉斯加雪橇犬", address=general_area, shoulder_height_m=0.64)
    refusal = actions.register_dog(tall, dogs.cast.service_point, None, REFERENCE_DAY)
    assert isinstance(refusal, Refusal)
    assert refusal.reasons == ["height_limit"]


def test_it_ignores_an_area_rule_that_has_not_come_into_force(dogs):
    AreaRule.objects.create(
        region=dogs.cast.niutang, effective_from=datetime.date(2024, 4, 1), max_shoulder_height_m=0.6
    )
    general_area = actions.AddressDetails("牛塘镇青云路9号", dogs.cast.niutang)
    tall = application(dogs, breed="阿拉斯加雪橇犬", address=general_area, shoulder_height_m=0.64)
    assert actions.register_dog(tall, dogs.cast.service_point, None, REFERENCE_DAY).number == "DL2024000002"


def test_it_refuses_without_a_valid_immunisation(dogs):
    lapsed = actions.ImmunisationDetails(
        "狂犬病灭活疫苗", "2023A", datetime.date(2023, 3, 1), datetime.date(2024, 2, 29)
    )
    refusal = actions.register_dog(application(dogs, immunisation=lapsed), dogs.cast.service_point, None, REFERENCE_DAY)
    assert isinstance(refusal, Refusal)
    assert refusal.reasons == ["no_valid_immunisation"]


def test_it_stores_nothing_when_the_microchip_is_already_registered(dogs):
    with pytest.raises(ValidationError) as error:
        actions.register_dog(
            application(dogs, microchip=dogs.wangcai.microchip), dogs.cast.service_point, None, REFERENCE_DAY
        )
    assert "microchip" in error.value.message_dict
    assert not Owner.objects.filter(resident_id=LIU_MIN_ID).exists()


def test_it_renews_wangcai_in_the_window_from_the_old_expiry(dogs):
    # A three-year rabies vaccine: the immunisation outlasts the renewed period.
    three_years = actions.ImmunisationDetails(
        "狂犬病灭活疫苗（三年）", "2024B02", REFERENCE_DAY, datetime.date(2027, 3, 21)
    )
    licence = actions.renew_licence(
        dogs.wangcai_licence, dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY, three_years
    )
    # A year after the old expiry 2024-03-29: 2025-03-29.
    assert licence.expires_on == datetime.date(2025, 3, 29)
    event = licence.events.get(kind=LicenceEventKind.RENEWED)
    assert (event.is_late, event.details["previous_expiry"]) == (False, "2024-03-29")


def test_it_refuses_to_renew_doudou_before_the_window_and_keeps_the_new_immunisation_out(dogs):
    with pytest.raises(ValidationError, match="2024-12-20"):  # 2025-01-04 − 15 days
        actions.renew_licence(dogs.doudou_licence, dogs.niutang_point, None, REFERENCE_DAY, IMMUNISED)
    assert dogs.doudou.immunisations.count() == 1


def test_it_refuses_to_renew_when_the_immunisation_has_run_out(dogs):
    # Wangcai's immunisation ran to 2023-03-30 + 358 days = 2024-03-22; renewing on 23 March is too late for it.
    with translation.override("en"), pytest.raises(ValidationError, match="immunisation"):
        actions.renew_licence(dogs.wangcai_licence, dogs.cast.service_point, None, datetime.date(2024, 3, 23))


def test_it_cancels_a_licence_on_death_and_the_tag_with_it(dogs):
    actions.cancel_licence(dogs.doudou_licence, "death", REFERENCE_DAY, dogs.niutang_point, None, REFERENCE_DAY)
    dogs.doudou_licence.refresh_from_db()
    dogs.doudou_tag.refresh_from_db()
    assert dogs.doudou_licence.status == LicenceStatus.CANCELLED
    assert dogs.doudou_tag.status == TagStatus.CANCELLED
    assert Dog.objects.get(pk=dogs.doudou.pk).status == DogStatus.DEAD


def test_it_marks_a_cancellation_reported_after_fifteen_days_as_late(dogs):
    # Died 6 March; the notice was due by 21 March, one day before it came.
    actions.cancel_licence(dogs.doudou_licence, "death", datetime.date(2024, 3, 6), None, None, REFERENCE_DAY)
    assert dogs.doudou_licence.events.get(kind=LicenceEventKind.CANCELLED).is_late


def test_it_replaces_a_lost_tag_with_a_new_number(dogs):
    tag = actions.replace_tag(dogs.wangcai_licence, dogs.cast.service_point, None, REFERENCE_DAY)
    dogs.wangcai_tag.refresh_from_db()
    assert (tag.number, dogs.wangcai_tag.status) == ("DT2024000002", TagStatus.REPLACED)
    assert dogs.wangcai_licence.active_tag() == tag


def test_it_refuses_to_move_doudou_into_zhang_weis_full_key_area_household(dogs):
    with pytest.raises(ValidationError):
        actions.change_address(
            dogs.doudou_licence,
            actions.AddressDetails("湖塘镇花园街1号", dogs.cast.hutang),
            REFERENCE_DAY, dogs.niutang_point, None, REFERENCE_DAY,
        )  # fmt: skip
    assert Owner.objects.get(pk=dogs.chen_jing.pk).household.address == "牛塘镇青云路8号"


def test_it_hands_wangcai_to_a_new_owner_and_marks_a_late_change(dogs):
    actions.change_owner(
        dogs.wangcai_licence,
        actions.OwnerDetails("刘敏", LIU_MIN_ID, "13900000003"),
        actions.AddressDetails("湖塘镇人民路5号", dogs.cast.hutang),
        datetime.date(2024, 3, 1), dogs.cast.service_point, None, REFERENCE_DAY,
    )  # fmt: skip
    assert Dog.objects.get(pk=dogs.wangcai.pk).owner.resident_id == LIU_MIN_ID
    # Changed 1 March, due by 16 March, recorded 22 March: late.
    assert dogs.wangcai_licence.events.get(kind=LicenceEventKind.OWNER_CHANGED).is_late


def test_it_queues_a_due_reminder_for_wangcai_once_however_often_it_runs(dogs):
    assert actions.queue_renewal_reminders(REFERENCE_DAY) == 1
    assert actions.queue_renewal_reminders(REFERENCE_DAY) == 0
    reminder = RenewalReminder.objects.get()
    assert (reminder.licence, reminder.kind, reminder.phone) == (dogs.wangcai_licence, "due", "13800000001")
    assert "2024年03月29日" in reminder.message


def test_it_queues_an_overdue_reminder_after_expiry(dogs):
    assert actions.queue_renewal_reminders(datetime.date(2024, 3, 30)) == 1
    assert RenewalReminder.objects.get().kind == "overdue"


def open_case(dogs, code="over_limit", dog=None):
    case = ViolationCase(
        violation_type=dogs.violation_type(code), place=dogs.hutang_square, observed_on=REFERENCE_DAY,
        dog=dog, description="一户饲养两只犬",
    )  # fmt: skip
    return actions.open_case(case, dogs.cast.inspector)


def test_it_numbers_cases_in_a_yearly_sequence(dogs):
    assert open_case(dogs).number == "VC20240001"
    assert open_case(dogs).number == "VC20240002"


def test_it_decides_a_fine_inside_the_over_limit_range_and_orders_correction_in_fifteen_days(dogs):
    # 常州市养犬管理条例: "责令限期改正，处二百元以上二千元以下罚款"; the demo county gives 15 days:
    # 2024-03-22 + 15 days = 2024-04-06.
    case = actions.decide_case(
        open_case(dogs), Decision.FINE, Decimal("500"), "首次违法", dogs.cast.inspector, REFERENCE_DAY
    )
    assert (case.status, case.fine_yuan) == (CaseStatus.CORRECTION_ORDERED, Decimal("500"))
    assert case.correct_by == datetime.date(2024, 4, 6)


@pytest.mark.parametrize(
    ("code", "decision", "fine", "field"),
    [
        ("over_limit", Decision.FINE, Decimal("2500"), "fine_yuan"),  # over limit: ¥200–2,000
        ("over_limit", Decision.FINE, None, "fine_yuan"),
        ("over_limit", Decision.WARNING, None, "decision"),  # no warning for over-limit keeping
        ("shared_space", Decision.FINE_AND_CONFISCATION, Decimal("100"), "decision"),
    ],
)
def test_it_refuses_decisions_outside_the_regulation(dogs, code, decision, fine, field):
    case = open_case(dogs, code)
    with pytest.raises(ValidationError) as error:
        actions.decide_case(case, decision, fine, "", dogs.cast.inspector, REFERENCE_DAY)
    assert field in error.value.message_dict
    assert ViolationCase.objects.get(pk=case.pk).status == CaseStatus.OPEN


# --- Enforcement steps: order to correct, follow-up, and only then the further penalty -------------

ORDER_DEADLINE = datetime.date(2024, 4, 6)  # REFERENCE_DAY 2024-03-22 + 15 days to correct
AFTER_DEADLINE = datetime.date(2024, 4, 7)


def ordered_then_not_corrected(dogs, code, dog, decision=Decision.FINE, fine=Decimal("500")):
    """The first decision on the day seen, then the follow-up the day after the deadline: the further case."""
    case = actions.decide_case(open_case(dogs, code, dog=dog), decision, fine, "", dogs.cast.inspector, REFERENCE_DAY)
    assert case.correct_by == ORDER_DEADLINE
    further = actions.follow_up(case, corrected=False, on=AFTER_DEADLINE, recorded_by=dogs.cast.inspector)
    assert further is not None
    return case, further


def test_it_confiscates_no_banned_dog_on_the_day_it_is_seen(dogs):
    # "饲养禁养犬只的，由公安机关责令限期改正，处五百元以上五千元以下罚款；逾期不改正的，没收犬只".
    case = open_case(dogs, "banned_breed", dog=dogs.doudou)
    for decision in (Decision.FINE_AND_CONFISCATION, Decision.CONFISCATION):
        with pytest.raises(ValidationError) as error:
            actions.decide_case(case, decision, Decimal("1000"), "", dogs.cast.inspector, REFERENCE_DAY)
        assert "decision" in error.value.message_dict
    assert not ShelterIntake.objects.exists()
    assert Dog.objects.get(pk=dogs.doudou.pk).status == DogStatus.REGISTERED


def test_it_records_not_corrected_only_after_the_deadline_and_then_opens_the_further_case(dogs):
    case = actions.decide_case(
        open_case(dogs, "banned_breed", dog=dogs.doudou), Decision.FINE, Decimal("500"), "", dogs.cast.inspector,
        REFERENCE_DAY,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        actions.follow_up(case, corrected=False, on=ORDER_DEADLINE, recorded_by=dogs.cast.inspector)
    further = actions.follow_up(case, corrected=False, on=AFTER_DEADLINE, recorded_by=dogs.cast.inspector)
    assert further is not None
    case.refresh_from_db()
    assert (case.status, case.corrected, case.followed_up_on) == (CaseStatus.DECIDED, False, AFTER_DEADLINE)
    assert (further.step, further.follows, further.observed_on) == ("not_corrected", case, AFTER_DEADLINE)
    actions.decide_case(further, Decision.CONFISCATION, None, "逾期未改正", dogs.cast.inspector, AFTER_DEADLINE)
    intake = ShelterIntake.objects.get()
    assert (intake.reason, intake.dog, intake.intake_on) == (IntakeReason.CONFISCATED, dogs.doudou, AFTER_DEADLINE)
    assert Licence.objects.get(pk=dogs.doudou_licence.pk).is_cancelled


def test_a_correction_in_time_closes_the_case_with_nothing_further(dogs):
    case = actions.decide_case(
        open_case(dogs, "unregistered"), Decision.WARNING, None, "", dogs.cast.inspector, REFERENCE_DAY
    )
    assert (
        actions.follow_up(case, corrected=True, on=datetime.date(2024, 4, 1), recorded_by=dogs.cast.inspector) is None
    )
    assert ViolationCase.objects.count() == 1
    assert ViolationCase.objects.get().status == CaseStatus.DECIDED


def test_it_confiscates_only_the_dog_kept_over_the_household_limit(dogs):
    # Zhang Wei's key-area household (one dog allowed) keeps Wangcai (licensed 2023-03-30) and Heihei,
    # licensed later: Heihei is the one over the limit, and only Heihei is taken ("没收超过限养数量的犬只").
    from civic.dogs.testing import make_licensed_dog

    heihei, _licence, _tag = make_licensed_dog(
        dogs.zhang_wei, "黑黑", "柯基犬", "156000000000009", dogs.cast.service_point,
        datetime.date(2023, 9, 1), "DL2023000009", "DT2023000009",
    )  # fmt: skip
    _case, on_wangcai = ordered_then_not_corrected(dogs, "over_limit", dogs.wangcai)
    with pytest.raises(ValidationError):
        actions.decide_case(on_wangcai, Decision.CONFISCATION, None, "", dogs.cast.inspector, AFTER_DEADLINE)
    _case, on_heihei = ordered_then_not_corrected(dogs, "over_limit", heihei)
    actions.decide_case(on_heihei, Decision.CONFISCATION, None, "", dogs.cast.inspector, AFTER_DEADLINE)
    statuses = dict(Dog.objects.filter(owner=dogs.zhang_wei).values_list("name", "status"))
    assert statuses == {"旺财": DogStatus.REGISTERED, "黑黑": DogStatus.CONFISCATED}


def test_a_late_change_not_corrected_revokes_the_licence_and_confiscates_the_dog(dogs):
    # "未按期办理变更登记的…；逾期不改正的，吊销养犬登记证，没收犬只".
    _case, further = ordered_then_not_corrected(dogs, "late_change", dogs.wangcai, Decision.WARNING, None)
    with pytest.raises(ValidationError):
        actions.decide_case(further, Decision.CONFISCATION, None, "", dogs.cast.inspector, AFTER_DEADLINE)
    actions.decide_case(further, Decision.REVOCATION_AND_CONFISCATION, None, "", dogs.cast.inspector, AFTER_DEADLINE)
    licence = Licence.objects.get(pk=dogs.wangcai_licence.pk)
    assert (licence.status, licence.cancellation_reason) == (LicenceStatus.CANCELLED, "revocation")
    assert Dog.objects.get(pk=dogs.wangcai.pk).status == DogStatus.CONFISCATED


def test_an_unvaccinated_dog_gets_no_warning_up_to_1000_yuan_then_1000_to_5000(dogs):
    # [ANIMAL-EPIDEMIC-LAW-2021] art. 92 (1): "责令限期改正，可以处一千元以下罚款；逾期不改正的，处一千元以上五千元以下罚款".
    case = open_case(dogs, "unvaccinated", dog=dogs.doudou)
    assert case.authority().kind == "agriculture"
    for decision, fine in ((Decision.WARNING, None), (Decision.FINE, Decimal("1001"))):
        with pytest.raises(ValidationError):
            actions.decide_case(case, decision, fine, "", dogs.cast.inspector, REFERENCE_DAY)
    actions.decide_case(case, Decision.FINE, Decimal("1000"), "", dogs.cast.inspector, REFERENCE_DAY)
    further = actions.follow_up(case, corrected=False, on=AFTER_DEADLINE, recorded_by=dogs.cast.inspector)
    assert further is not None
    with pytest.raises(ValidationError):
        actions.decide_case(further, Decision.FINE, Decimal("999"), "", dogs.cast.inspector, AFTER_DEADLINE)
    actions.decide_case(further, Decision.FINE, Decimal("3000"), "", dogs.cast.inspector, AFTER_DEADLINE)
    assert ViolationCase.objects.get(pk=further.pk).fine_yuan == Decimal("3000")


@pytest.mark.parametrize(
    ("code", "authority"),
    [
        ("unvaccinated", "agriculture"),
        ("banned_breed", "public_security"),
        ("over_limit", "public_security"),
        ("droppings", "city_management"),
    ],
)
def test_each_violation_type_names_the_authority_that_enforces_it(dogs, code, authority):
    # [CZ-DOG-REG-2021] art. 4: police register and enforce, agriculture oversees immunisation,
    # city management the streets' cleanliness.
    assert dogs.violation_type(code).authority == authority


def test_a_licence_runs_to_the_same_date_a_year_later_across_a_leap_day(dogs):
    # Issued 2024-01-10: a year later is 2025-01-10; 365 days would end on 2025-01-09 (2024 has 366 days).
    licence = actions.register_dog(
        application(dogs, immunisation=IMMUNISED_FROM_JANUARY), dogs.cast.service_point, dogs.cast.clinic_staff,
        datetime.date(2024, 1, 10),
    )  # fmt: skip
    assert isinstance(licence, Licence)
    assert licence.expires_on == datetime.date(2025, 1, 10)


def test_it_lets_a_found_dog_be_claimed_within_fifteen_days_of_the_notice_then_adopted(dogs):
    intake = ShelterIntake.objects.create(
        reason=IntakeReason.FOUND, intake_on=datetime.date(2024, 3, 1), dog=dogs.doudou, description="走失"
    )
    assert intake.notice_due_by() == datetime.date(2024, 3, 6)
    with pytest.raises(ValidationError):
        actions.record_adoption(intake, "王磊", "13700000000", datetime.date(2024, 3, 10))
    actions.record_owner_notice(intake, datetime.date(2024, 3, 3))
    assert intake.claim_by() == datetime.date(2024, 3, 18)
    with pytest.raises(ValidationError):
        actions.record_adoption(intake, "王磊", "13700000000", datetime.date(2024, 3, 18))
    actions.record_adoption(intake, "王磊", "13700000000", datetime.date(2024, 3, 19))
    assert intake.outcome == ShelterOutcome.ADOPTED


def test_it_records_a_claim_inside_the_claim_period(dogs):
    intake = ShelterIntake.objects.create(
        reason=IntakeReason.FOUND, intake_on=datetime.date(2024, 3, 1), dog=dogs.doudou, description="走失",
        owner_notified_on=datetime.date(2024, 3, 2),
    )  # fmt: skip
    assert actions.record_claim(intake, datetime.date(2024, 3, 17)).outcome == ShelterOutcome.CLAIMED
