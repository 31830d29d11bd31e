"""A person's record and a household's dogs hold across service points and spellings.

Sun Li's clinic in Hutang must not rewrite Chen Jing, whom He Jing's point in
Niutang registered; a second dog for Zhang Wei's flat stays refused however its
address or his name is written; the key area follows from the address.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civic.dogs import actions, rules
from civic.dogs.addresses import normalised_address
from civic.dogs.models import (
    AddressPlace,
    Dog,
    Licence,
    LicenceEventKind,
    Owner,
    OwnerDetail,
    OwnerDiscrepancy,
    Refusal,
)
from civic.dogs.testing import CHEN_JING_ID, LIU_MIN_ID, REFERENCE_DAY, ZHANG_WEI_ID, registration_data
from civic.testing import sign_in

IMMUNISED = actions.ImmunisationDetails(
    "狂犬病灭活疫苗", "2024B01", datetime.date(2024, 3, 15), datetime.date(2025, 3, 14)
)


def corgi(dogs, microchip="156000000000030"):
    return actions.DogDetails(
        "团团", dogs.breed("柯基犬").pk, "黄白", "female", datetime.date(2023, 6, 1), 0.30, True, microchip
    )


def zhang_weis_application(dogs, name="张伟", phone="13800000001", address="湖塘镇花园街1号", town=None):
    return actions.Application(
        owner=actions.OwnerDetails(name, ZHANG_WEI_ID, phone),
        address=actions.AddressDetails(address, town or dogs.cast.hutang),
        dog=corgi(dogs),
        immunisation=IMMUNISED,
    )


# --- Writes across service points ([CZ-DOGS] change registration; issue: a clinic rewrote another's owner) ---


def chen_jings_application(dogs, name="陈晶", phone="13911112222", address="牛塘镇青云路20号"):
    """Chen Jing's resident ID brought to Sun Li's counter with another name, phone and address (all in Niutang)."""
    return actions.Application(
        owner=actions.OwnerDetails(name, CHEN_JING_ID, phone),
        address=actions.AddressDetails(address, dogs.cast.niutang),
        dog=corgi(dogs),
        immunisation=IMMUNISED,
    )


def test_sun_lis_clinic_registering_a_dog_for_chen_jing_leaves_his_record_as_he_jings_point_keeps_it(dogs):
    licence = actions.register_dog(
        chen_jings_application(dogs), dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY
    )
    assert isinstance(licence, Licence)
    chen = Owner.objects.get(resident_id=CHEN_JING_ID)
    assert (chen.name, chen.phone, chen.household.address) == ("陈静", "13800000002", "牛塘镇青云路8号")
    assert chen.history.count() == 1  # created, never changed
    assert licence.dog.owner == chen
    # Every difference is flagged for the dog office, and both of Chen Jing's licences record it.
    flagged = dict(OwnerDiscrepancy.objects.filter(owner=chen).values_list("detail", "given_value"))
    assert flagged == {
        OwnerDetail.NAME: "陈晶",
        OwnerDetail.PHONE: "13911112222",
        OwnerDetail.ADDRESS: "牛塘镇青云路20号",
    }
    for held in (licence, dogs.doudou_licence):
        assert held.events.filter(kind=LicenceEventKind.OWNER_DETAILS_DIFFER).count() == 1


def test_the_same_details_written_another_way_raise_no_flag(dogs):
    application = chen_jings_application(dogs, name="陈静", phone="13800000002", address="牛塘镇 青云路８号")
    actions.register_dog(application, dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY)
    assert not OwnerDiscrepancy.objects.exists()


def test_a_change_of_owner_to_chen_jing_at_sun_lis_clinic_does_not_rewrite_him(dogs):
    actions.change_owner(
        dogs.wangcai_licence,
        actions.OwnerDetails("陈晶晶", CHEN_JING_ID, "13700000000"),
        actions.AddressDetails("牛塘镇青云路8号", dogs.cast.niutang),
        REFERENCE_DAY, dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY,
    )  # fmt: skip
    chen = Owner.objects.get(resident_id=CHEN_JING_ID)
    assert (chen.name, chen.phone) == ("陈静", "13800000002")
    assert Dog.objects.get(pk=dogs.wangcai.pk).owner == chen
    assert OwnerDiscrepancy.objects.filter(owner=chen, detail=OwnerDetail.NAME, given_value="陈晶晶").exists()


def test_sun_li_corrects_zhang_weis_phone_and_both_his_licences_record_it(client, dogs):
    sign_in(client, dogs.cast.clinic_staff)
    url = reverse("dogs:correct_owner", args=[dogs.zhang_wei.pk])
    data = {
        "owner_name": "张伟",
        "phone": "13800009999",
        "address": "湖塘镇花园街1号",
        "town": dogs.cast.hutang.pk,
        "reason": "新号码",
    }
    assert client.post(url, data).status_code == 302
    zhang = Owner.objects.get(pk=dogs.zhang_wei.pk)
    assert zhang.phone == "13800009999"
    assert zhang.history.first().history_user == dogs.cast.clinic_staff
    event = dogs.wangcai_licence.events.get(kind=LicenceEventKind.OWNER_CORRECTED)
    assert event.details == {"corrected": ["phone"], "reason": "新号码"}


def test_he_jing_may_not_correct_an_owner_of_sun_lis_point(client, dogs):
    sign_in(client, dogs.niutang_clinic_staff)
    url = reverse("dogs:correct_owner", args=[dogs.zhang_wei.pk])
    data = {
        "owner_name": "李四",
        "phone": "13800009999",
        "address": "湖塘镇花园街1号",
        "town": dogs.cast.hutang.pk,
        "reason": "x",
    }
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert Owner.objects.get(pk=dogs.zhang_wei.pk).name == "张伟"


def test_the_dog_office_and_chen_jings_point_see_the_flags_and_another_point_does_not(client, dogs):
    actions.register_dog(chen_jings_application(dogs), dogs.cast.service_point, dogs.cast.clinic_staff, REFERENCE_DAY)
    url = reverse("dogs:owner_discrepancy_list")
    sign_in(client, dogs.cast.dog_office_staff)
    assert "陈晶" in client.get(url).text
    sign_in(client, dogs.niutang_clinic_staff)
    assert "陈晶" in client.get(url).text
    # Sun Li's point now holds a dog of Chen Jing's too, so it sees the flag; an inspector has no such page.
    sign_in(client, dogs.cast.inspector)
    assert client.get(url).status_code == 403


# --- One dog per household in a key area, however it is written ([CZ-DOGS] 重点管理区每户限养一只) ---


@pytest.mark.parametrize(
    "address",
    [
        "湖塘镇花园街1号室",
        "湖塘镇 花园街１号",
        "武进区湖塘镇花园街一号",
        "江苏省常州市武进区湖塘镇花园街1号",
        "花园街1",
    ],
)
def test_a_second_dog_for_zhang_weis_flat_is_refused_however_the_address_is_written(dogs, address):
    application = actions.Application(
        owner=actions.OwnerDetails("刘敏", LIU_MIN_ID, "13900000003"),
        address=actions.AddressDetails(address, dogs.cast.hutang),
        dog=corgi(dogs),
        immunisation=IMMUNISED,
    )
    outcome = actions.register_dog(application, dogs.cast.service_point, None, REFERENCE_DAY)
    assert isinstance(outcome, Refusal)
    assert outcome.reasons == [rules.RefusalReason.HOUSEHOLD_LIMIT]


def test_zhang_weis_id_under_another_name_and_address_is_still_his_household(dogs):
    # Same resident ID, another name, a new address in Hutang's key area: Wangcai already counts.
    application = zhang_weis_application(dogs, name="张大伟", address="湖塘镇人民路88号")
    outcome = actions.register_dog(application, dogs.cast.service_point, None, REFERENCE_DAY)
    assert isinstance(outcome, Refusal)
    assert outcome.reasons == [rules.RefusalReason.HOUSEHOLD_LIMIT]


def test_the_key_area_follows_from_the_register_of_places_not_a_choice(dogs):
    AddressPlace.objects.filter(town=dogs.cast.hutang).delete()
    AddressPlace.objects.create(name="阳湖路", town=dogs.cast.hutang, key_area=None)
    AddressPlace.objects.create(name="花园街", town=dogs.cast.hutang, key_area=dogs.hutang_key_area)
    assert actions.key_area_of(actions.AddressDetails("湖塘镇花园街3号", dogs.cast.hutang)) == dogs.hutang_key_area
    assert actions.key_area_of(actions.AddressDetails("湖塘镇阳湖路3号", dogs.cast.hutang)) is None
    with pytest.raises(ValidationError, match="地名登记"):
        actions.key_area_of(actions.AddressDetails("湖塘镇无名路3号", dogs.cast.hutang))
    # Niutang has no key area: no place needs to be registered there.
    assert actions.key_area_of(actions.AddressDetails("牛塘镇无名路3号", dogs.cast.niutang)) is None


def test_the_registration_form_offers_no_key_area_and_refuses_a_posted_one(client, dogs):
    sign_in(client, dogs.cast.clinic_staff)
    page = client.get(reverse("dogs:register_dog")).text
    assert 'name="key_area"' not in page
    # A general-area choice posted by hand changes nothing: 湖塘镇 is a key area, Zhang Wei's flat is full.
    data = registration_data(dogs, address="湖塘镇花园街1号", key_area="")
    client.post(reverse("dogs:register_dog"), data)
    assert not Licence.objects.filter(dog__microchip="156000000000010").exists()
    assert Refusal.objects.get().reasons == [rules.RefusalReason.HOUSEHOLD_LIMIT]


def test_an_address_naming_another_town_is_refused_at_the_form(client, dogs):
    sign_in(client, dogs.cast.clinic_staff)
    data = registration_data(dogs, address="湖塘镇花园街1号", town=dogs.cast.niutang.pk)
    response = client.post(reverse("dogs:register_dog"), data)
    assert "address" in response.context["form"].errors
    assert not Refusal.objects.exists()


def test_an_owner_with_two_dogs_cannot_move_them_both_into_a_key_area_flat(dogs):
    # Chen Jing keeps Doudou in Niutang (general area, no limit); a second dog joins him there.
    second = actions.register_dog(
        chen_jings_application(dogs, name="陈静", phone="13800000002", address="牛塘镇青云路8号"),
        dogs.niutang_point, None, REFERENCE_DAY,
    )  # fmt: skip
    assert isinstance(second, Licence)
    # Moving to an empty flat in Hutang's key area would put two dogs in one key-area household.
    with pytest.raises(ValidationError):
        actions.change_address(
            dogs.doudou_licence, actions.AddressDetails("湖塘镇人民路66号", dogs.cast.hutang),
            REFERENCE_DAY, dogs.niutang_point, None, REFERENCE_DAY,
        )  # fmt: skip
    assert Owner.objects.get(resident_id=CHEN_JING_ID).household.address == "牛塘镇青云路8号"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("湖塘镇花园街1号", "花园街1"),
        ("湖塘镇 花园街１号 十二幢 1002室", "花园街1号12栋1002"),
        ("湖塘镇花园街1号12号楼1002", "花园街1号12栋1002"),
        ("湖塘镇花园街一百零五号", "花园街105"),
        ("湖塘镇一品家园3栋", "一品家园3栋"),
        ("湖塘镇花园街1号二十三栋一〇二室", "花园街1号23栋102"),
    ],
)
def test_addresses_are_written_alike_before_they_are_compared(written, expected):
    assert normalised_address(written, ("武进区", "湖塘镇")) == expected


# --- Resident IDs and phones ---------------------------------------------------------------


def test_a_resident_id_with_full_width_or_other_script_digits_is_not_valid():
    # 32041219850312002X: the GB 11643 check character of its first 17 digits is X, which reads the same
    # after full-width or Arabic-Indic digits; `\d` took those digits and int() read them.
    ascii_id = "32041219850312002X"
    assert rules.is_valid_resident_id(ascii_id)
    full_width = ascii_id[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "X"
    arabic_indic = ascii_id[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + "X"
    assert not rules.is_valid_resident_id(full_width)
    assert not rules.is_valid_resident_id(arabic_indic)
    assert not rules.is_valid_resident_id(ascii_id + "\n")


def test_a_resident_id_born_before_1900_or_after_today_is_not_valid():
    born_1899 = "32041218991231001"
    born_2030 = "32041220300101001"
    for first_seventeen in (born_1899, born_2030):
        number = first_seventeen + rules.resident_id_check_character(first_seventeen)
        assert not rules.is_valid_resident_id(number, REFERENCE_DAY)


def test_a_full_width_resident_id_typed_at_the_counter_is_stored_in_ascii_as_the_same_person(client, dogs):
    sign_in(client, dogs.cast.clinic_staff)
    full_width = ZHANG_WEI_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    data = registration_data(
        dogs, resident_id=full_width, owner_name="张伟", phone="13800000001", address="湖塘镇花园街1号"
    )
    client.post(reverse("dogs:register_dog"), data)
    # Read as Zhang Wei's ID in ASCII: his household is found and the second dog refused, no second person made.
    assert Refusal.objects.get().owner_resident_id == ZHANG_WEI_ID
    assert Owner.objects.filter(resident_id__startswith="32041219850312").count() == 1


@pytest.mark.parametrize(
    ("phone", "valid"),
    [
        ("13912345678", True),
        ("+86 139 1234 5678", True),
        ("0519-86001234", True),
        ("051986001234", True),
        ("010-62345678转123", True),
        ("12345678901", False),  # mobile numbers start 13–19
        ("1391234567", False),  # ten digits
        ("１３９１２３４５６７８", False),  # full-width digits
        ("call me", False),
        ("0519-1234", False),
    ],
)
def test_phones_are_mainland_mobiles_or_landlines_with_an_area_code(phone, valid):
    assert rules.is_valid_phone(phone) is valid


def test_the_registration_form_names_a_bad_phone(client, dogs):
    sign_in(client, dogs.cast.clinic_staff)
    response = client.post(reverse("dogs:register_dog"), registration_data(dogs, phone="12345"))
    assert "phone" in response.context["form"].errors
    assert not Licence.objects.filter(dog__microchip="156000000000010").exists()
