"""The dog-management pages: registration at the counter, work afterwards, enforcement and the public check.

Pages work on the real today, so dates here are counted from it; the rules'
exact day arithmetic is checked against fixed days in test_actions and test_rules.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from civic.dogs import actions, rules
from civic.dogs.models import (
    CaseStatus,
    Dog,
    Licence,
    LicenceEventKind,
    LicenceStatus,
    Patrol,
    Refusal,
    RenewalReminder,
    ShelterIntake,
    TagStatus,
    ViolationCase,
)
from civic.dogs.testing import CHEN_JING_ID, DAY, LIU_MIN_ID, TODAY, registration_data
from civic.testing import sign_in


def licensed_today(dogs, microchip="156000000000011", address=None):
    """Register Liu Min's corgi today at Sun Li's point, through the action the page calls."""
    application = actions.Application(
        owner=actions.OwnerDetails("刘敏", LIU_MIN_ID, "13900000003"),
        address=address or actions.AddressDetails("牛塘镇青云路9号", dogs.cast.niutang),
        dog=actions.DogDetails(
            "团团", dogs.breed("柯基犬").pk, "黄白", "female", datetime.date(2023, 6, 1), 0.30, True, microchip
        ),
        immunisation=actions.ImmunisationDetails("狂犬病灭活疫苗", "B1", TODAY - 7 * DAY, TODAY + 358 * DAY),
    )
    return actions.register_dog(application, dogs.cast.service_point, dogs.cast.clinic_staff, TODAY)


# --- Registration ----------------------------------------------------------------


def test_sun_li_registers_a_dog_at_her_own_point_and_lands_on_its_licence(client, dogs):
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), registration_data(dogs))
    licence = Licence.objects.get(dog__microchip="156000000000010")
    assert response.status_code == 302
    assert response["Location"] == reverse("dogs:licence_detail", args=[licence.number])
    # Her account is bound to Runxuan Pet Hospital: the form offers no other point.
    assert licence.service_point == dogs.cast.service_point
    # Heights are typed in centimetres and stored in metres: 30 cm = 0.30 m.
    assert licence.dog.shoulder_height_m == pytest.approx(0.30)
    # The licence ends on the earlier of a year to the same date (a dated Deadline row of 12 months;
    # [CIVIL-CODE] art. 202), today + 365 or 366 days, and the immunisation it rests on: vaccinated 7 days
    # ago, valid 365 days, so it ends 358 days from today, and the licence with it.
    assert licence.expires_on == min(rules.add_months(TODAY, 12), TODAY + 358 * DAY) == TODAY + 358 * DAY


def test_the_registration_form_names_a_bad_resident_id_and_stores_nothing(client, dogs):
    # 320412198503121234: the GB 11643 check character of the first 17 digits is 3, not 4.
    data = registration_data(dogs, resident_id="320412198503121234")
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    assert response.status_code == 200
    assert "resident_id" in response.context["form"].errors
    owner_step = response.context["steps"][0]
    assert (owner_step["key"], owner_step["has_errors"]) == ("owner", True)
    assert not Dog.objects.filter(microchip="156000000000010").exists()


def test_a_second_dog_in_zhang_weis_key_area_household_is_refused_with_a_letter(client, dogs):
    # [CZ-DOG-REG-2021]: key area, one dog per household; refusal in writing with 5 days to rehome.
    data = registration_data(dogs, address="湖塘镇花园街1号")
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    refusal = Refusal.objects.get()
    assert response["Location"] == reverse("dogs:refusal_detail", args=[refusal.number])
    assert refusal.rehome_by == TODAY + 5 * DAY
    page = client.get(response["Location"])
    assert "湖塘镇花园街1号" in page.text
    letter = client.get(reverse("dogs:refusal_letter_pdf", args=[refusal.number]))
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")


def test_the_rule_check_foresees_the_refusal_and_stores_nothing(client, dogs):
    data = registration_data(dogs, address="湖塘镇花园街1号")
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:registration_check"), data)
    facts = response.context["facts"]
    # Zhang Wei's household in Hutang's key area keeps Wangcai; the key area allows one dog.
    assert (facts.dogs_already_in_household, facts.household_dog_limit) == (1, 1)
    assert 'data-outcome="refuse"' in response.text
    assert not Refusal.objects.exists()


def test_the_rule_check_clears_a_corgi_in_a_new_household(client, dogs):
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:registration_check"), registration_data(dogs))
    assert response.context["reasons"] == []
    assert 'data-outcome="register"' in response.text


def test_a_guide_dog_with_its_proof_is_registered_over_the_key_area_limit(client, dogs):
    # [CZ-DOG-REG-2021]: guide/assistance dogs with disability proof; the area rule exempts them by default.
    data = registration_data(
        dogs, address="湖塘镇花园街1号", purpose="guide", assistance_proof="残疾人证 32041219850312"
    )
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    assert Licence.objects.get(dog__microchip="156000000000010").dog.purpose == "guide"


def test_a_guide_dog_without_its_proof_is_refused(client, dogs):
    data = registration_data(dogs, address="牛塘镇青云路9号", town=dogs.cast.niutang.pk, purpose="guide")
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    assert Refusal.objects.get().reasons == ["no_assistance_proof"]


def test_the_bureau_chooses_the_service_point_and_clinic_staff_cannot(client, dogs):
    sign_in(client, dogs.cast.dog_office_staff)
    assert "service_point" in client.get(reverse("dogs:register_dog")).context["form"].fields
    client.post(reverse("dogs:register_dog"), registration_data(dogs, service_point=dogs.niutang_point.pk))
    assert Licence.objects.get(dog__microchip="156000000000010").service_point == dogs.niutang_point


def test_the_printed_licence_carries_the_tag_and_its_check_address(client, dogs):
    response = sign_in(client, dogs.cast.clinic_staff).get(reverse("dogs:licence_pdf", args=["DL2023000001"]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- Who sees what ----------------------------------------------------------------


def test_sun_li_sees_only_her_points_dogs_in_the_register(client, dogs):
    response = sign_in(client, dogs.cast.clinic_staff).get(reverse("dogs:dog_list"))
    assert [dog.name for dog in response.context["page"]] == ["旺财"]
    assert client.get(reverse("dogs:licence_detail", args=["DL2024000001"])).status_code == 404


def test_the_inspector_reads_the_register_but_may_not_renew(client, dogs):
    sign_in(client, dogs.cast.inspector)
    assert client.get(reverse("dogs:dog_list")).context["total"] == 2
    page = client.get(reverse("dogs:licence_detail", args=["DL2024000001"]))
    assert page.status_code == 200 and not page.context["may_change"]
    assert client.get(reverse("dogs:renew_licence", args=["DL2024000001"])).status_code == 403


def test_the_register_finds_a_dog_by_its_tag_number_and_masks_the_owners_id(client, dogs):
    response = sign_in(client, dogs.cast.dog_office_staff).get(reverse("dogs:dog_list"), {"q": "DT2024000001"})
    assert [dog.name for dog in response.context["page"]] == ["豆豆"]
    # Masking keeps the region code and the last four: 320412 ******** 4562.
    assert "320412********4562" in response.text
    assert "19900708" not in response.text


# --- Afterwards ---------------------------------------------------------------------


def test_renewal_in_the_window_runs_on_from_the_old_expiry(client, dogs):
    licence = licensed_today(dogs)
    # Put the expiry 10 days ahead: inside the 15-day window ([CZ-DOG-REG-2021]: renewal in the 15 days before expiry).
    Licence.objects.filter(pk=licence.pk).update(expires_on=TODAY + 10 * DAY)
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:renew_licence", args=[licence.number]), {})
    licence.refresh_from_db()
    assert response.status_code == 302
    # A year to the same date from the old expiry would be today + 375 or 376 days; the immunisation ends at
    # today + 358 and the licence with it: the earlier of the two.
    assert licence.expires_on == min(rules.add_months(TODAY + 10 * DAY, 12), TODAY + 358 * DAY) == TODAY + 358 * DAY


def test_renewal_before_the_window_is_refused_with_the_day_it_opens(client, dogs):
    licence = licensed_today(dogs)
    response = sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:renew_licence", args=[licence.number]), {})
    opens = licence.expires_on - 15 * DAY
    assert opens.isoformat() in response.text
    expiry = licence.expires_on
    licence.refresh_from_db()
    assert licence.expires_on == expiry


def test_wangcais_late_renewal_with_a_new_immunisation_starts_from_today(client, dogs):
    # Wangcai's licence ended on 2024-03-29 and his immunisation lapsed: a new certificate comes with the renewal.
    data = {
        "vaccine": "狂犬病灭活疫苗",
        "batch": "2026C",
        "vaccinated_on": TODAY.isoformat(),
        "valid_until": (TODAY + 364 * DAY).isoformat(),
    }
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:renew_licence", args=["DL2023000001"]), data)
    dogs.wangcai_licence.refresh_from_db()
    # Late: the new period starts today; it would run 365 days, but ends with the immunisation at today + 364.
    assert dogs.wangcai_licence.expires_on == TODAY + 364 * DAY
    assert dogs.wangcai_licence.events.get(kind=LicenceEventKind.RENEWED).is_late


def test_the_renewal_form_wants_all_four_immunisation_fields_or_none(client, dogs):
    response = sign_in(client, dogs.cast.clinic_staff).post(
        reverse("dogs:renew_licence", args=["DL2023000001"]), {"vaccine": "狂犬病灭活疫苗"}
    )
    assert set(response.context["form"].errors) == {"batch", "vaccinated_on", "valid_until"}


def test_a_contact_change_twenty_days_late_is_marked_late(client, dogs):
    # [CZ-DOG-REG-2021]: changes of owner/address/contact to be re-registered within 15 days.
    url = reverse("dogs:change_registration", args=["DL2023000001", "contact"])
    data = {"phone": "13800009999", "changed_on": (TODAY - 20 * DAY).isoformat()}
    sign_in(client, dogs.cast.clinic_staff).post(url, data)
    event = dogs.wangcai_licence.events.get(kind=LicenceEventKind.CONTACT_CHANGED)
    assert event.is_late
    dogs.zhang_wei.refresh_from_db()
    assert dogs.zhang_wei.phone == "13800009999"


def test_an_owner_change_into_a_full_key_area_household_is_refused(client, dogs):
    licence = licensed_today(dogs)
    data = {
        "owner_name": "张伟",
        "resident_id": dogs.zhang_wei.resident_id,
        "phone": "13800000001",
        "address": "湖塘镇花园街1号",
        "town": dogs.cast.hutang.pk,
        "changed_on": TODAY.isoformat(),
    }
    url = reverse("dogs:change_registration", args=[licence.number, "owner"])
    response = sign_in(client, dogs.cast.clinic_staff).post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    licence.dog.refresh_from_db()
    assert licence.dog.owner.resident_id == LIU_MIN_ID


def test_cancelling_on_death_makes_the_tag_check_as_cancelled(client, dogs):
    url = reverse("dogs:cancel_licence", args=["DL2023000001"])
    sign_in(client, dogs.cast.clinic_staff).post(url, {"reason": "death", "happened_on": TODAY.isoformat()})
    dogs.wangcai_licence.refresh_from_db()
    assert dogs.wangcai_licence.status == LicenceStatus.CANCELLED
    check = client.get(reverse("dogs:check_number", args=["DT2023000001"]))
    assert check.context["result"]["state"] == "cancelled"


def test_a_replacement_tag_gets_a_new_number_and_the_old_one_stops_checking_valid(client, dogs):
    licence = licensed_today(dogs)
    old_tag = licence.active_tag()
    sign_in(client, dogs.cast.clinic_staff).post(
        reverse("dogs:replace_tag_or_licence", args=[licence.number]), {"what": "tag"}
    )
    old_tag.refresh_from_db()
    assert old_tag.status == TagStatus.REPLACED
    assert client.get(reverse("dogs:check_number", args=[old_tag.number])).context["result"]["state"] == "cancelled"
    new_tag = licence.active_tag()
    assert client.get(reverse("dogs:check_number", args=[new_tag.number])).context["result"]["state"] == "valid"


def test_the_renewal_list_shows_overdue_licences_and_queues_one_reminder_each(client, dogs):
    sign_in(client, dogs.cast.dog_office_staff)
    # Both cast licences ended long before today (2024-03-29 and 2025-01-04): overdue.
    response = client.get(reverse("dogs:renewal_list"), {"state": "overdue"})
    assert [licence.number for licence in response.context["page"]] == ["DL2023000001", "DL2024000001"]
    client.post(reverse("dogs:renewal_list"))
    client.post(reverse("dogs:renewal_list"))
    assert RenewalReminder.objects.count() == 2
    assert RenewalReminder.objects.filter(sent_at__isnull=False).count() == 0


def test_clinic_staff_queue_reminders_only_for_their_own_points_licences(client, dogs):
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:renewal_list"))
    assert list(RenewalReminder.objects.values_list("licence__number", flat=True)) == ["DL2023000001"]


# --- Enforcement ---------------------------------------------------------------------


def test_liu_yang_records_a_patrol_and_opens_a_case_from_it(client, dogs):
    sign_in(client, dogs.cast.inspector)
    client.post(
        reverse("dogs:patrol_list"),
        {"place": dogs.yancheng_park.pk, "patrolled_on": TODAY.isoformat(), "dogs_seen": 3, "notes": ""},
    )
    patrol = Patrol.objects.get()
    assert patrol.inspector == dogs.cast.inspector
    response = client.post(
        reverse("dogs:case_create"),
        {
            "violation_type": dogs.violation_type("no_dog_park").pk,
            "place": dogs.yancheng_park.pk,
            "patrol": patrol.pk,
            "observed_on": TODAY.isoformat(),
            "dog_number": "DT2024000001",
            "description": "携犬进入淹城公园",
        },
    )
    case = ViolationCase.objects.get()
    assert response["Location"] == reverse("dogs:case_detail", args=[case.number])
    assert case.dog == dogs.doudou


def open_case(dogs, code, dog=None):
    case = ViolationCase(
        violation_type=dogs.violation_type(code), place=dogs.hutang_square, observed_on=TODAY, dog=dog, description="见"
    )
    return actions.open_case(case, dogs.cast.inspector)


def test_cases_are_found_by_place_and_by_status(client, dogs):
    open_case(dogs, "no_leash")
    sign_in(client, dogs.cast.inspector)
    assert client.get(reverse("dogs:case_list"), {"q": "湖塘广场"}).context["total"] == 1
    assert client.get(reverse("dogs:case_list"), {"q": "淹城"}).context["total"] == 0
    assert client.get(reverse("dogs:case_list"), {"status": "decided"}).context["total"] == 0


def test_refusals_are_found_by_owner(client, dogs):
    data = registration_data(dogs, address="湖塘镇花园街1号")
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    assert len(client.get(reverse("dogs:refusal_list"), {"q": "刘敏"}).context["page"]) == 1
    assert len(client.get(reverse("dogs:refusal_list"), {"q": "张伟"}).context["page"]) == 0


def test_a_fine_outside_the_regulations_range_is_refused(client, dogs):
    # [CZ-DOG-REG-2021]: dogs in shared building spaces ¥50–500.
    case = open_case(dogs, "shared_space")
    data = {"decision": "fine", "fine_yuan": "600", "reasons": "楼道内饲养"}
    response = sign_in(client, dogs.cast.inspector).post(reverse("dogs:case_detail", args=[case.number]), data)
    assert "fine_yuan" in response.context["form"].errors
    assert "¥50.00" in response.text and "¥500.00" in response.text


def test_a_fine_inside_the_range_decides_the_case(client, dogs):
    case = open_case(dogs, "shared_space")
    data = {"decision": "fine", "fine_yuan": "200", "reasons": "楼道内饲养"}
    sign_in(client, dogs.cast.inspector).post(reverse("dogs:case_detail", args=[case.number]), data)
    case.refresh_from_db()
    assert (case.status, case.fine_yuan) == (CaseStatus.DECIDED, Decimal("200.00"))


def pdf_text(response) -> str:
    """The PDF's text without whitespace; pypdf reads fpdf2's Identity CMap with a NUL before each character."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text() for page in reader.pages).replace("\x00", "").split())


