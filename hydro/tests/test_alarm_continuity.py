"""Whether a finding continues an alarm, and the volume it adds (hydro.readings.alarm_continuity), by hand."""

import datetime

import pytest

from hydro.readings.alarm_continuity import (
    Decision,
    KnownAlarm,
    continued_volume_m3,
    continues,
    decide,
    unhandled_start,
    within,
)

DAY = datetime.timedelta(days=1)


def moment(day: int, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2024, month, day)


def test_a_finding_starting_within_the_tolerance_after_the_end_continues_and_one_beyond_does_not():
    # An alarm of 1–10 March and a tolerance of 24 h: 11 March adjoins, 11 March plus a minute is beyond.
    assert continues(moment(1), moment(10), moment(11), moment(20), DAY)
    assert not continues(moment(1), moment(10), moment(11) + datetime.timedelta(minutes=1), moment(20), DAY)
    # Before the alarm, the same on the other side.
    assert continues(moment(11), moment(20), moment(1), moment(10), DAY)


def test_the_volume_adds_the_finding_s_share_outside_the_alarm():
    # An alarm of 1–11 March holding 10 m³, a finding of 6–16 March holding 20 m³ (2 m³ a day): the 5 days after
    # 11 March are half of the finding's 10 days, 10 m³ more.
    assert continued_volume_m3(moment(1), moment(11), 10.0, moment(6), moment(16), 20.0) == pytest.approx(20.0)
    # A finding over the same days adds nothing; one wider on both sides, its days outside on both sides:
    # 28 Feb – 13 March is 14 days, 4 of them outside 1–11 March, 4/14 of 28 m³ = 8 m³.
    assert continued_volume_m3(moment(1), moment(11), 10.0, moment(1), moment(11), 10.0) == pytest.approx(10.0)
    wider = continued_volume_m3(moment(1), moment(11), 10.0, moment(28, 2), moment(13), 28.0)
    assert wider == pytest.approx(18.0)
    # After a gap, the whole finding.
    assert continued_volume_m3(moment(1), moment(11), 10.0, moment(12), moment(14), 4.0) == pytest.approx(14.0)


def test_a_finding_within_a_closed_alarm_changes_nothing_and_one_beyond_it_raises_a_new_alarm():
    closed = KnownAlarm(moment(1), moment(11), closed=True)
    assert decide([closed], moment(2), moment(11), DAY) == (Decision.IGNORE, None)
    assert decide([closed], moment(2), moment(12), DAY) == (Decision.RAISE, None)
    assert within(moment(1), moment(11), moment(1), moment(11))


def test_a_finding_continues_the_latest_ending_open_alarm():
    alarms = [
        KnownAlarm(moment(1), moment(5), closed=False),
        KnownAlarm(moment(6), moment(9), closed=False),
        KnownAlarm(moment(20), moment(25), closed=False),
    ]
    assert decide(alarms, moment(5), moment(10), DAY) == (Decision.UPDATE, 1)
    assert decide(alarms, moment(15), moment(16), DAY) == (Decision.RAISE, None)


def test_nights_are_whole_days():
    # A night-flow rise found on 21 March adjoins an alarm of the 20th; the 22nd does not.
    night = datetime.date
    assert (
        decide(
            [KnownAlarm(night(2024, 3, 20), night(2024, 3, 20), False)], night(2024, 3, 21), night(2024, 3, 21), DAY
        )[0]
        is Decision.UPDATE
    )
    assert (
        decide(
            [KnownAlarm(night(2024, 3, 20), night(2024, 3, 20), False)], night(2024, 3, 22), night(2024, 3, 22), DAY
        )[0]
        is Decision.RAISE
    )


def test_a_finding_ending_before_its_closed_alarm_was_closed_is_water_already_dealt_with():
    # Closed on 12 March at noon: a finding of 10–12 March 00:00 (the last hours before the repair, analysed
    # the night after) changes nothing; one lasting to 13 March (the repair did not hold) raises a new alarm.
    closed = KnownAlarm(moment(1), moment(11), closed=True, closed_at=moment(12) + datetime.timedelta(hours=12))
    assert decide([closed], moment(10), moment(12), DAY) == (Decision.IGNORE, None)
    assert decide([closed], moment(10), moment(13), DAY) == (Decision.RAISE, None)
    # Closed long after: a finding that does not touch its span is another episode all the same.
    assert decide([KnownAlarm(moment(1), moment(5), True, moment(30))], moment(8), moment(9), DAY)[0] is Decision.RAISE


def test_a_new_alarm_after_closed_ones_takes_the_part_after_the_latest_closing():
    # Alarms of 1–10 March closed on 12 March, and of 14–15 March closed on 16 March, a finding of 1–31 March:
    # the water up to 16 March was dealt with, so the new alarm begins then.
    first = KnownAlarm(moment(1), moment(10), True, moment(12))
    second = KnownAlarm(moment(14), moment(15), True, moment(16))
    assert unhandled_start([first, second], moment(1), moment(31), DAY) == moment(16)
    # Closing not known: after the alarm's end. An open alarm, or a closed one the finding does not reach,
    # moves nothing.
    assert unhandled_start([KnownAlarm(moment(1), moment(10), True)], moment(1), moment(31), DAY) == moment(10)
    assert unhandled_start([KnownAlarm(moment(1), moment(10), False)], moment(1), moment(31), DAY) == moment(1)
    assert unhandled_start([first], moment(20), moment(31), DAY) == moment(20)
