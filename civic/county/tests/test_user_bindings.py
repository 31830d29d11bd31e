"""A user's link to a water user or a service point lives in the service app, edited on the user's admin page.

An enterprise reporter must be bound to one water user, clinic staff to one service point: the user's
page refuses to save either role without its binding (the rule the user model kept before the link
moved into the services).
"""

from django.urls import reverse

from civic.core.models import Role
from civic.dogs.access import service_point_of
from civic.testing import sign_in
from civic.water.access import water_user_id_of, water_user_of


def change_user(client, user, role, water_user=None, service_point=None):
    data = {
        "username": user.username,
        "role": role,
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "08:00:00",
        "water_user_reporter-TOTAL_FORMS": "1",
        "water_user_reporter-INITIAL_FORMS": "0",
        "water_user_reporter-0-water_user": water_user.pk if water_user else "",
        "service_point_staff-TOTAL_FORMS": "1",
        "service_point_staff-INITIAL_FORMS": "0",
        "service_point_staff-0-service_point": service_point.pk if service_point else "",
    }
    return client.post(reverse("admin:core_user_change", args=[user.pk]), data, headers={"accept-language": "en"})


def signed_in_administrator(client, cast):
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    return sign_in(client, cast.bureau_admin)


def test_the_cast_s_reporters_and_clinic_staff_are_bound_in_the_services(cast):
    assert water_user_of(cast.runhua_reporter) == cast.runhua
    assert water_user_id_of(cast.xinglong_reporter) == cast.xinglong.pk
    assert service_point_of(cast.clinic_staff) == cast.service_point
    assert water_user_of(cast.bureau_staff) is None
    assert service_point_of(cast.inspector) is None


def test_an_enterprise_reporter_without_a_water_user_is_refused(client, cast):
    client = signed_in_administrator(client, cast)

    response = change_user(client, cast.newcomer, Role.ENTERPRISE_REPORTER)

    assert response.status_code == 200
    assert "An enterprise reporter must be bound to one water user." in response.text
    cast.newcomer.refresh_from_db()
    assert cast.newcomer.role == Role.NONE


def test_clinic_staff_without_a_service_point_are_refused(client, cast):
    client = signed_in_administrator(client, cast)

    response = change_user(client, cast.newcomer, Role.CLINIC_STAFF)

    assert response.status_code == 200
    assert "Clinic staff must be bound to one service point." in response.text


def test_a_reporter_bound_on_the_user_s_page_sees_its_water_user(client, cast):
    client = signed_in_administrator(client, cast)

    response = change_user(client, cast.newcomer, Role.ENTERPRISE_REPORTER, water_user=cast.xinglong)

    assert response.status_code == 302
    cast.newcomer.refresh_from_db()
    assert cast.newcomer.role == Role.ENTERPRISE_REPORTER
    assert water_user_of(cast.newcomer) == cast.xinglong
