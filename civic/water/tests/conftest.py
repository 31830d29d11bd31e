"""Fixtures of the water app's tests: a bureau engineer and a two-firm reuse study built through the pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from civic.testing import Cast, sign_in
from civic.water.models import ReuseStudy


@pytest.fixture
def engineer(cast: Cast) -> Client:
    client = Client()
    sign_in(client, cast.bureau_staff)
    # Labels are compared in English; the county's pages default to Chinese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def add_stream(client: Client, code: str, **fields) -> None:
    response = client.post(reverse("water:reuse_firm_streams", args=[code]), {"action": "add", **fields})
    assert response.status_code == 302, response.content.decode()


@pytest.fixture
def study(cast: Cast, engineer: Client) -> ReuseStudy:
    """Runhua (dyeing) has 50 m³/h of rinse water at COD 20 and a dyeing line needing 30 m³/h at ≤ 10;
    Xinglong, 800 m east, cools with 40 m³/h at ≤ 50."""
    runhua, xinglong = cast.runhua.code, cast.xinglong.code
    add_stream(engineer, runhua, name="漂洗水", kind="source", flow_m3_per_h=50, cod_mg_per_l=20)
    add_stream(engineer, runhua, name="染色", kind="sink", flow_m3_per_h=30, cod_mg_per_l=10)
    add_stream(engineer, xinglong, name="冷却补水", kind="sink", flow_m3_per_h=40, cod_mg_per_l=50)
    engineer.post(reverse("water:reuse_firm_streams", args=[runhua]), {"action": "site", "x_m": 0, "y_m": 0})
    engineer.post(reverse("water:reuse_firm_streams", args=[xinglong]), {"action": "site", "x_m": 800, "y_m": 0})
    form = {
        "name": "润华—兴隆串联用水",
        "firms": [cast.runhua.pk, cast.xinglong.pk],
        "tap_price_yuan_per_m3": "4.50",
        "wastewater_price_yuan_per_m3": "1.40",
        "reclaimed_price_yuan_per_m3": "1.20",
        "reclaimed_cod_mg_per_l": 30,
        "reclaimed_ammonia_mg_per_l": 1.5,
        "reclaimed_suspended_solids_mg_per_l": 10,
        "reclaimed_capacity_m3_per_h": "",
        "pipe_fixed_cost_yuan": 50000,
        "pipe_cost_yuan_per_m": 600,
        "annualisation_factor": 0.1,
        "hours_per_year": 8000,
    }
    response = engineer.post(reverse("water:reuse_study_list"), form)
    assert response.status_code == 302, response.content.decode()
    return ReuseStudy.objects.get()
