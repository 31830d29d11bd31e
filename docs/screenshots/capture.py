"""Take the README's screenshots from a running Civic with the demo county loaded.

The pictures are of the pages as they are, so re-take them whenever a page
they show changes. From the repository root, on a scratch database:

    export DATABASE_URL=sqlite:////tmp/shots.sqlite3 CIVIC_ENV=demo
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py load_demo --reset --yes
    .venv/bin/python manage.py load_metering_demo
    .venv/bin/python manage.py runserver 127.0.0.1:8012 --noreload &
    .venv/bin/python docs/screenshots/capture.py
    kill %1

It signs in as the demo bureau account and writes, into docs/screenshots/:

- `dashboard.png`: the bureau's dashboard (figures, the map of towns and
  streets, the water-saving enterprises by segment);
- `water_user.png`: the page of a water user (Runhua Dyeing, WJ0001, by
  default): its register facts, plan against use by month, meters and bills;
- `programme_chain_graph.png`, `programme_segment_figures.png`,
  `programme_feedback_analysis.png`: the water-saving industry's chain, its
  figures by segment and year with the park, and the product feedback analysis;
- `programme_verification.png`: the measured saving of a closed project;
- `farmland_progress.png`, `farmland_coefficient.png`: high-standard farmland
  against the plan on the district's map, and the irrigation coefficient;
- `dog_statistics_map.png`: the published dog figures with the key areas;
- `metering_alarms.png`: the open customer alarms, largest losses first, with
  their Excel work list and the boxes to give several to one person (after
  `manage.py load_metering_demo`);
- `metering_alarm_contacted.png`: an open leak alarm after a call is recorded
  on it: the customer contacted, kept on the alarm, the meter's use and the
  workflow (this one writes: use a scratch database);
- `notices.png`: an enterprise reporter's notices (plans issued, surcharge bills due).

`--language en` takes the English pages instead (for a look, not for the
README: its pictures are the Chinese pages); `--output-directory` writes them
elsewhere. Chromium is Debian's (`/usr/bin/chromium`, or `CIVIC_CHROMIUM`),
launched as the browser tests launch it; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY_ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from civic.browser_testing import CHROMIUM_ARGUMENTS, VIEWPORT, chromium_executable, missing_chromium_reason  # noqa: E402
from civic.core.pdf import chinese_font_path  # noqa: E402

DEFAULT_BASE_URL = "http://127.0.0.1:8012"
DEFAULT_OUTPUT_DIRECTORY = Path(__file__).resolve().parent
DEMO_PASSWORD = "demo12345"
BROWSER_LOCALES = {"zh-hans": "zh-CN", "en": "en-GB"}
# ECharts animates a chart in for about a second; Leaflet fades its layers in.
SETTLE_MILLISECONDS = 1500
READY_TIMEOUT_MILLISECONDS = 15_000
OPTION_VALUES = "options => options.map(option => option.value)"


def fontconfig_with_chinese_font(directory: Path) -> Path:
    """A fontconfig file adding the Noto Sans SC font of the PDF notices to the machine's fonts.

    A server or a fresh machine often has no Chinese font; Chromium would then
    draw every Chinese character as an empty box. The font that Civic already
    installs from PyPI for its PDF notices serves instead.
    """
    font_directory = Path(chinese_font_path()).parent
    configuration = directory / "fonts.conf"
    configuration.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font_directory}</dir>\n"
        f"  <cachedir>{directory / 'cache'}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return configuration


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Take the README's screenshots from a running Civic.")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"the running site (default {DEFAULT_BASE_URL})")
    parser.add_argument("--username", default="bureau", help="a bureau account (default: the demo's `bureau`)")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="its password (default: the demo password)")
    parser.add_argument("--analyst", default="analyst", help="a network analyst's account, for the network page")
    parser.add_argument("--reporter", default="runhua", help="an enterprise reporter's account, for the notices")
    parser.add_argument("--water-user", default="WJ0001", help="user number of the water user to show")
    parser.add_argument(
        "--year", type=int, help="year of the water user's plan and use (default: the latest with both)"
    )
    parser.add_argument("--language", choices=sorted(BROWSER_LOCALES), default="zh-hans")
    parser.add_argument("--output-directory", type=Path, default=DEFAULT_OUTPUT_DIRECTORY)
    return parser.parse_args(argv)


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if page.url.rstrip("/").endswith("/login"):
        raise SystemExit(f"capture: could not sign in as {username} at {base_url}")


def capture(page: Page, url: str, ready_selector: str, path: Path) -> None:
    """Open `url`, wait for `ready_selector` and for animations to end, and save the whole page.

    A script error on the page stops the capture: a picture of a half-drawn page is worse than none.
    """
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    response = page.goto(url)
    if response is None or response.status != 200:
        raise SystemExit(f"capture: {url} answered {response.status if response else 'nothing'}")
    try:
        page.wait_for_selector(ready_selector, timeout=READY_TIMEOUT_MILLISECONDS)
        page.wait_for_timeout(SETTLE_MILLISECONDS)
    except PlaywrightTimeoutError:
        script_errors.append(f"{ready_selector} did not appear")
    if script_errors:
        raise SystemExit(f"capture: {url} was not drawn whole: {'; '.join(script_errors)}")
    page.screenshot(path=str(path), full_page=True)
    print(f"wrote {path}")


def latest_year_with_use(page: Page, base_url: str, water_user: str) -> int | None:
    """The latest year of the water user's page whose chart has both a plan and metered use.

    The page opens on the latest year with a plan, which may be a year not yet
    metered; a picture of a plan with no use beside it would show little.
    """
    page.goto(f"{base_url}/water/users/{water_user}/")
    years = sorted(
        (int(value) for value in page.eval_on_selector_all("select[name=year] option", OPTION_VALUES)), reverse=True
    )
    for year in years:
        use = page.request.get(f"{base_url}/water/users/{water_user}/use.json?year={year}").json()
        if any(value is not None for value in use["actual_m3"]) and any(
            value is not None for value in use["planned_m3"]
        ):
            return year
    return None


CONTACT_NOTE = "已电话联系户主，称夜间马桶水箱一直有水声，约好明天上门查看。"


def capture_contacted_alarm(page: Page, base_url: str, path: Path) -> None:
    """Record a call on the first open leak alarm (on the scratch database) and take its page: the customer
    contacted, kept on the alarm, beside the customer on file today."""
    page.goto(f"{base_url}/water/metering/alarms/?kind=continuous_flow&status=open")
    alarm_url = page.get_attribute("table tbody a", "href")
    if not alarm_url:
        return
    page.goto(f"{base_url}{alarm_url}")
    page.fill("#contact-form textarea[name=note]", CONTACT_NOTE)
    page.click("#contact-form button[type=submit]")
    page.wait_for_load_state()
    capture(page, page.url, "#contacted-customer", path)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    reason = missing_chromium_reason()
    if reason is not None:
        print(f"capture: {reason}", file=sys.stderr)
        return 1
    base_url = arguments.base_url.rstrip("/")
    output = arguments.output_directory
    output.mkdir(parents=True, exist_ok=True)
    suffix = "" if arguments.language == "zh-hans" else f"_{arguments.language}"
    with tempfile.TemporaryDirectory() as fonts, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_executable()),
            headless=True,
            args=list(CHROMIUM_ARGUMENTS),
            env={**os.environ, "FONTCONFIG_FILE": str(fontconfig_with_chinese_font(Path(fonts)))},
        )
        context = browser.new_context(locale=BROWSER_LOCALES[arguments.language], viewport=VIEWPORT)
        page = context.new_page()
        sign_in(page, base_url, arguments.username, arguments.password)
        capture(page, f"{base_url}/", "#county-map .leaflet-interactive", output / f"dashboard{suffix}.png")
        year = arguments.year or latest_year_with_use(page, base_url, arguments.water_user)
        capture(
            page,
            f"{base_url}/water/users/{arguments.water_user}/" + (f"?year={year}" if year else ""),
            "#use-chart canvas",
            output / f"water_user{suffix}.png",
        )
        for name, path, ready in (
            ("programme_chain_graph", "/programme/chain/", "#chain-graph canvas"),
            ("programme_segment_figures", "/programme/segments/", "#segment-chart canvas"),
            ("programme_feedback_analysis", "/programme/feedback/analysis/", "#quarter-chart canvas"),
            ("farmland_progress", "/farmland/", "#farmland-map .leaflet-interactive"),
            ("farmland_coefficient", "/farmland/coefficient/", "#coefficient-chart canvas"),
            ("dog_statistics_map", "/dogs/statistics/", "#dog-map .leaflet-interactive"),
            ("metering_alarms", "/water/metering/alarms/?status=open&order=volume", "#bulk-assign-controls"),
        ):
            capture(page, f"{base_url}{path}", ready, output / f"{name}{suffix}.png")
        capture_contacted_alarm(page, base_url, output / f"metering_alarm_contacted{suffix}.png")
        page.goto(f"{base_url}/programme/projects/?stage=closed")
        project_url = page.get_attribute("#project-table tbody a", "href")
        if project_url:
            capture(
                page,
                f"{base_url}{project_url}verification/",
                ".verification",
                output / f"programme_verification{suffix}.png",
            )
        # the network page is the utility's network analyst's
        analyst = browser.new_context(locale=BROWSER_LOCALES[arguments.language], viewport=VIEWPORT).new_page()
        sign_in(analyst, base_url, arguments.analyst, arguments.password)
        capture(
            analyst,
            f"{base_url}/water/network/",
            "#network-map .leaflet-overlay-pane svg",
            output / f"network{suffix}.png",
        )
        # the notices are an enterprise reporter's: Runhua's plans issued and surcharge bills due
        reporter = browser.new_context(locale=BROWSER_LOCALES[arguments.language], viewport=VIEWPORT).new_page()
        sign_in(reporter, base_url, arguments.reporter, arguments.password)
        capture(reporter, f"{base_url}/notices/", "#notice-table, table", output / f"notices{suffix}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
