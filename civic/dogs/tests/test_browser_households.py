"""The one-dog rule and the immunisation a licence rests on, walked through in Chromium.

Sun Li of Runxuan Pet Hospital tries to register a second dog for Zhang
Wei's flat in Hutang's key area, writing the address another way and his
name another way: the counter refuses both, with the key area read from the
address. She registers a dog for Chen Jing of Niutang under a misspelt name:
his record stays as it is and the dog office corrects it. A licence issued on
a short immunisation ends with it; a renewal needs an immunisation valid on
the new period's first day and withdraws the reminder already queued.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from civic.browser_testing import save_screenshot, sign_in
from civic.dogs.models import Licence, LicenceEventKind, Owner, RenewalReminder
from civic.dogs.testing import CHEN_JING_ID, ZHANG_WEI_ID, fill_dog_step, fill_immunisation_step, fill_owner_step
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def start_registration(page, live_server) -> None:
    page.goto(f"{live_server.url}/dogs/register/")
    assert page.locator("#id_key_area").count() == 0  # no key area to pick


def test_a_second_dog_for_zhang_weis_flat_is_refused_however_it_is_written(dogs, live_server, page):
    # [CZ-DOGS] one dog per household in a key area; Hutang is a key area as a whole ([CZ-KEY-AREAS]).
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    start_registration(page, live_server)
    fill_owner_step(page, dogs.cast.hutang, "湖塘镇 花园街１号室")
    fill_dog_step(page, dogs, "柯基犬", "156000000000040", "30")
    fill_immunisation_step(page)
    assert page.get_attribute("#check-outcome", "data-outcome") == "refuse"
    assert page.inner_text("#check-key-area") == dogs.hutang_key_area.name
    save_screenshot(page, "dogs_household_refused")

    # Zhang Wei's own ID under another name and at another address of the key area: still his household.
    start_registration(page, live_server)
    fill_owner_step(page, dogs.cast.hutang, "湖塘镇人民路88号", name="张大伟", resident_id=ZHANG_WEI_ID)
    fill_dog_step(page, dogs, "柯基犬", "156000000000041", "30")
    fill_immunisation_step(page)
    assert page.get_attribute("#check-outcome", "data-outcome") == "refuse"
    with page.expect_navigation():
        page.click("#register-submit")
    assert "/dogs/refusals/" in page.url
    assert not Licence.objects.filter(dog__microchip="156000000000041").exists()


def test_a_misspelt_name_for_chen_jings_id_is_flagged_and_corrected_by_the_dog_office(dogs, live_server, page, browser):
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    start_registration(page, live_server)
    fill_owner_step(page, dogs.cast.niutang, "牛塘镇青云路8号", name="陈晶", resident_id=CHEN_JING_ID)
    fill_dog_step(page, dogs, "柯基犬", "156000000000042", "30")
    fill_immunisation_step(page)
    assert page.get_attribute("#check-outcome", "data-outcome") == "register"
    with page.expect_navigation():
        page.click("#register-submit")
    # The register kept the name it holds and flags the one given.
    assert "陈静" in page.inner_text("#owner-facts")
    assert page.locator("#owner-flags").is_visible()

    office = browser.new_context(locale="zh-CN").new_page()
    sign_in(office, live_server, dogs.cast.dog_office_staff.username, PASSWORD)
    office.goto(f"{live_server.url}/dogs/owners/to-check/")
    assert "陈晶" in office.inner_text("#discrepancy-table")
    with office.expect_navigation():
        office.click("#discrepancy-table a")
    office.fill("#id_owner_name", "陈晶")
    office.fill("#id_reason", "核对身份证，登记时姓名有误")
    with office.expect_navigation():
        office.click("#correct-owner-submit")
    save_screenshot(office, "dogs_owner_corrected")
    office.context.close()

    chen = Owner.objects.get(resident_id=CHEN_JING_ID)
    assert chen.name == "陈晶"
    assert chen.discrepancies.filter(resolved_on__isnull=True).count() == 0
    assert dogs.doudou_licence.events.filter(kind=LicenceEventKind.OWNER_CORRECTED).count() == 1


def test_a_licence_on_a_short_immunisation_ends_with_it(dogs, live_server, page):
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    start_registration(page, live_server)
    fill_owner_step(page, dogs.cast.niutang, "牛塘镇青云路9号")
    fill_dog_step(page, dogs, "柯基犬", "156000000000043", "30")
    fill_immunisation_step(page, valid_until=TODAY + 100 * DAY)
    # 365 days would outrun the immunisation: the check says the licence ends with it.
    assert page.inner_text("#check-licence-until").startswith((TODAY + 100 * DAY).isoformat())
    with page.expect_navigation():
        page.click("#register-submit")
    assert page.inner_text("#licence-expiry") == (TODAY + 100 * DAY).isoformat()


def test_renewing_wangcai_needs_a_covering_immunisation_and_withdraws_his_reminder(dogs, live_server, page):
    sign_in(page, live_server, dogs.cast.clinic_staff.username, PASSWORD)
    # Wangcai's licence ended on 2024-03-29: overdue; Sun Li queues the owners' reminders.
    page.goto(f"{live_server.url}/dogs/renewals/?state=overdue")
    with page.expect_navigation():
        page.click("#queue-reminders")
    assert RenewalReminder.objects.filter(licence=dogs.wangcai_licence, withdrawn_on__isnull=True).count() == 1

    # An old certificate that ran out before today (the first day of a late renewal's period) is not enough.
    page.goto(f"{live_server.url}/dogs/licences/DL2023000001/renew/")
    page.fill("#id_vaccine", "狂犬病灭活疫苗")
    page.fill("#id_batch", "2025A")
    page.fill("#id_vaccinated_on", (TODAY - 400 * DAY).isoformat())
    page.fill("#id_valid_until", (TODAY - 35 * DAY).isoformat())
    with page.expect_navigation():
        page.click("#renew-submit")
    assert TODAY.isoformat() in page.inner_text("#renewal-form")
    assert Licence.objects.get(pk=dogs.wangcai_licence.pk).expires_on == datetime.date(2024, 3, 29)

    page.fill("#id_vaccine", "狂犬病灭活疫苗")
    page.fill("#id_batch", "2026C")
    page.fill("#id_vaccinated_on", TODAY.isoformat())
    page.fill("#id_valid_until", (TODAY + 364 * DAY).isoformat())
    with page.expect_navigation():
        page.click("#renew-submit")
    assert page.inner_text("#licence-expiry") == (TODAY + 364 * DAY).isoformat()
    assert "已撤回" in page.inner_text("#reminders")
    assert RenewalReminder.objects.get(licence=dogs.wangcai_licence).withdrawn_on == TODAY
