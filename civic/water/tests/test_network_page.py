"""The network page: the county's latest analysis, read from the database, on a map with its alarms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civic.demo.network import load_network_demo
from civic.testing import PASSWORD
from civic.water.models import NetworkAnalysis


def sign_in(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.django_db
def test_the_analyst_sees_the_demo_run_with_its_ranked_candidates(client, cast):
    load_network_demo(cast.network_analyst)
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:network_overview"))
    assert page.status_code == 200
    summary = page.context["summary"]
    # the demo's leak is on pipe 171 (hydro.network.demo) and the stored run names it first
    assert summary["leaks"][0]["pipe_id"] == "171"
    assert summary["leaks"][0]["candidates"][0]["pipe_id"] == "171"
    assert len(summary["nodes"]) == 97  # Net3's 92 junctions, 3 tanks and 2 reservoirs
    assert len(summary["links"]) == 119  # its 117 pipes and 2 pumps
    assert set(summary["sensors"]["pressures"]) <= set(summary["nodes"])
    html = page.content.decode()
    assert 'id="network-map"' in html and 'id="network-summary"' in html
    assert "water/network.js" in html
    # Net3's pumps and bypass follow its tanks: no window passes the model check, and the page says the nights
    # are watched, listing the six windows with their agreement
    assert [window["start"] for window in summary["windows"]] == ["06:00", "10:00", "14:00", "18:00", "22:00", "02:00"]
    assert [window["watched"] for window in summary["windows"]] == [False] * 6
    assert "根据夜间用水量报警" in html  # "alarms from the night consumption", in the page's Chinese


@pytest.mark.django_db
def test_the_page_says_when_nothing_was_analysed(client, cast):
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:network_overview"))
    assert page.status_code == 200
    assert page.context["analysis"] is None and page.context["summary"] is None
    assert 'id="no-analysis"' in page.content.decode()


@pytest.mark.django_db
def test_the_page_names_the_loggers_the_watch_left_out(client, cast):
    # A run whose watch took a logger out (hydro.network.locate.result_details: its offset jumped) lists it,
    # so the analyst can have it checked; a run that left none out shows no such section.
    load_network_demo(cast.network_analyst)
    sign_in(client, cast.network_analyst)
    assert 'id="loggers-left-out"' not in client.get(reverse("water:network_overview")).content.decode()
    analysis = NetworkAnalysis.objects.get()
    left_out = [{"sensor": "n410", "since": "2019-01-11 06:35"}]
    NetworkAnalysis.objects.filter(pk=analysis.pk).update(details={**analysis.details, "loggers_left_out": left_out})
    html = client.get(reverse("water:network_overview")).content.decode()
    assert 'id="loggers-left-out"' in html and "被剔除的压力监测点" in html
    assert "<td>n410</td><td>2019-01-11 06:35</td>" in html
