"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Loaded as a pytest plugin by the root conftest. Tests marked `@pytest.mark.browser`
take the `page` fixture (a fresh browser context per test, Chinese locale) and sign
in with `sign_in`. Browsers are never downloaded: the executable is Debian's
`/usr/bin/chromium`, or whatever `CIVIC_CHROMIUM` names; without it the browser
tests are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

CHROMIUM_ENVIRONMENT_VARIABLE = "CIVIC_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SCREENSHOT_DIRECTORY = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1366, "height": 900}

# The closed network of CI machines refuses Chromium's background connections
# (updates, sync, QUIC probes); without these switches the browser waits on them.
CHROMIUM_ARGUMENTS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_executable() -> Path:
    return Path(os.environ.get(CHROMIUM_ENVIRONMENT_VARIABLE, DEFAULT_CHROMIUM))


def missing_chromium_reason() -> str | None:
    """Why browser tests cannot run here, or None when the Chromium executable is present."""
    executable = chromium_executable()
    if executable.is_file() and os.access(executable, os.X_OK):
        return None
    return (
        f"Chromium not found at {executable}: install Debian's `chromium` package "
        f"or set {CHROMIUM_ENVIRONMENT_VARIABLE} to a Chromium executable"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing_chromium_reason()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    reason = missing_chromium_reason()
    if reason is not None:
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in the test thread; Django would
    # otherwise refuse the test's own database queries as "async-unsafe".
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_executable()), headless=True, args=list(CHROMIUM_ARGUMENTS)
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context: no cookies, Chinese locale, a laptop-sized window."""
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, live_server: Any, username: str, password: str) -> None:
    """Sign in through the login form, as a person would, and wait for the page it leads to."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def save_screenshot(page: Page, name: str) -> Path | None:
    """Save `docs/screenshots/<name>.png` when CIVIC_SCREENSHOTS=1; otherwise do nothing.

    The README's pictures are made this way, so they show the pages as they are.
    """
    if os.environ.get("CIVIC_SCREENSHOTS") != "1":
        return None
    SCREENSHOT_DIRECTORY.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIRECTORY / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
