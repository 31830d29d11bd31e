"""Metering pages: analysis summaries stored in one run, the DMA dashboard, customer alarms and the water audit.

The readings are Hongxing's and Fenghuang's two hand-worked days (hydro/tests/readings_cases.py).
"""

import datetime
import json

import pytest
from django.urls import reverse

from civic.testing import sign_in
from civic.water.actions import leakage_rate_parameters_for, metering, record_metering_run
from civic.water.models import CustomerAlarm, LeakageRateParameters, MeteringParameters, MeteringRun, WaterAudit
from civic.water.testing import AUDIT_FORM, TWO_DAYS, make_run
from hydro.readings.analysis import AnomalySettings
from hydro.readings.periods import read_zones
from hydro.readings.store import import_file
from hydro.readings.stuck_balance import BalanceTest
from hydro.tests import readings_cases


@pytest.fixture
def run(cast, tmp_path) -> MeteringRun:
    return make_run(cast, tmp_path)


def test_a_run_keeps_the_balances_night_flows_and_alarms(run):
    hongxing = run.balances.get(dma_code="HX")
    # Worked in hydro/tests/test_readings_analysis.py: 46.2 m³ in, 9.6 out, 8.42 used: 28.18 m³ = 76.99 %.
    assert (hongxing.inflow_m3, hongxing.outflow_m3) == pytest.approx((46.2, 9.6))
    assert (hongxing.nrw_m3, hongxing.nrw_pct) == pytest.approx((28.18, 76.9945), abs=1e-4)
    assert (run.period_start, run.period_end) == (datetime.date(2024, 3, 1), datetime.date(2024, 3, 2))
    assert run.night_flows.count() == 4
    # The 72 h stuck threshold leaves the 24 h of zeros alone, and C-STUCK's one day at 50 L/h is no leak:
    # four customer alarms.
    assert sorted(run.customer_alarms.values_list("meter_code", "kind")) == [
        ("C-BURST", "burst"),
        ("C-GAP", "gap"),
        ("C-LEAK", "continuous_flow"),
        ("C-REVERSE", "reverse"),
    ]


def test_a_customer_alarm_keeps_the_meter_s_use_around_it_in_county_time(run):
    burst = run.customer_alarms.get(kind="burst")
    # 10:00–14:00 on 2 March in Shanghai is 02:00–06:00 UTC.
    assert burst.start == datetime.datetime(2024, 3, 2, 2, tzinfo=datetime.UTC)
    moments = [moment for moment, _volume in burst.use_series]
    # From a day before the start to the end of the readings (the day after is beyond them).
    assert (moments[0], moments[-1]) == ("2024-03-01T10:00:00", "2024-03-02T23:00:00")
    assert dict(burst.use_series)["2024-03-02T10:00:00"] == 1.0


def test_the_dashboard_shows_the_dmas_by_non_revenue_water(client, cast, run):
    sign_in(client, cast.network_analyst)
    response = client.get(reverse("water:metering_dashboard"))
    assert response.status_code == 200
    map_data = response.context["map_data"]
    assert {
        feature["properties"]["code"]: round(feature["properties"]["nrw_pct"], 1) for feature in map_data["features"]
    } == {
        "FH": 91.7,
        "HX": 77.0,
    }
    assert response.context["night_data"]["HX"]["mnf"] == [0.3, 0.3]
    assert "红星计量分区" in response.content.decode()


def test_the_dashboard_names_the_meters_read_too_seldom_for_leaks(client, cast, tmp_path):
    # C-DAILY's index is read at midnight (24 h intervals): the leak floor needs 12 windows of 1 h a day
    # (hydro.readings.customer_leaks.longest_interval_s, 2 h), so its leaks are not looked for, and the
    # page says so rather than show none. The hourly meters of the two days are not named.
    (tmp_path / "readings.csv").write_text(readings_cases.readings_csv())
    (tmp_path / "daily.csv").write_text(
        "meter_id,timestamp,index_m3\nC-DAILY,2024-03-01 00:00,10.0\nC-DAILY,2024-03-02 00:00,10.4\n"
        "C-DAILY,2024-03-03 00:00,10.9\n"
    )
    for name in ("readings.csv", "daily.csv"):
        import_file(tmp_path / "store", tmp_path / name)
    (tmp_path / "zones.csv").write_text(readings_cases.ZONES_CSV + "C-DAILY,HX,customer\n")
    run = record_metering_run(str(tmp_path / "store"), read_zones(tmp_path / "zones.csv"), TWO_DAYS)
    assert run.leak_unchecked_meters == [["C-DAILY", 24.0]]
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:metering_dashboard")).content.decode()
    assert "1 块用户水表的抄读间隔长于 2 小时" in page
    assert "C-DAILY (24 h)" in page
    english = client.get(reverse("water:metering_dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 customer meter is read less often than every 2 hours." in english


def test_a_run_of_hourly_meters_names_none_as_not_checked_for_leaks(client, cast, run):
    assert run.leak_unchecked_meters == []
    sign_in(client, cast.network_analyst)
    assert 'id="leak-unchecked"' not in client.get(reverse("water:metering_dashboard")).content.decode()


def test_the_dashboard_without_any_run_says_how_to_make_one(client, cast):
    sign_in(client, cast.bureau_staff)
    response = client.get(reverse("water:metering_dashboard"))
    assert reverse("water:metering_analysis_new") in response.content.decode()


def test_the_alarm_list_filters_by_kind_and_meter(client, cast, run):
    sign_in(client, cast.network_analyst)
    response = client.get(reverse("water:customer_alarm_list"), {"kind": "continuous_flow"})
    assert [alarm.meter_code for alarm in response.context["page"]] == ["C-LEAK"]
    response = client.get(reverse("water:customer_alarm_list"), {"q": "leak"})
    assert [alarm.kind for alarm in response.context["page"]] == ["continuous_flow"]


def test_an_alarm_page_charts_the_meter_s_use(client, cast, run):
    sign_in(client, cast.network_analyst)
    alarm = CustomerAlarm.objects.get(meter_code="C-REVERSE")
    response = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk]))
    assert response.context["chart"]["start"] == "2024-03-01T03:00:00"
    assert response.context["chart"]["end"] == "2024-03-01T05:00:00"


