"""One alarm per episode over analyses: a leak found month after month, a period analysed again, a closed alarm.

Hongxing (HX) over March and April 2024, read hourly. Its inflow HX-IN carries what its two customers use plus
water no meter accounts for: 1 m³/h until 20 March, 3 m³/h from then on (a rise of 2 m³/h on the network).
C-NORMAL uses 0.1 m³ at 07:00, 08:00, 18:00 and 19:00 and nothing otherwise; C-LEAK does the same until
25 March, then 20 L/h more every hour (a leak behind the meter, lasting to the end of April).

Worked by hand with the leak detector's rules (hydro.readings.customer_leaks: a floor of 20 L/h is above the
10 L/h that makes a standing leak, the episode's volume is its flow times its duration):

* March finds the leak from 25 March 00:00 to 1 April 00:00: 0.02 m³/h × 168 h = 3.36 m³;
* April finds it from 1 April to 1 May: 0.02 m³/h × 720 h = 14.4 m³;
* one alarm over both: 25 March to 1 May, 3.36 + 14.4 = 17.76 m³ (hydro.readings.alarm_continuity).

And with the CUSUM of the night flow (hydro.readings.night_flow.night_flow_alarms, baseline the median of the
first 14 nights, each night counting for at most 3 σ, so that a rise is raised on its second night at the
earliest): analysing 1–25 March, the rise begins on the night of 20 March and is detected on the 21st, 2 m³/h
over the baseline of 1 m³/h; analysing 7–31 March, the 14 baseline nights (7–20 March) keep a median of
1 m³/h and the rise is found from 21 March, detected on the 22nd, overlapping the first alarm's nights: the
same rise.
Precision = TP / (TP + FP), Fawcett (2006), section 2.
"""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from civic.core.models import Region, RegionLevel
from civic.testing import Cast, sign_in
from civic.water.actions import (
    alarm_precision,
    close_alarm,
    night_flow_settings_from,
    preview_thresholds,
    record_metering_run,
)
from civic.water.actions.alarms import AlarmT
from civic.water.actions.metering import CONTINUED, RAISED
from civic.water.models import AlarmStatus, CustomerAlarm, DmaNightFlowAlarm, MeteringRun
from civic.water.testing import SQUARE
from hydro.readings.analysis import AnomalySettings
from hydro.readings.periods import Period, read_zones
from hydro.readings.store import import_file

COUNTY = zoneinfo.ZoneInfo("Asia/Shanghai")
FIRST_HOUR = datetime.datetime(2024, 3, 1)
HOURS = [FIRST_HOUR + datetime.timedelta(hours=hour) for hour in range(61 * 24)]
LEAK_FROM = datetime.datetime(2024, 3, 25)
RISE_FROM = datetime.datetime(2024, 3, 20)
ZONES_CSV = "meter_id,dma_id,role\nHX-IN,HX,inflow\nC-LEAK,HX,customer\nC-NORMAL,HX,customer\n"


def normal_use(moment: datetime.datetime) -> float:
    return 0.1 if moment.hour in (7, 8, 18, 19) else 0.0


def leak_use(moment: datetime.datetime) -> float:
    return normal_use(moment) + (0.02 if moment >= LEAK_FROM else 0.0)


def inflow(moment: datetime.datetime) -> float:
    unmetered = 3.0 if moment >= RISE_FROM else 1.0
    return round(unmetered + normal_use(moment) + leak_use(moment), 3)


class Hongxing:
    """Hongxing's two months in a readings store, analysed over the periods a test asks for."""

    def __init__(self, cast: Cast, directory: Path) -> None:
        Region.objects.create(
            code="HX", name="红星计量分区", level=RegionLevel.DMA, parent=cast.hutang, boundary=SQUARE
        )
        lines = ["meter_id,timestamp,volume_m3"]
        for meter, use in (("HX-IN", inflow), ("C-LEAK", leak_use), ("C-NORMAL", normal_use)):
            lines += [f"{meter},{moment:%Y-%m-%d %H:%M},{use(moment)}" for moment in HOURS]
        (directory / "readings.csv").write_text("\n".join(lines) + "\n")
        (directory / "zones.csv").write_text(ZONES_CSV)
        import_file(directory / "store", directory / "readings.csv")
        self.store = str(directory / "store")
        self.zones = read_zones(directory / "zones.csv")
        self.analyst = cast.network_analyst

    def analyse(self, period: str) -> MeteringRun:
        return record_metering_run(self.store, self.zones, Period.parse(period), self.analyst)


