"""Reuse studies: a bureau engineer enters firms' streams, builds a study, solves and compares, exports."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from civic.testing import Cast
from civic.water.models import ReuseSite, ReuseStream, ReuseStudy
from hydro.reuse import parse_problem, solve

pytestmark = pytest.mark.django_db


def test_streams_and_sites_are_entered_on_the_firms_pages(study: ReuseStudy, cast: Cast):
    assert ReuseStream.objects.filter(water_user=cast.runhua).count() == 2
    assert ReuseSite.objects.get(water_user=cast.xinglong).x_m == 800
    assert list(study.firms.order_by("code")) == sorted([cast.runhua, cast.xinglong], key=lambda firm: firm.code)


def test_a_negative_flow_is_refused_with_its_reason(cast: Cast, engineer: Client):
    response = engineer.post(
        reverse("water:reuse_firm_streams", args=[cast.runhua.code]),
        {"action": "add", "name": "坏数据", "kind": "source", "flow_m3_per_h": -5, "cod_mg_per_l": 20},
    )
    assert response.status_code == 200
    assert not ReuseStream.objects.exists()
    assert response.context["stream_form"].errors["flow_m3_per_h"]


def test_solving_compares_the_four_scenarios(study: ReuseStudy, engineer: Client):
    # Worked by hand (8,000 h a year): no reuse buys 30 + 40 = 70 m³/h of tap water. Within Runhua, dyeing
    # takes 15 of rinse and 15 of tap: 55. Between the firms the other 35 of rinse go to Xinglong's cooling
    # (plus 5 of tap): 20, saving 50 × 8,000 = 400,000 m³ a year through one 800 m pipe
    # (0.1 × (50,000 + 600 × 800) = 53,000 yuan a year); cost 20 × 4.5 × 8,000 + 53,000 = 773,000.
    # With reclaimed water (COD 30, 1.2 yuan) the 5 m³/h top-up is reclaimed: tap 15, saving 440,000 m³,
    # cost 15 × 4.5 × 8,000 + 5 × 1.2 × 8,000 + 53,000 = 641,000 yuan a year.
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    assert response.status_code == 302
    study.refresh_from_db()
    scenarios = {scenario["key"]: scenario for scenario in study.results["scenarios"]}
    assert scenarios["no_reuse"]["tap_m3_per_h"] == pytest.approx(70)
    assert scenarios["within_plants"]["tap_m3_per_h"] == pytest.approx(55)
    assert scenarios["within_plants"]["tap_saved_m3_per_year"] == pytest.approx(120_000)
    assert scenarios["between_plants"]["tap_saved_m3_per_year"] == pytest.approx(400_000)
    assert scenarios["between_plants"]["pipes"] == 1
    assert scenarios["between_plants"]["cost_yuan_per_year"] == pytest.approx(773_000)
    assert scenarios["with_reclaimed"]["tap_m3_per_h"] == pytest.approx(15)
    assert scenarios["with_reclaimed"]["cost_yuan_per_year"] == pytest.approx(641_000)
    page = engineer.get(reverse("water:reuse_study_detail", args=[study.pk]))
    assert page.status_code == 200
    assert "400,000" in page.content.decode() or "400000" in page.content.decode()
    sankey = page.context["sankey"]
    # Networks tie (rinse 15/35 or 10/40 between the firms); every optimum buys 20 m³/h of tap water.
    assert sum(link["value"] for link in sankey["links"] if link["source"] == "Tap water") == pytest.approx(20)
    assert any(link["target"].endswith("/冷却补水") and link["source"].endswith("/漂洗水") for link in sankey["links"])
    assert 'id="reuse-sankey"' in page.content.decode()


def test_the_study_exports_to_json_and_excel(study: ReuseStudy, engineer: Client):
    engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    document = json.loads(engineer.get(reverse("water:reuse_study_json", args=[study.pk])).content)
    assert document["problem"]["contaminants"] == ["COD"]
    # The exported problem is a problem file for `hydro reuse solve`: between the firms, 20 m³/h bought
    # (tap where COD ≤ 10 is needed, reclaimed water for the rest when it is cheaper).
    solution = solve(parse_problem(document["problem"]), objective="freshwater")
    assert solution.freshwater_t_per_h == pytest.approx(20)
    assert [scenario["key"] for scenario in document["scenarios"]] == [
        "no_reuse",
        "within_plants",
        "between_plants",
        "with_reclaimed",
    ]
    response = engineer.get(reverse("water:reuse_study_xlsx", args=[study.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 5
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    saved = next(row for row in rows if row[0] and "saved" in str(row[0]))
    assert saved[3] == pytest.approx(400_000)


def test_the_sankey_shows_the_chosen_scenario(study: ReuseStudy, engineer: Client, cast: Cast):
    # Without reuse every demand is met from tap water and all rinse water is discharged.
    engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    page = engineer.get(reverse("water:reuse_study_detail", args=[study.pk]) + "?scenario=no_reuse")
    links = {(link["source"], link["target"]): link["value"] for link in page.context["sankey"]["links"]}
    assert links == {
        ("Tap water", f"{cast.runhua.code}/染色"): pytest.approx(30),
        ("Tap water", f"{cast.xinglong.code}/冷却补水"): pytest.approx(40),
        (f"{cast.runhua.code}/漂洗水", "Discharge"): pytest.approx(50),
    }


def test_the_demo_study_of_five_firms_saves_water_between_them(cast: Cast):
    # The demo's streams, on the test cast's register (Runhua and Xinglong are its first two enterprises).
    from civic.demo.water_reuse import load_reuse_demo

    study = load_reuse_demo(cast.bureau_staff)
    scenarios = {scenario["key"]: scenario for scenario in study.results["scenarios"]}
    assert all(scenario["status"] != "infeasible" for scenario in scenarios.values())
    assert scenarios["no_reuse"]["tap_saved_m3_per_year"] == 0
    within, between = scenarios["within_plants"], scenarios["between_plants"]
    assert 0 < within["tap_saved_m3_per_year"] <= between["tap_saved_m3_per_year"]