def test_the_printed_decision_states_the_fine_and_the_remedies_but_no_staff_marks(client, dogs):
    # Dogs in shared building spaces: ¥50–500, a rule row still marked "[verify]" for staff.
    case = open_case(dogs, "shared_space")
    assert "[verify]" in case.penalty_range().source
    actions.decide_case(case, "fine", Decimal("200"), "楼道内饲养", dogs.cast.inspector, TODAY)
    response = sign_in(client, dogs.cast.inspector).get(reverse("dogs:case_decision_pdf", args=[case.number]))
    text = pdf_text(response)
    assert "常州市公安局武进分局" in text and "行政处罚决定书" in text
    assert "罚款人民币200.00元" in text
    assert "六十日" not in text and "60日内向常州市武进区人民政府申请行政复议" in text
    assert "6个月内依法向有管辖权的人民法院提起行政诉讼" in text
    assert "verify" not in text and "[" not in text


def test_the_decision_on_doudous_unvaccinated_owner_cites_the_article_names_the_party_and_the_remedies(client, dogs):
    # Hand-worked decision of the agriculture bureau, checked against what [ADMIN-PENALTY-LAW-2021] art. 59 lists:
    # party (name, ID, address); facts; penalty and its basis ([ANIMAL-EPIDEMIC-LAW-2021] art. 92 (1)); the order to correct by
    # 15 days after the decision and what follows; defence (art. 44–45), no hearing for ¥800 (< ¥2,000);
    # payment in 15 days (art. 67); review in 60 days (行政复议法 art. 20), lawsuit in 6 months (行政诉讼法 art. 46).
    case = open_case(dogs, "unvaccinated", dog=dogs.doudou)
    decided_on = datetime.date(2024, 3, 22)
    case.observed_on = decided_on
    case.offender_name, case.offender_resident_id, case.offender_address = "陈静", CHEN_JING_ID, "牛塘镇青云路8号"
    case.save()
    actions.decide_case(case, "fine", Decimal("800"), "", dogs.cast.inspector, decided_on, defence="不知道需要每年接种")
    text = pdf_text(sign_in(client, dogs.cast.inspector).get(reverse("dogs:case_decision_pdf", args=[case.number])))
    assert text.startswith("常州市武进区农业农村局行政处罚决定书")
    assert f"身份证号{CHEN_JING_ID}" in text and "住址牛塘镇青云路8号" in text
    assert "《中华人民共和国动物防疫法》第九十二条第（一）项" in text
    assert "罚款人民币800.00元" in text
    assert "责令当事人于2024年4月6日前改正。逾期不改正的，依法处1,000元以上5,000元以下罚款" in text
    assert "陈述、申辩的权利" in text and "听证" not in text
    assert "当事人陈述、申辩称：不知道需要每年接种" in text
    assert "十五日内" in text and "第六十七条" in text
    assert "60日内向常州市武进区人民政府申请行政复议" in text and "6个月内" in text


