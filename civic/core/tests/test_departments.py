"""Roles per department: the water-saving office, the dog-management office and the county administrator above both.

A new account has no role: whatever page it opens after sign-in says so, and nothing more.
"""

from django.urls import reverse

from civic.core.models import Role, User
from civic.testing import sign_in


def english_page(client, url):
    return client.get(url, headers={"accept-language": "en"})


def test_a_user_added_on_the_admins_add_user_page_has_no_role(client, cast):
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    sign_in(client, cast.bureau_admin)

    response = client.post(
        reverse("admin:core_user_add"),
        {"username": "newclerk", "password1": "Shuiwu-2024-clerk", "password2": "Shuiwu-2024-clerk"},
    )

    assert response.status_code == 302
    assert User.objects.get(username="newclerk").role == Role.NONE


def test_a_user_with_no_role_sees_only_a_page_saying_so(client, cast):
    sign_in(client, cast.newcomer)

    for url in (reverse("dashboard"), reverse("water:register"), reverse("dogs:dog_list"), reverse("water:plan_list")):
        response = english_page(client, url)
        assert response.status_code == 403
        assert "Your account has no role yet" in response.text
        assert 'id="no-role"' in response.text
    assert english_page(client, reverse("dashboard")).context["navigation_items"] == []


def test_the_water_saving_office_sees_no_dog_figures_and_no_dog_pages(client, cast):
    sign_in(client, cast.bureau_staff)

    page = english_page(client, reverse("dashboard"))

    assert "County water-saving dashboard" in page.text
    assert "listed_user_count" in page.context
    assert "licences_in_force_count" not in page.context
    assert client.get(reverse("dogs:dog_list")).status_code == 403
    assert client.get(reverse("dogs:case_list")).status_code == 403
    assert not [item for item in page.context["navigation_items"] if item["group"] == "dogs"]


def test_the_dog_office_sees_dog_figures_and_no_water_pages(client, cast):
    sign_in(client, cast.dog_office_staff)

    page = english_page(client, reverse("dashboard"))

    assert "County dog-management dashboard" in page.text
    assert page.context["service_point_count"] == 1  # Sun Li's point, SP01
    assert page.context["open_case_count"] == 0
    assert "listed_user_count" not in page.context
    assert client.get(reverse("water:register")).status_code == 403
    assert client.get(reverse("dogs:dog_list")).status_code == 200
    groups = {item["group"] for item in page.context["navigation_items"]}
    assert groups == {"", "dogs"}


def test_the_county_administrator_sees_both_offices_parts(client, cast):
    sign_in(client, cast.bureau_admin)

    page = english_page(client, reverse("dashboard"))

    assert page.context["listed_user_count"] == 2  # Runhua and Xinglong
    assert page.context["service_point_count"] == 1
    groups = {item["group"] for item in page.context["navigation_items"]}
    assert groups == {"", "water", "programme", "evaluation", "farmland", "dogs"}