@pytest.fixture
def hongxing(cast, tmp_path) -> Hongxing:
    return Hongxing(cast, tmp_path)


def county_time(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, tzinfo=COUNTY)


def leak_alarms() -> list[CustomerAlarm]:
    return list(CustomerAlarm.objects.filter(meter_code="C-LEAK", kind="continuous_flow").order_by("start", "pk"))


def test_each_month_alone_finds_its_part_of_the_leak(hongxing):
    hongxing.analyse("2024-03")
    (march,) = leak_alarms()
    assert (march.start, march.end, march.volume_m3) == (county_time(2024, 3, 25), county_time(2024, 4, 1), 3.36)
    # Nothing else in the two months is an anomaly of a customer.
    assert CustomerAlarm.objects.count() == 1


def test_a_leak_over_two_months_is_one_alarm_with_both_months_volume(hongxing):
    march = hongxing.analyse("2024-03")
    first = leak_alarms()[0]
    april = hongxing.analyse("2024-04")
    (alarm,) = leak_alarms()
    assert alarm.pk == first.pk
    assert (alarm.start, alarm.end) == (county_time(2024, 3, 25), county_time(2024, 5, 1))
    assert alarm.volume_m3 == pytest.approx(3.36 + 14.4)
    assert (alarm.run, alarm.last_run) == (march, april)
    assert alarm.confidence >= first.confidence
    # The chart is April's (an analysis reads its own period's readings): from April's first hour.
    assert alarm.use_series[0][0] == "2024-04-01T00:00:00"
    # The history keeps the alarm as March raised it, then as April left it, each by the analyst who ran it.
    raised, continued = alarm.history.order_by("history_date", "history_id")
    assert (raised.history_change_reason, raised.history_user, raised.volume_m3) == (RAISED, hongxing.analyst, 3.36)
    assert raised.end == county_time(2024, 4, 1)
    assert (continued.history_change_reason, continued.history_user, continued.volume_m3) == (
        CONTINUED,
        hongxing.analyst,
        pytest.approx(17.76),
    )
    assert continued.end == county_time(2024, 5, 1)


def test_a_period_analysed_again_adds_no_alarm_and_no_volume(hongxing):
    hongxing.analyse("2024-03")
    hongxing.analyse("2024-04")
    again = hongxing.analyse("2024-04")
    hongxing.analyse("2024-03")
    (alarm,) = leak_alarms()
    assert alarm.volume_m3 == pytest.approx(17.76)
    assert (alarm.start, alarm.end) == (county_time(2024, 3, 25), county_time(2024, 5, 1))
    # The last analysis that saw it was March's, again.
    assert alarm.last_run != again
    assert DmaNightFlowAlarm.objects.count() == 1


def close_on(alarm: AlarmT, outcome: str, moment: datetime.datetime, staff) -> None:
    """Close an alarm as staff did at `moment` (the readings are of 2024; the test runs later)."""
    closed = close_alarm(alarm, outcome, "", staff, volume_recovered_m3=600 if outcome == "leak_repaired" else None)
    type(closed).objects.filter(pk=closed.pk).update(closed_at=moment)


