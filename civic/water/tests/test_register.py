import datetime

import pytest
from django.urls import reverse

from civic.testing import sign_in
from civic.water.models import AnnualPlan, MeterReading, MonthlyPlan, PlanMethod, PlanStatus


def test_it_lists_water_users_for_the_bureau(client, cast):
    response = sign_in(client, cast.bureau_staff).get(reverse("water:register"))
    assert response.status_code == 200
    assert response.context["total"] == 2
    assert "常州润华印染有限公司" in response.text


def test_it_searches_by_name_and_by_meter_serial(client, cast):
    sign_in(client, cast.bureau_staff)
    by_name = client.get(reverse("water:register"), {"q": "兴隆"})
    by_serial = client.get(reverse("water:register"), {"q": "M-RH-01A"})
    assert [user.code for user in by_name.context["page"]] == ["WJ0002"]
    assert [user.code for user in by_serial.context["page"]] == ["WJ0001"]


def test_it_filters_by_town(client, cast):
    response = sign_in(client, cast.bureau_staff).get(reverse("water:register"), {"town": cast.niutang.pk})
    assert [user.code for user in response.context["page"]] == ["WJ0002"]


def test_it_pages_the_register_fifty_at_a_time(client, cast):
    from civic.water.models import WaterUser

    for number in range(3, 63):  # 60 more users: 62 in all → pages of 50 and 12
        WaterUser.objects.create(code=f"WJ{number:04d}", name=f"用户{number}", kind="enterprise", town=cast.hutang)
    sign_in(client, cast.bureau_staff)
    assert len(client.get(reverse("water:register")).context["page"]) == 50
    assert len(client.get(reverse("water:register"), {"page": 2}).context["page"]) == 12


def test_it_shows_meters_including_sub_meters_on_the_user_page(client, cast):
    response = sign_in(client, cast.bureau_staff).get(reverse("water:water_user_detail", args=["WJ0001"]))
    assert response.status_code == 200
    assert "M-RH-01A" in response.text


def test_it_serves_plan_and_use_by_month_counting_only_billing_meters(client, cast):
    plan = AnnualPlan.objects.create(
        water_user=cast.runhua, year=2024, method=PlanMethod.HISTORY, annual_volume_m3=12_000, status=PlanStatus.ISSUED
    )
    for month in range(1, 13):
        MonthlyPlan.objects.create(plan=plan, month=month, volume_m3=1_000)
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2024, 3, 31), volume_m3=1_250)
    # The sub-meter's 400 m³ is part of the parent's 1,250 m³ and must not be added again.
    MeterReading.objects.create(meter=cast.runhua_sub_meter, reading_date=datetime.date(2024, 3, 31), volume_m3=400)
    data = (
        sign_in(client, cast.runhua_reporter)
        .get(reverse("water:water_user_use_json", args=["WJ0001"]), {"year": 2024})
        .json()
    )
    assert data["planned_m3"][2] == 1_000
    assert data["actual_m3"][2] == 1_250
    assert data["actual_m3"][3] is None


def test_it_sends_a_reporter_to_its_own_water_user(client, cast):
    response = sign_in(client, cast.runhua_reporter).get(reverse("water:my_water_user"))
    assert response["Location"] == reverse("water:water_user_detail", args=["WJ0001"])


def test_it_sends_a_superuser_without_a_water_user_to_the_register(client, cast):
    # The demo's `admin` is a superuser, let through every role check, but reports for no water user.
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    response = sign_in(client, cast.bureau_admin).get(reverse("water:my_water_user"))
    assert response.status_code == 302
    assert response["Location"] == reverse("water:register")


@pytest.mark.parametrize("url_name", ["water:water_user_detail", "water:water_user_use_json"])
def test_it_hides_another_enterprise_from_a_reporter(client, cast, url_name):
    sign_in(client, cast.runhua_reporter)
    assert client.get(reverse(url_name, args=["WJ0001"])).status_code == 200
    assert client.get(reverse(url_name, args=["WJ0002"])).status_code == 404


def test_it_refuses_the_register_to_reporters_and_other_services(client, cast):
    for person in (cast.runhua_reporter, cast.network_analyst, cast.clinic_staff, cast.inspector):
        client.logout()
        assert sign_in(client, person).get(reverse("water:register")).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, cast):
    response = client.get(reverse("water:water_user_detail", args=["WJ0001"]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_opens_a_user_page_on_the_latest_year_with_readings_not_on_a_plan_without_any(client, cast):
    # A 2026 plan is issued before 2026 has any reading: the page opens on 2025, where use meets plan.
    AnnualPlan.objects.create(
        water_user=cast.runhua, year=2026, method=PlanMethod.HISTORY, annual_volume_m3=12_000, status=PlanStatus.ISSUED
    )
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2025, 12, 31), volume_m3=900)
    page = sign_in(client, cast.bureau_staff).get(reverse("water:water_user_detail", args=[cast.runhua.code]))
    assert page.context["year"] == 2025
    assert page.context["years"] == [2026, 2025]