def test_a_confiscation_decision_tells_of_the_right_to_a_hearing(client, dogs):
    # [ADMIN-PENALTY-LAW-2021] art. 63–64: confiscation gives the right to ask for a hearing, within five days of being told.
    first = open_case(dogs, "banned_breed", dog=dogs.doudou)
    first.observed_on = TODAY - 20 * DAY
    first.save()
    actions.decide_case(first, "fine", Decimal("500"), "", dogs.cast.inspector, TODAY - 20 * DAY)
    further = actions.follow_up(first, corrected=False, on=TODAY, recorded_by=dogs.cast.inspector)
    assert further is not None
    actions.decide_case(further, "confiscation", None, "", dogs.cast.inspector, TODAY)
    text = pdf_text(sign_in(client, dogs.cast.inspector).get(reverse("dogs:case_decision_pdf", args=[further.number])))
    assert "没收犬只" in text and "要求听证的权利" in text and "五日内" in text
    assert f"以{first.number}号决定责令当事人于" in text and "逾期未改正" in text


def test_the_refusal_letter_is_issued_by_the_public_security_bureau_with_its_basis_and_remedies(client, dogs):
    # [CZ-DOG-REG-2021] art. 4: the public security organ registers dogs, so it refuses them, not the clinic.
    response = sign_in(client, dogs.cast.clinic_staff).post(
        reverse("dogs:register_dog"),
        registration_data(dogs, valid_until=(TODAY - DAY).isoformat(), vaccinated_on=(TODAY - 30 * DAY).isoformat()),
    )
    refusal = Refusal.objects.get()
    assert response.status_code == 302
    text = pdf_text(client.get(reverse("dogs:refusal_letter_pdf", args=[refusal.number])))
    assert text.startswith("常州市公安局武进分局不予养犬登记告知书")
    assert "本机关决定不予登记" in text
    assert "（《中华人民共和国动物防疫法》第三十条第一款）" in text
    assert "60日内向常州市武进区人民政府申请行政复议" in text and "6个月内" in text
    assert text.rstrip().endswith(f"常州市公安局武进分局（印章）{TODAY.year}年{TODAY.month}月{TODAY.day}日")
    assert "便民服务点：" not in text and "verify" not in text