def test_a_closed_alarm_is_left_alone_and_a_continuing_finding_raises_a_second(cast, hongxing):
    march = hongxing.analyse("2024-03")
    # Closed on 2 April after the valve was replaced; the leak went on all April.
    close_on(leak_alarms()[0], "confirmed_leak", county_time(2024, 4, 2), cast.bureau_staff)
    (closed,) = leak_alarms()
    hongxing.analyse("2024-03")  # March again: within the closed alarm, nothing new
    assert leak_alarms() == [closed]
    april = hongxing.analyse("2024-04")
    first, second = leak_alarms()
    assert (first.pk, first.end, first.volume_m3, first.status) == (
        closed.pk,
        county_time(2024, 4, 1),
        3.36,
        AlarmStatus.CLOSED,
    )
    assert first.last_run == march
    # The new alarm is the water after the closing: 2 April to 1 May, 29 days at 20 L/h = 13.92 m³ (April's
    # finding of 14.4 m³ over 30 days, less the day before the closing, which staff had dealt with).
    assert (second.start, second.end, second.volume_m3) == (county_time(2024, 4, 2), county_time(2024, 5, 1), 13.92)
    assert (second.run, second.last_run, second.status) == (april, april, AlarmStatus.NEW)
    # Only the raising and the closing are in the closed alarm's history.
    reasons = first.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True)
    assert list(reasons) == [RAISED, "closed"]


def test_a_finding_that_ends_before_its_alarm_was_closed_raises_nothing(cast, hongxing):
    hongxing.analyse("2024-03")
    # Closed on 2 May: April's leak is the same episode, which staff followed to its end.
    close_on(leak_alarms()[0], "confirmed_leak", county_time(2024, 5, 2), cast.bureau_staff)
    hongxing.analyse("2024-04")
    (alarm,) = leak_alarms()
    assert (alarm.end, alarm.volume_m3) == (county_time(2024, 4, 1), 3.36)


def test_measured_precision_counts_the_episode_once(cast, hongxing):
    hongxing.analyse("2024-03")
    hongxing.analyse("2024-04")
    hongxing.analyse("2024-04")
    close_alarm(leak_alarms()[0], "confirmed_leak", "", cast.bureau_staff)
    continuous_flow = alarm_precision().by_kind["continuous_flow"]
    # One episode, one alarm judged true: TP = 1, FP = 0 (three alarms before they continued).
    assert (continuous_flow.true, continuous_flow.false, continuous_flow.closed) == (1, 0, 1)


def night_alarms() -> list[DmaNightFlowAlarm]:
    return list(DmaNightFlowAlarm.objects.order_by("start", "pk"))


def test_a_night_flow_rise_found_again_continues_its_alarm(hongxing):
    first_run = hongxing.analyse("2024-03-01..2024-03-25")
    (first,) = night_alarms()
    assert (first.start, first.detected, first.excess_m3_per_h) == (
        datetime.date(2024, 3, 20),
        datetime.date(2024, 3, 21),
        pytest.approx(2.0),
    )
    second_run = hongxing.analyse("2024-03-07..2024-03-31")
    (alarm,) = night_alarms()
    assert alarm.pk == first.pk
    # Begun on the 20th and detected on the 21st as first found; seen again on the 22nd.
    assert (alarm.start, alarm.detected, alarm.last_detected) == (
        datetime.date(2024, 3, 20),
        datetime.date(2024, 3, 21),
        datetime.date(2024, 3, 22),
    )
    assert alarm.excess_m3_per_h == pytest.approx(2.0)
    assert (alarm.run, alarm.last_run) == (first_run, second_run)
    reasons = alarm.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True)
    assert list(reasons) == [RAISED, CONTINUED]
    hongxing.analyse("2024-03-01..2024-03-25")  # the same rise, begun the same night
    assert night_alarms() == [alarm]


def test_a_closed_night_flow_alarm_is_left_alone(cast, hongxing):
    hongxing.analyse("2024-03-01..2024-03-25")
    # Closed in the afternoon of 20 March; the rise went on.
    close_on(
        night_alarms()[0], "leak_repaired", county_time(2024, 3, 20) + datetime.timedelta(hours=15), cast.bureau_staff
    )
    (closed,) = night_alarms()
    hongxing.analyse("2024-03-01..2024-03-25")  # within the closed alarm: nothing new
    assert night_alarms() == [closed]
    later = hongxing.analyse("2024-03-07..2024-03-31")
    first, second = night_alarms()
    assert (first.pk, first.last_detected, first.status) == (closed.pk, datetime.date(2024, 3, 21), AlarmStatus.CLOSED)
    assert (second.start, second.detected, second.run, second.status) == (
        datetime.date(2024, 3, 21),
        datetime.date(2024, 3, 22),
        later,
        AlarmStatus.NEW,
    )


