"""Measured precision of alarms from the outcomes staff record when they close them.

An alarm is *true* when the outcome found in the field is what the alarm
claimed, *false* when the field shows something else, and *undetermined*
when nobody could see (no access): undetermined alarms are counted but left
out of the precision. The claim of each kind, and so which outcomes make it
true, is:

================  ==========================================  =====================================
kind              true when the outcome is                    false when the outcome is
================  ==========================================  =====================================
continuous_flow   confirmed leak                              customer use, meter fault, data error
burst             confirmed leak                              customer use, meter fault, data error
stuck             meter fault                                 confirmed leak, customer use, data error
reverse           meter fault                                 confirmed leak, customer use, data error
gap               meter fault, data error                     confirmed leak, customer use
night_flow        leak found and repaired                     no leak found
network_leak      leak found and repaired                     no leak found
================  ==========================================  =====================================

A continuous flow or a burst claims water lost behind the meter; a stuck
meter or reverse flow claims a meter that does not measure what passes it
(a reverse flow that turns out to be real back-flow through the customer's
plumbing is recorded as customer use); a gap claims that readings are
missing, whether the meter or its transmission failed. A DMA's night-flow
alarm claims a leak on the network, true when one is found and repaired. A
network leak alarm (raised from the supply network's pressure and flow
sensors and located on the hydraulic model) claims a leak in its candidate
area, true when the crew finds and repairs one there; no access to the area
leaves it undetermined.

Precision is the share of true alarms among those judged,

    P = TP / (TP + FP),

the positive predictive value of the detector [1]_; with no alarm judged it is
undefined (None). Recall cannot be measured from closed alarms: the leaks no
alarm pointed to are not in them.

References
----------
.. [1] [FAWCETT-2006] Fawcett, T. (2006). An introduction to ROC analysis.
   Pattern Recognition Letters 27(8), 861–874, section 2 (precision = TP / (TP + FP)).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CONFIRMED_LEAK = "confirmed_leak"
CUSTOMER_USE = "customer_use"
METER_FAULT = "meter_fault"
DATA_ERROR = "data_error"
NO_ACCESS = "no_access"
LEAK_REPAIRED = "leak_repaired"
NO_LEAK_FOUND = "no_leak_found"

NIGHT_FLOW = "night_flow"
"""The kind name of a DMA's night-flow alarm among the customer kinds."""
NETWORK_LEAK = "network_leak"
"""The kind name of a leak alarm located on the supply network's hydraulic model."""

CUSTOMER_OUTCOMES = (CONFIRMED_LEAK, CUSTOMER_USE, METER_FAULT, DATA_ERROR, NO_ACCESS)
NIGHT_FLOW_OUTCOMES = (LEAK_REPAIRED, NO_LEAK_FOUND)
NETWORK_LEAK_OUTCOMES = (LEAK_REPAIRED, NO_LEAK_FOUND, NO_ACCESS)

FIELD_KINDS = (NIGHT_FLOW, NETWORK_LEAK)
"""The kinds a field crew judges on the network (not at a customer's meter): their outcomes are the crew's."""

TRUE_OUTCOMES: dict[str, frozenset[str]] = {
    "continuous_flow": frozenset({CONFIRMED_LEAK}),
    "burst": frozenset({CONFIRMED_LEAK}),
    "stuck": frozenset({METER_FAULT}),
    "reverse": frozenset({METER_FAULT}),
    "gap": frozenset({METER_FAULT, DATA_ERROR}),
    NIGHT_FLOW: frozenset({LEAK_REPAIRED}),
    NETWORK_LEAK: frozenset({LEAK_REPAIRED}),
}
"""Per alarm kind, the outcomes that make an alarm of that kind true (see the table above)."""

ALLOWED_OUTCOMES: dict[str, tuple[str, ...]] = {
    **{kind: CUSTOMER_OUTCOMES for kind in TRUE_OUTCOMES if kind not in FIELD_KINDS},
    NIGHT_FLOW: NIGHT_FLOW_OUTCOMES,
    NETWORK_LEAK: NETWORK_LEAK_OUTCOMES,
}
"""Per alarm kind, the outcomes staff may record when they close an alarm of that kind."""

UNDETERMINED_OUTCOMES = frozenset({NO_ACCESS})
"""Outcomes that say nothing about the alarm: counted, but left out of the precision."""


def outcome_truth(kind: str, outcome: str) -> bool | None:
    """Whether an alarm of `kind` closed with `outcome` was true (True), false (False) or undetermined (None).

    Parameters
    ----------
    kind : str
        The alarm's kind: a customer anomaly kind, ``"night_flow"`` or ``"network_leak"``.
    outcome : str
        The recorded outcome (one of the kind's `ALLOWED_OUTCOMES`).

    Raises
    ------
    ValueError
        When the kind is unknown, or the outcome is not one of the kind's.
    """
    if kind not in TRUE_OUTCOMES:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(TRUE_OUTCOMES)}")
    allowed = ALLOWED_OUTCOMES[kind]
    if outcome not in allowed:
        raise ValueError(f"outcome {outcome!r} is not one of {', '.join(allowed)} (kind {kind})")
    if outcome in UNDETERMINED_OUTCOMES:
        return None
    return outcome in TRUE_OUTCOMES[kind]


