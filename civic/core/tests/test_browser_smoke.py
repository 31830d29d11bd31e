"""The site in a real browser: sign-in, the dashboard, the language switch, the login wall."""

from urllib.parse import urlsplit

import pytest

from civic.browser_testing import save_screenshot, sign_in
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_it_shows_wang_fang_the_dashboard_after_she_signs_in(cast, live_server, page):
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    assert urlsplit(page.url).path == "/"
    # The browser asks for zh-CN, which Django serves as its zh-hans language.
    assert page.get_attribute("html", "lang") == "zh-hans"
    # Her name as the header shows it: family name first, no space, as Chinese names are written.
    assert "王芳" in page.inner_text("header .who")
    assert page.locator("#county-map").is_visible()
    assert page.locator("#segment-chart").is_visible()
    save_screenshot(page, "dashboard")


def test_it_turns_the_page_to_english_with_the_language_switch(cast, live_server, page):
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    assert urlsplit(page.url).path == "/"
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("main h1") == "County water-saving dashboard"


def test_it_sends_an_anonymous_visitor_to_the_login_page(live_server, page):
    page.goto(f"{live_server.url}/")

    address = urlsplit(page.url)
    assert address.path == "/login/"
    assert address.query == "next=/"
    assert page.locator("input[name=password]").is_visible()


def test_it_keeps_the_visitor_on_the_login_page_when_the_password_is_wrong(cast, live_server, page):
    sign_in(page, live_server, cast.bureau_staff.username, "not-her-password")

    assert urlsplit(page.url).path == "/login/"
    assert page.locator("main p.error").is_visible()


def test_it_loads_the_login_page_without_a_console_error(live_server, page):
    # A browser asks every site for an icon: without one named in the page it asks for
    # /favicon.ico, gets a 404 and logs "Failed to load resource" in the console.
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/login/", wait_until="networkidle")
    page.wait_for_timeout(500)

    assert errors == []
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon is not None
    assert page.request.get(f"{live_server.url}{icon}").status == 200