def test_a_stuck_alarm_page_warns_that_the_household_may_be_away(client, cast, run):
    sign_in(client, cast.network_analyst)
    burst = CustomerAlarm.objects.get(meter_code="C-BURST")
    page = client.get(reverse("water:customer_alarm_detail", args=[burst.pk])).content.decode()
    assert 'id="stuck-or-away"' not in page
    CustomerAlarm.objects.filter(pk=burst.pk).update(kind="stuck")  # the run's 24 h of zeros stay under 72 h
    page = client.get(reverse("water:customer_alarm_detail", args=[burst.pk])).content.decode()
    assert 'id="stuck-or-away"' in page and "住户外出" in page


def test_the_audit_form_works_out_and_keeps_the_audit(client, cast):
    sign_in(client, cast.network_analyst)
    response = client.post(reverse("water:water_audit_form"), AUDIT_FORM)
    audit = WaterAudit.objects.get()
    assert response.url == reverse("water:water_audit_detail", args=[audit.pk])
    # Worked in hydro/tests/test_water_audit.py: ILI 3.389 (band A), leakage rate 9.44 %, first grade.
    assert (round(audit.result["ili"], 3), audit.result["ili_band"], audit.result["cjj92_grade"]) == (
        3.389,
        "A",
        "first",
    )
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3.39" in page and "band A" in page and "9.44 %" in page


def test_an_audit_without_the_dn75_mains_length_shows_its_leakage_rate_as_incomplete(client, cast):
    # CJJ 92-2016 §5.2.3: R2 counts mains of DN ≥ 75 only; the 500 km of all mains would give 7.50 %.
    sign_in(client, cast.network_analyst)
    form = {key: value for key, value in AUDIT_FORM.items() if key != "mains_length_dn75_km"}
    response = client.post(reverse("water:water_audit_form"), form)
    audit = WaterAudit.objects.get()
    assert (audit.result["leakage_rate_pct"], audit.result["cjj92_grade"]) == (None, None)
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "incomplete: the length of mains of DN75 and above is missing" in page
    assert "7.50 %" not in page


def test_the_audit_form_explains_impossible_figures(client, cast):
    sign_in(client, cast.bureau_staff)
    response = client.post(
        reverse("water:water_audit_form"), {**AUDIT_FORM, "billed_metered_m3": 11_000_000}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "exceeds the system input" in response.content.decode()
    assert not WaterAudit.objects.exists()


def test_the_cjj92_parameters_in_force_are_the_county_s_rows(db):
    LeakageRateParameters.objects.create(
        effective_from=datetime.date(2025, 1, 1), first_grade_pct=9.0, pressure_steps=[[0.3, 0.5]]
    )
    assert leakage_rate_parameters_for(2024).grades_pct == ((10.0, "first"), (12.0, "second"))
    in_2025 = leakage_rate_parameters_for(2025)
    assert (in_2025.grades_pct[0], in_2025.pressure_steps) == ((9.0, "first"), ((0.3, 0.5),))


def test_a_run_judges_runs_of_zeros_by_the_county_s_stuck_balance_test(cast, tmp_path, monkeypatch):
    # The county asks the DMA balance to rise by a meter's whole usual use (1.0), by 2 standard errors, over
    # 5 days each side: the analysis of the next run is handed exactly these.
    make_run(cast, tmp_path)
    row = MeteringParameters.objects.get(effective_from=datetime.date(2024, 1, 1))
    row.stuck_balance_share, row.stuck_balance_sigmas, row.stuck_balance_days = 1.0, 2.0, 5
    row.save()
    settings_analysed: list[AnomalySettings] = []
    analyse = metering.analyse

    def recording_analyse(connection, readings, zones, period, night_settings, anomaly_settings, **options):
        settings_analysed.append(anomaly_settings)
        return analyse(connection, readings, zones, period, night_settings, anomaly_settings, **options)

    monkeypatch.setattr(metering, "analyse", recording_analyse)
    record_metering_run(str(tmp_path / "store"), read_zones(tmp_path / "zones.csv"), TWO_DAYS, cast.network_analyst)
    [settings] = settings_analysed
    assert settings.stuck_balance_share == 1.0
    assert settings.balance_test() == BalanceTest(share=1.0, sigmas=2.0, window_days=5)
    assert (settings.continuous_flow_hours, settings.stuck_hours, settings.gap_hours) == (48, 72, 3)


def test_the_dashboard_map_data_is_valid_json_in_the_page(client, cast, run):
    sign_in(client, cast.bureau_admin)
    page = client.get(reverse("water:metering_dashboard")).content.decode()
    start = page.index('<script id="dma-map-data" type="application/json">') + len(
        '<script id="dma-map-data" type="application/json">'
    )
    assert json.loads(page[start : page.index("</script>", start)])["type"] == "FeatureCollection"
