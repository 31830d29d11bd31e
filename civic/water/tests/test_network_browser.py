"""The network page in Chromium: Chen Jie, the network analyst, sees the demo leak localised on the map."""

from __future__ import annotations

import pytest

from civic.browser_testing import save_screenshot, sign_in
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_chen_jie_sees_the_leak_pipe_highlighted_and_the_residual_charts(cast, live_server, page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.network_analyst.username, PASSWORD)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/water/network/")
    page.wait_for_selector("#network-map path.leaflet-interactive", state="attached")
    # 119 links of Net3, drawn from the .inp coordinates, plus the candidates and the ring of the simulated leak
    assert page.locator("#network-map path.leaflet-interactive").count() > 119
    assert page.locator("#alarm-table tbody tr td strong").first.inner_text() == "171"
    page.wait_for_selector("#night-chart canvas")
    page.wait_for_selector("#residual-chart canvas")
    assert errors == []
    save_screenshot(page, "water-network")
