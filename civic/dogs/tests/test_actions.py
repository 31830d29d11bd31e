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
    # 2024-03-22 + 365 days = 2025-03-22, but the immunisation ends on 2025-03-14 and the licence with it.
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
    # Old expiry 2024-03-29 + 365 days = 2025-03-29.
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


def test_it_decides_a_fine_inside_the_over_limit_range(dogs):
    case = actions.decide_case(
        open_case(dogs), Decision.FINE, Decimal("500"), "首次违法", dogs.cast.inspector, REFERENCE_DAY
    )
    assert (case.status, case.fine_yuan) == (CaseStatus.DECIDED, Decimal("500"))


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


def test_it_confiscates_wangcai_cancels_his_licence_and_shelters_him(dogs):
    case = open_case(dogs, dog=dogs.wangcai)
    actions.decide_case(case, Decision.FINE_AND_CONFISCATION, Decimal("1000"), "", dogs.cast.inspector, REFERENCE_DAY)
    intake = ShelterIntake.objects.get()
    assert (intake.reason, intake.dog, intake.case) == (IntakeReason.CONFISCATED, dogs.wangcai, case)
    assert Dog.objects.get(pk=dogs.wangcai.pk).status == DogStatus.CONFISCATED
    assert dogs.wangcai_licence.__class__.objects.get(pk=dogs.wangcai_licence.pk).is_cancelled


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
