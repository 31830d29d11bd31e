"""The network page: the stored localisation of the demo leak on Net3, on a map with its alarms."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from civic.testing import PASSWORD
from civic.water import network


def sign_in(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.django_db
def test_the_analyst_sees_the_alarm_with_its_ranked_candidates(client, cast):
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:network_overview"))
    assert page.status_code == 200
    summary = page.context["summary"]
    # the demo's leak is on pipe 171 (hydro.network.demo) and the stored localisation names it first
    assert summary["leaks"][0]["pipe_id"] == "171"
    assert len(summary["nodes"]) == 97  # Net3's 92 junctions, 3 tanks and 2 reservoirs
    html = page.content.decode()
    assert 'id="network-map"' in html and 'id="network-summary"' in html
    assert "water/network.js" in html
    # Net3's pumps and bypass follow its tanks: no window passes the model check, and the page says the nights
    # are watched, listing the six windows with their agreement
    assert 'id="window-table"' in html
    assert [window["watched"] for window in summary["windows"]] == [False] * 6
    assert "根据夜间用水量报警" in html  # "alarms from the night consumption", in the page's Chinese


@pytest.mark.django_db
def test_the_page_says_when_nothing_was_computed(client, cast, tmp_path, monkeypatch):
    monkeypatch.setattr(network, "DEMO_FILE", tmp_path / "none.json")
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:network_overview"))
    assert page.status_code == 200
    assert page.context["summary"] is None
    assert "compute_network_demo" in page.content.decode()


def test_the_command_computes_and_stores_the_demo_localisation(tmp_path):
    out = tmp_path / "demo.json"
    call_command("compute_network_demo", out=out)
    summary = json.loads(out.read_text())
    assert [leak["pipe_id"] for leak in summary["leaks"]] == ["171"]
    # noise-free data: the change point is the leak's start; the alarm comes at the end of the next night window
    assert summary["leaks"][0]["estimated_start"] == "2019-01-02 12:00"
    assert summary["leaks"][0]["start_time"] == "2019-01-03 09:00"
    assert summary["true_leaks"][0]["pipe_id"] == "171"
    assert set(summary["sensors"]["pressures"]) <= set(summary["nodes"])
    assert [window["start"] for window in summary["windows"]] == ["06:00", "10:00", "14:00", "18:00", "22:00", "02:00"]
    assert max(window["agreement"] for window in summary["windows"]) < 0.9