@dataclass(frozen=True)
class Precision:
    """Counts of judged alarms and their precision.

    Attributes
    ----------
    true, false, undetermined : int
        Closed alarms found true, found false, and closed without a finding.
    precision : float or None
        true / (true + false), a fraction in [0, 1]; None when no alarm was judged.
    """

    true: int
    false: int
    undetermined: int

    @property
    def judged(self) -> int:
        return self.true + self.false

    @property
    def closed(self) -> int:
        return self.true + self.false + self.undetermined

    @property
    def precision(self) -> float | None:
        return self.true / self.judged if self.judged else None


def precision_of(outcomes: Iterable[tuple[str, str]]) -> Precision:
    """The precision of closed alarms given as (kind, outcome) pairs: P = TP / (TP + FP).

    Examples
    --------
    Two confirmed leaks, one customer use and one no-access on continuous-flow
    alarms: TP = 2, FP = 1, P = 2/3.

    >>> precision_of([("continuous_flow", "confirmed_leak")] * 2
    ...              + [("continuous_flow", "customer_use"), ("continuous_flow", "no_access")]).precision
    0.6666666666666666

    Three network leak alarms closed, leaks found and repaired at two: TP = 2, FP = 1, P = 2/3.

    >>> precision_of([("network_leak", "leak_repaired")] * 2 + [("network_leak", "no_leak_found")]).precision
    0.6666666666666666
    """
    counts = {True: 0, False: 0, None: 0}
    for kind, outcome in outcomes:
        counts[outcome_truth(kind, outcome)] += 1
    return Precision(true=counts[True], false=counts[False], undetermined=counts[None])


def precision_by(rows: Iterable[tuple[str, str, str]]) -> dict[str, Precision]:
    """Precision per group from (group, kind, outcome) rows, e.g. per kind or per DMA; groups sorted."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for group, kind, outcome in rows:
        grouped.setdefault(group, []).append((kind, outcome))
    return {group: precision_of(grouped[group]) for group in sorted(grouped)}


@dataclass(frozen=True)
class JudgedAlarm:
    """A closed alarm with its finding, as the preview of new thresholds compares it (times county wall clock)."""

    meter_id: str
    kind: str
    start: datetime.datetime
    end: datetime.datetime
    truth: bool | None


@dataclass(frozen=True)
class ThresholdEffect:
    """What proposed thresholds would do to the alarms already judged.

    Attributes
    ----------
    kept_true, dropped_true : int
        True alarms the proposed thresholds still raise / no longer raise (leaks that would be missed).
    kept_false, dropped_false : int
        False alarms still raised / no longer raised (false alarms spared).
    kept_undetermined, dropped_undetermined : int
        The same for alarms closed without a finding.
    """

    kept_true: int
    dropped_true: int
    kept_false: int
    dropped_false: int
    kept_undetermined: int
    dropped_undetermined: int

    @property
    def precision(self) -> float | None:
        """Precision of the judged alarms still raised: kept_true / (kept_true + kept_false)."""
        kept = self.kept_true + self.kept_false
        return self.kept_true / kept if kept else None


def threshold_effect(judged: Iterable[JudgedAlarm], proposed: Iterable[tuple[str, str, Any, Any]]) -> ThresholdEffect:
    """Which judged alarms the proposed thresholds would still raise.

    A judged alarm is still raised when a proposed alarm of the same meter and
    kind overlaps its time span (start ≤ other end and other start ≤ end): an
    episode whose start or end moves with the thresholds is the same episode.

    Parameters
    ----------
    judged : iterable of JudgedAlarm
        Closed alarms with their finding.
    proposed : iterable of (meter_id, kind, start, end)
        The alarms the analysis gives with the proposed thresholds, over the same period.
    """
    spans: dict[tuple[str, str], list[tuple[Any, Any]]] = {}
    for meter_id, kind, start, end in proposed:
        spans.setdefault((meter_id, kind), []).append((start, end))
    counts = {(kept, truth): 0 for kept in (True, False) for truth in (True, False, None)}
    for alarm in judged:
        kept = any(
            start <= alarm.end and alarm.start <= end for start, end in spans.get((alarm.meter_id, alarm.kind), [])
        )
        counts[(kept, alarm.truth)] += 1
    return ThresholdEffect(
        kept_true=counts[(True, True)],
        dropped_true=counts[(False, True)],
        kept_false=counts[(True, False)],
        dropped_false=counts[(False, False)],
        kept_undetermined=counts[(True, None)],
        dropped_undetermined=counts[(False, None)],
    )
