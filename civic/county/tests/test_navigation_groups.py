"""The menu comes in sections, one per app, so that a long menu wraps between sections."""

from django.test import RequestFactory

from civic.county.navigation import navigation


def menu_sections(user):
    request = RequestFactory().get("/")
    request.user = user
    return [[item["url"].split("/")[1] for item in group] for group in navigation(request)["navigation_groups"]]


def test_it_gives_wang_fang_the_dashboard_then_water_programme_evaluation_farmland_and_no_dogs(cast):
    sections = menu_sections(cast.bureau_staff)

    # Civic's own pages first (the dashboard at /, the jobs at /jobs/), then each app's.
    assert [set(section) for section in sections] == [
        {"", "jobs"},
        {"water"},
        {"programme"},
        {"evaluation"},
        {"farmland"},
    ]


def test_it_gives_the_county_administrator_the_dashboard_then_the_water_pages_then_the_dog_pages(cast):
    sections = menu_sections(cast.bureau_admin)

    assert [set(section) for section in sections] == [
        {"", "jobs"},
        {"water"},
        {"programme"},
        {"evaluation"},
        {"farmland"},
        {"dogs"},
    ]


def test_it_gives_li_qiang_his_water_use_his_firm_s_projects_and_feedback_then_his_balance_tests(cast):
    assert menu_sections(cast.runhua_reporter) == [["water"], ["programme", "programme"], ["evaluation", "evaluation"]]


def test_it_keeps_my_water_use_out_of_a_superusers_menu(cast):
    # The demo's `admin` is a superuser with the bureau administrator's role: it has no
    # water user of its own, so the reporter's "My water use" (/water/mine/) is not its page.
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    request = RequestFactory().get("/")
    request.user = cast.bureau_admin

    urls = [item["url"] for item in navigation(request)["navigation_items"]]

    assert "/water/mine/" not in urls
    assert "/water/users/" in urls
    water_office_sections = [section for section in menu_sections(cast.bureau_admin) if section[0] != "dogs"]
    assert water_office_sections == menu_sections(cast.bureau_staff)