def test_a_rise_found_before_its_alarm_was_closed_raises_nothing(cast, hongxing):
    hongxing.analyse("2024-03-01..2024-03-25")
    close_on(night_alarms()[0], "leak_repaired", county_time(2024, 3, 23), cast.bureau_staff)
    hongxing.analyse("2024-03-07..2024-03-31")  # detected on the 22nd, the day before the closing
    assert len(night_alarms()) == 1


def test_the_alarm_pages_say_which_analyses_saw_the_episode(cast, hongxing):
    hongxing.analyse("2024-03")
    april = hongxing.analyse("2024-04")
    (alarm,) = leak_alarms()
    client = Client()
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).content.decode()
    assert "生成报警的分析</dt><dd>2024-03-01 – 2024-03-31" in page
    assert '<dd id="alarm-last-run">2024-04-01 – 2024-04-30</dd>' in page
    assert "2024-04-01 – 2024-04-30 的分析再次发现，报警延续" in page
    # April's list holds the alarm April continued, with its span over both months.
    listing = client.get(reverse("water:customer_alarm_list"), {"run": april.pk})
    assert [row.pk for row in listing.context["page"]] == [alarm.pk]
    assert "2024-03-25 00:00" in listing.content.decode()


def test_the_night_flow_pages_show_the_last_night_the_rise_was_found(cast, hongxing):
    hongxing.analyse("2024-03-01..2024-03-25")
    hongxing.analyse("2024-03-07..2024-03-31")
    (alarm,) = night_alarms()
    client = Client()
    sign_in(client, cast.network_analyst)
    page = client.get(reverse("water:night_flow_alarm_detail", args=[alarm.pk])).content.decode()
    assert '<dd id="alarm-last-detected">2024-03-22</dd>' in page
    listing = client.get(reverse("water:night_flow_alarm_list")).content.decode()
    assert "<td>2024-03-20</td><td>2024-03-21</td><td>2024-03-22</td>" in listing


def test_the_thresholds_preview_shows_what_a_proposed_night_flow_cusum_would_raise(cast, hongxing):
    run = hongxing.analyse("2024-03-01..2024-03-25")
    close_on(night_alarms()[0], "leak_repaired", county_time(2024, 3, 22), cast.bureau_staff)
    # As in force (k = 0.75, h = 4): the rise is raised on its second night, the 21st; the repaired leak is kept.
    as_is = preview_thresholds(run, AnomalySettings(), night_flow_settings_from({}))
    assert (as_is.night_flow.current, as_is.night_flow.proposed, as_is.night_flow.judged) == (1, 1, 1)
    assert (as_is.night_flow.effect.kept_true, as_is.night_flow.effect.dropped_true) == (1, 0)
    # h = 20: a night counts for at most 3 − 0.75 = 2.25 σ, so the sum passes 20 on the rise's ninth night
    # (28 March), after the period's last (25 March): nothing is raised, and the repaired leak would be missed.
    strict = preview_thresholds(run, AnomalySettings(), night_flow_settings_from({"night_flow_threshold_sigma": 20.0}))
    assert (strict.night_flow.proposed, strict.night_flow.effect.kept_true, strict.night_flow.effect.dropped_true) == (
        0,
        0,
        1,
    )
    # With h = 12 the sixth night (25 March) passes it: 6 × 2.25 = 13.5 > 12.
    later = preview_thresholds(run, AnomalySettings(), night_flow_settings_from({"night_flow_threshold_sigma": 12.0}))
    assert (later.night_flow.proposed, later.night_flow.effect.kept_true) == (1, 1)
