"""One alarm per episode: whether a new finding continues an alarm already raised, and the volume it adds.

The readings are analysed period by period (usually a month), and a period is
sometimes analysed again. A leak that lasts three months is then found three
times, and a period analysed twice finds each episode twice; these functions
decide, finding by finding, whether it continues an alarm already raised on
the same meter and kind (or the same DMA), so that staff handle one alarm per
episode and the measured precision counts each episode once.

Rule
----
An alarm spans [a₀, a₁] and a finding [f₀, f₁]; τ is the tolerance, the
`merge_hours` within which one analysis already joins two events of one kind
on one meter into one episode (`hydro.readings.analysis.merge_episodes`), so
that two analyses join what one analysis of both periods would join.

* The finding *continues* the alarm when the two overlap or adjoin:
  f₀ ≤ a₁ + τ and a₀ ≤ f₁ + τ.
* It lies *within* the alarm when a₀ ≤ f₀ and f₁ ≤ a₁ (a period analysed again).
* A closed alarm is never changed. A finding within it changes nothing (the
  period was analysed again), nor does one continuing it that ends no later
  than the alarm was closed, c: f₁ ≤ c (water staff had already dealt with,
  such as the last hours before a repair, which an analysis run every night
  finds after the alarm was closed). Otherwise a finding continuing an open alarm extends it, the latest-ending
  first: [min(a₀, f₀), max(a₁, f₁)], with the volume
  V = V_a + V_f · t_out / (f₁ − f₀), t_out the time of the finding outside
  [a₀, a₁]; the finding's volume is taken as spread evenly over its span, so a
  period analysed again adds nothing and the next month adds its own volume.
  Any other finding, including one continuing a closed alarm (the repair did
  not hold, or a new episode), raises a new alarm. Of a finding continuing
  closed alarms, the new alarm takes the part after the latest closing,
  [max(f₀, c), f₁] (after a₁ when c is not known), and that part's share of
  the volume: the water before it is what staff dealt with.

Times may be datetimes or dates (a DMA's night-flow alarm spans nights); the
tolerance is then a timedelta, of which dates keep whole days.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Decision(Enum):
    """What a finding does: extend an open alarm, change nothing, or raise a new alarm."""

    UPDATE = "update"
    IGNORE = "ignore"
    RAISE = "raise"


@dataclass(frozen=True)
class KnownAlarm:
    """An alarm already raised on the finding's meter and kind (or DMA): its span, whether it is closed and
    when (None when not known)."""

    start: Any
    end: Any
    closed: bool
    closed_at: Any = None

    def handled(self, start: Any, end: Any, tolerance: datetime.timedelta) -> bool:
        """Whether a finding over [start, end] is water this closed alarm already dealt with."""
        if not self.closed:
            return False
        if within(self.start, self.end, start, end):
            return True
        return (
            self.closed_at is not None
            and end <= self.closed_at
            and continues(self.start, self.end, start, end, tolerance)
        )


def continues(alarm_start: Any, alarm_end: Any, start: Any, end: Any, tolerance: datetime.timedelta) -> bool:
    """Whether the span [start, end] overlaps [alarm_start, alarm_end] or lies within `tolerance` of it.

    Examples
    --------
    >>> day = datetime.date
    >>> continues(day(2024, 3, 20), day(2024, 3, 20), day(2024, 3, 21), day(2024, 3, 21), datetime.timedelta(1))
    True
    >>> continues(day(2024, 3, 20), day(2024, 3, 20), day(2024, 3, 22), day(2024, 3, 22), datetime.timedelta(1))
    False
    """
    return bool(start <= alarm_end + tolerance and alarm_start <= end + tolerance)


def within(alarm_start: Any, alarm_end: Any, start: Any, end: Any) -> bool:
    """Whether the span [start, end] lies entirely within [alarm_start, alarm_end]."""
    return bool(alarm_start <= start and end <= alarm_end)


def share_outside(alarm_start: Any, alarm_end: Any, start: Any, end: Any) -> float:
    """The share of the span [start, end] that lies outside [alarm_start, alarm_end], from 0 to 1 [-].

    A span of no length counts as wholly outside unless it lies within the alarm.

    Examples
    --------
    A finding of 1–31 March against an alarm of 25 March to 1 April: the 24 days before 25 March of its 30
    are outside, 0.8.

    >>> moment = datetime.datetime
    >>> share_outside(moment(2024, 3, 25), moment(2024, 4, 1), moment(2024, 3, 1), moment(2024, 3, 31))
    0.8
    """
    length = end - start
    if not length:
        return 0.0 if within(alarm_start, alarm_end, start, end) else 1.0
    nothing = datetime.timedelta(0)
    before = max(min(end, alarm_start) - start, nothing)
    after = max(end - max(start, alarm_end), nothing)
    return float(min(1.0, (before + after) / length))


def continued_volume_m3(
    alarm_start: Any, alarm_end: Any, alarm_volume_m3: float, start: Any, end: Any, volume_m3: float
) -> float:
    """The alarm's volume once a finding continues it: V_a + V_f · t_out / (f₁ − f₀) [m³].

    Parameters
    ----------
    alarm_start, alarm_end : datetime
        The alarm's span [a₀, a₁].
    alarm_volume_m3 : float
        V_a, the alarm's volume so far [m³].
    start, end : datetime
        The finding's span [f₀, f₁].
    volume_m3 : float
        V_f, the finding's volume over its span [m³], taken as spread evenly over it.

    Examples
    --------
    A leak of 20 L/h found over 25 March to 1 April (3.36 m³) and then over April (14.4 m³): 17.76 m³;
    April found again adds nothing.

    >>> moment = datetime.datetime
    >>> round(continued_volume_m3(moment(2024, 3, 25), moment(2024, 4, 1), 3.36,
    ...                           moment(2024, 4, 1), moment(2024, 5, 1), 14.4), 3)
    17.76
    >>> continued_volume_m3(moment(2024, 3, 25), moment(2024, 5, 1), 17.76, moment(2024, 4, 1), moment(2024, 5, 1), 14.4)
    17.76
    """
    return alarm_volume_m3 + volume_m3 * share_outside(alarm_start, alarm_end, start, end)


def decide(
    alarms: Sequence[KnownAlarm], start: Any, end: Any, tolerance: datetime.timedelta
) -> tuple[Decision, int | None]:
    """What a finding over [start, end] does, given the alarms already raised on its meter and kind.

    Returns
    -------
    (Decision, position)
        ``IGNORE`` when a closed alarm already dealt with it (`KnownAlarm.handled`); else ``UPDATE`` and the
        position in `alarms` of the open alarm it continues (the latest-ending
        of several); else ``RAISE``, and position None.
    """
    if any(alarm.handled(start, end, tolerance) for alarm in alarms):
        return Decision.IGNORE, None
    continued = [
        position
        for position, alarm in enumerate(alarms)
        if not alarm.closed and continues(alarm.start, alarm.end, start, end, tolerance)
    ]
    if continued:
        return Decision.UPDATE, max(continued, key=lambda position: (alarms[position].end, position))
    return Decision.RAISE, None


def unhandled_start(alarms: Sequence[KnownAlarm], start: Any, end: Any, tolerance: datetime.timedelta) -> Any:
    """Where the part of a finding over [start, end] that no closed alarm dealt with begins.

    That is after the latest closing (or, when it is not known, the end) of the closed alarms the finding
    continues, and `start` when it continues none.

    Examples
    --------
    A leak alarm of 1–10 March closed on 12 March, and an analysis that finds the leak over 1–31 March: the new
    alarm begins on 12 March.

    >>> moment = datetime.datetime
    >>> closed = KnownAlarm(moment(2024, 3, 1), moment(2024, 3, 10), True, moment(2024, 3, 12))
    >>> unhandled_start([closed], moment(2024, 3, 1), moment(2024, 3, 31), datetime.timedelta(hours=24))
    datetime.datetime(2024, 3, 12, 0, 0)
    """
    dealt_with = [
        alarm.closed_at if alarm.closed_at is not None else alarm.end
        for alarm in alarms
        if alarm.closed and continues(alarm.start, alarm.end, start, end, tolerance)
    ]
    return max([start, *dealt_with])