def test_only_enforcers_may_record_a_follow_up(client, dogs):
    case = actions.decide_case(
        open_case(dogs, "unregistered"), "warning", None, "", dogs.cast.inspector, TODAY - 20 * DAY
    )
    response = sign_in(client, dogs.cast.clinic_staff).post(
        reverse("dogs:case_detail", args=[case.number]), {"step": "follow_up", "corrected": "no"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.status, case.followed_up_on) == (CaseStatus.CORRECTION_ORDERED, None)
    assert ViolationCase.objects.count() == 1


def test_an_open_case_has_no_decision_to_print(client, dogs):
    case = open_case(dogs, "shared_space")
    response = sign_in(client, dogs.cast.inspector).get(reverse("dogs:case_decision_pdf", args=[case.number]))
    assert response.status_code == 404


def test_the_notice_to_wangcais_owner_gives_fifteen_days_to_claim(client, dogs):
    # Shelter flow (a comparable city regulation, to verify): notify a registered owner within 5 days; claim within 15 days.
    intake = actions.take_in_found_dog("黄色田园犬", TODAY - 2 * DAY, dogs.wangcai)
    actions.record_owner_notice(intake, TODAY - DAY)
    response = sign_in(client, dogs.cast.inspector).get(reverse("dogs:intake_notice_pdf", args=[intake.pk]))
    text = pdf_text(response)
    claim_by = TODAY - DAY + 15 * DAY
    assert "张伟" in text
    assert f"{claim_by.year}年{claim_by.month}月{claim_by.day}日前" in text


def test_a_banned_breed_is_confiscated_only_after_the_order_to_correct_is_missed(client, dogs):
    # 常州市养犬管理条例: banned breed ¥500–5,000 with an order to correct; confiscation only when not corrected.
    case = open_case(dogs, "banned_breed", dog=dogs.doudou)
    sign_in(client, dogs.cast.dog_office_staff)
    data = {"decision": "fine_and_confiscation", "fine_yuan": "500", "reasons": "饲养禁养犬"}
    response = client.post(reverse("dogs:case_detail", args=[case.number]), data)
    assert "decision" in response.context["form"].errors
    client.post(reverse("dogs:case_detail", args=[case.number]), {**data, "decision": "fine"})
    case.refresh_from_db()
    assert (case.status, case.correct_by) == (CaseStatus.CORRECTION_ORDERED, TODAY + 15 * DAY)
    response = client.post(reverse("dogs:case_detail", args=[case.number]), {"step": "follow_up", "corrected": "no"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION_ORDERED  # not before the deadline
    dogs.doudou_licence.refresh_from_db()
    assert dogs.doudou_licence.status == LicenceStatus.IN_FORCE and not ShelterIntake.objects.exists()


def test_a_found_dog_with_a_tag_goes_through_notice_then_claim(client, dogs):
    sign_in(client, dogs.cast.inspector)
    client.post(
        reverse("dogs:shelter_list"),
        {"reason": "found", "intake_on": TODAY.isoformat(), "dog_number": "DT2023000001", "description": "黄色田园犬"},
    )
    intake = ShelterIntake.objects.get()
    assert intake.dog == dogs.wangcai
    url = reverse("dogs:intake_detail", args=[intake.pk])
    client.post(url, {"step": "notice", "notified_on": TODAY.isoformat()})
    client.post(url, {"step": "claim"})
    intake.refresh_from_db()
    assert intake.outcome == "claimed"


def test_an_untagged_found_dog_may_not_be_adopted_during_the_claim_period(client, dogs):
    # Shelter flow (a comparable city regulation, to verify): claim within 15 days, then adoption.
    intake = actions.take_in_found_dog("白色小型犬", TODAY)
    url = reverse("dogs:intake_detail", args=[intake.pk])
    response = sign_in(client, dogs.cast.inspector).post(
        url, {"step": "adopt", "adopter_name": "周敏", "adopter_phone": "13900000009"}, follow=True
    )
    intake.refresh_from_db()
    assert intake.outcome == "held"
    assert response.context["stage"] == "awaiting_claim"


# --- Public ----------------------------------------------------------------------------


def test_the_public_check_shows_state_and_breed_but_no_personal_data(client, dogs):
    licence = licensed_today(dogs)
    response = client.get(reverse("dogs:check"), {"number": licence.active_tag().number})
    assert response.context["result"]["state"] == "valid"
    assert "柯基犬" in response.text
    for personal in ("刘敏", LIU_MIN_ID, "13900000003", "牛塘镇青云路9号"):
        assert personal not in response.text


def test_the_check_page_offers_the_dog_register_only_to_those_who_may_open_it(client, dogs):
    # Li Qiang (an enterprise reporter) and Chen Jie (a network analyst) may check a tag, but
    # the dog register answers them 403: the dogs' menu must not offer it to them.
    register_link = f'href="{reverse("dogs:dog_list")}"'
    for user in (dogs.cast.runhua_reporter, dogs.cast.network_analyst):
        response = sign_in(client, user).get(reverse("dogs:check"))
        assert response.status_code == 200
        assert register_link not in response.text
        assert client.get(reverse("dogs:dog_list")).status_code == 403
    for user in (dogs.cast.clinic_staff, dogs.cast.inspector, dogs.cast.dog_office_staff):
        assert register_link in sign_in(client, user).get(reverse("dogs:check")).text


def test_the_public_check_shows_an_expired_licence_as_expired(client, dogs):
    # Doudou's licence ran to 2025-01-04.
    response = client.get(reverse("dogs:check"), {"number": "dl2024000001"})
    assert response.context["result"]["state"] == "expired"


def test_the_public_check_says_when_no_tag_has_the_number(client, dogs):
    response = client.get(reverse("dogs:check"), {"number": "DT1999000001"})
    assert response.context["result"]["found"] is False


def test_the_published_statistics_count_valid_licences_by_town(client, dogs):
    licensed_today(dogs)
    response = client.get(reverse("dogs:public_statistics"))
    towns = {row["name"]: row["count"] for row in response.context["figures"]["towns"]}
    # Only Liu Min's new corgi in Niutang is valid today; Wangcai's and Doudou's licences have expired.
    assert towns == {"湖塘镇": 0, "牛塘镇": 1}
    assert response.context["figures"]["licensed_total"] == 1


def test_the_bureau_statistics_count_registrations_per_service_point(client, dogs):
    licensed_today(dogs)
    response = sign_in(client, dogs.cast.dog_office_staff).get(reverse("dogs:staff_statistics"))
    rows = {row["code"]: row for row in response.context["figures"]["throughput"]}
    assert rows["SP01"]["registrations"] == 1
    assert response.context["figures"]["overdue_total"] == 2


# --- Command line ------------------------------------------------------------------------


def test_the_reminder_command_queues_each_overdue_licence_once(dogs):
    import io
    import json

    from django.core.management import call_command

    def run() -> dict:
        output = io.StringIO()
        call_command("queue_renewal_reminders", "--date", "2025-02-01", "--json", "--by", "qianjing", stdout=output)
        return json.loads(output.getvalue())

    # On 2025-02-01 both cast licences have expired (2024-03-29 and 2025-01-04): two overdue reminders.
    assert run() == {
        "date": "2025-02-01",
        "due_licences": 0,
        "due_queued": 0,
        "overdue_licences": 2,
        "overdue_queued": 2,
    }
    assert run()["overdue_queued"] == 0


# --- Photo, admin, the other clinic --------------------------------------------------------


def small_png() -> bytes:
    """A 4 × 4 yellow PNG made by Pillow: the photo an upload carries."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (220, 180, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_photo_taken_at_the_counter_shows_on_the_public_check(client, dogs, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    data = registration_data(dogs, photo=SimpleUploadedFile("tuantuan.png", small_png(), content_type="image/png"))
    sign_in(client, dogs.cast.clinic_staff).post(reverse("dogs:register_dog"), data)
    tag = Licence.objects.get(dog__microchip="156000000000010").active_tag()
    assert tag is not None
    client.logout()
    result = client.get(reverse("dogs:check_number", args=[tag.number])).context["result"]
    # The public page shows the thumbnail, written afresh as a JPEG.
    assert result["photo"].startswith("data:image/jpeg;base64,")


def test_he_jing_sees_neither_sun_lis_dogs_nor_her_refusals(client, dogs):
    refusal = actions.register_dog(
        actions.Application(
            owner=actions.OwnerDetails("刘敏", LIU_MIN_ID, "13900000003"),
            address=actions.AddressDetails("湖塘镇花园街1号", dogs.cast.hutang),
            dog=actions.DogDetails(
                "团团",
                dogs.breed("柯基犬").pk,
                "黄白",
                "female",
                datetime.date(2023, 6, 1),
                0.3,
                True,
                "156000000000012",
            ),
            immunisation=actions.ImmunisationDetails("狂犬病灭活疫苗", "B1", TODAY - 7 * DAY, TODAY + 358 * DAY),
        ),
        dogs.cast.service_point,
        dogs.cast.clinic_staff,
        TODAY,
    )
    assert isinstance(refusal, Refusal)
    sign_in(client, dogs.niutang_clinic_staff)
    assert [dog.name for dog in client.get(reverse("dogs:dog_list")).context["page"]] == ["豆豆"]
    assert list(client.get(reverse("dogs:refusal_list")).context["page"]) == []
    assert client.get(reverse("dogs:refusal_detail", args=[refusal.number])).status_code == 404
    assert client.get(reverse("dogs:renew_licence", args=["DL2023000001"])).status_code == 404


@pytest.mark.parametrize(
    "model",
    [
        "breed",
        "bannedbreed",
        "arearule",
        "deadline",
        "violationtype",
        "penaltyrange",
        "authority",
        "refusalground",
        "dog",
        "licence",
        "violationcase",
    ],
)
def test_the_bureau_edits_every_rule_table_in_the_admin(client, dogs, model):
    sign_in(client, dogs.cast.bureau_admin)
    dogs.cast.bureau_admin.is_superuser = True
    dogs.cast.bureau_admin.save()
    assert client.get(f"/admin/dogs/{model}/").status_code == 200
    assert client.get(f"/admin/dogs/{model}/add/").status_code == 200


def test_the_admin_keeps_the_history_of_a_licence(client, dogs):
    dogs.cast.bureau_admin.is_superuser = True
    dogs.cast.bureau_admin.save()
    immunisation = actions.ImmunisationDetails(
        "狂犬病灭活疫苗", "B2", datetime.date(2024, 3, 22), datetime.date(2025, 3, 21)
    )
    actions.renew_licence(dogs.wangcai_licence, dogs.cast.service_point, None, datetime.date(2024, 3, 22), immunisation)
    sign_in(client, dogs.cast.bureau_admin)
    history = client.get(f"/admin/dogs/licence/{dogs.wangcai_licence.pk}/history/")
    assert history.status_code == 200
    assert dogs.wangcai_licence.history.count() == 2  # created, then renewed
