"""Region names reach the map's tooltips as text: a name holding markup is shown, never run or rendered."""

import pytest

from civic.browser_testing import sign_in
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser

NAME_WITH_MARKUP = '湖塘镇<img id="injected" src="x">'


def test_a_town_named_with_markup_shows_its_name_as_text_on_the_dashboard(cast, live_server, page):
    cast.hutang.name = NAME_WITH_MARKUP
    cast.hutang.boundary = {
        "type": "Polygon",
        "coordinates": [[[119.9, 31.7], [120.0, 31.7], [120.0, 31.8], [119.9, 31.7]]],
    }
    cast.hutang.save()
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    tooltip = page.locator(".leaflet-tooltip.region-label")
    tooltip.first.wait_for()

    assert tooltip.first.inner_text() == NAME_WITH_MARKUP
    assert page.locator("#injected").count() == 0
