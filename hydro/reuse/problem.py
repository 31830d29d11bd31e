"""The water reuse problem: its records, read from JSON and checked field by field.

A problem names the contaminants, the freshwater sources (tap water, a
wastewater plant's effluent as a cheap impure supply), the process sources
(effluent streams of fixed flow and quality), the process sinks (demands of
fixed flow with quality limits), the fixed-load operations, the regenerators
(treatment units), the plants with their coordinates and the piping costs.

Flows are in t/h, concentrations in ppm (mg/L, equal to g/t) and loads in
kg/h, as engineers state them; money is in yuan, as `decimal.Decimal`.
Every error names the JSON path of the field at fault, e.g.
``$.sources[2].flow_t_per_h``. The format is documented, with its JSON
Schema, in ``docs/reuse-problem.md`` and ``docs/reuse-problem.schema.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

OBJECTIVES = ("freshwater_then_cost", "freshwater", "cost", "freshwater_then_connections")
REGENERATION_MODES = ("recycle", "reuse")
DEFAULT_HOURS_PER_YEAR = 8000.0
DEFAULT_PLANT = ""
WASTEWATER_ID = "wastewater"


class ProblemError(ValueError):
    """A problem that cannot be read: the JSON path of the field and what is wrong with it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class FreshwaterSource:
    """A supply bought from outside: tap water, groundwater, a wastewater plant's effluent.

    Attributes
    ----------
    id : str
    concentration_ppm : dict of str to float
        Quality of the supply per contaminant [ppm].
    cost_yuan_per_t : Decimal
        Price of the water [yuan/t].
    capacity_t_per_h : float or None
        Most it can deliver [t/h]; None for no limit.
    plant : str or None
        Where it is piped from, for pipe lengths; None for a utility main reaching every plant at no piping cost.
    """

    id: str
    concentration_ppm: dict[str, float]
    cost_yuan_per_t: Decimal = Decimal(0)
    capacity_t_per_h: float | None = None
    plant: str | None = None


@dataclass(frozen=True)
class Source:
    """A process effluent of fixed flow and quality, to be reused or discharged."""

    id: str
    plant: str
    flow_t_per_h: float
    concentration_ppm: dict[str, float]


@dataclass(frozen=True)
class Sink:
    """A process demand of fixed flow that accepts water up to a concentration limit."""

    id: str
    plant: str
    flow_t_per_h: float
    max_concentration_ppm: dict[str, float]


@dataclass(frozen=True)
class Operation:
    """A mass-transfer operation picking up a fixed contaminant load; its water flow is free.

    Attributes
    ----------
    load_kg_per_h : dict of str to float
        Contaminant picked up by the water [kg/h].
    max_inlet_ppm, max_outlet_ppm : dict of str to float
        Limits on the water entering and leaving [ppm].
    """

    id: str
    plant: str
    load_kg_per_h: dict[str, float]
    max_inlet_ppm: dict[str, float]
    max_outlet_ppm: dict[str, float]


@dataclass(frozen=True)
class Regenerator:
    """A treatment unit (a reclamation plant) whose outlet is reused.

    Exactly one of `outlet_concentration_ppm` (a fixed outlet quality) and
    `removal_ratio` (the fraction of each contaminant removed) describes it.

    Attributes
    ----------
    mode : {"recycle", "reuse"}
        "recycle" lets regenerated water return to the operations it came
        from; "reuse" forbids it (regeneration-reuse of Wang & Smith, 1994).
    """

    id: str
    plant: str
    outlet_concentration_ppm: dict[str, float] | None
    removal_ratio: dict[str, float] | None
    capacity_t_per_h: float | None
    cost_yuan_per_t: Decimal
    mode: str = "recycle"


@dataclass(frozen=True)
class Plant:
    """A plant (a firm's site) and where it is: plane coordinates in metres."""

    id: str
    x_m: float
    y_m: float
    name: str = ""


@dataclass(frozen=True)
class Piping:
    """Costs of pipes between plants, annualised.

    Notes
    -----
    A pipe of length d [m] carrying F [t/h] costs, per year,

    .. math:: A \\, (c_{fixed} + c_{m} \\, d + c_{tm} \\, F \\, d)

    with A the annualisation factor [1/year].
    """

    fixed_cost_yuan: Decimal = Decimal(0)
    cost_yuan_per_m: Decimal = Decimal(0)
    cost_yuan_per_t_per_h_m: Decimal = Decimal(0)
    annualisation_factor: float = 0.1
    max_interplant_connections: int | None = None
    max_distance_m: float | None = None
    nearest_plants: int | None = None


@dataclass(frozen=True)
class Problem:
    """A whole water reuse problem."""

    contaminants: tuple[str, ...]
    freshwater: tuple[FreshwaterSource, ...]
    sources: tuple[Source, ...] = ()
    sinks: tuple[Sink, ...] = ()
    operations: tuple[Operation, ...] = ()
    regenerators: tuple[Regenerator, ...] = ()
    plants: tuple[Plant, ...] = ()
    piping: Piping | None = None
    wastewater_cost_yuan_per_t: Decimal = Decimal(0)
    hours_per_year: float = DEFAULT_HOURS_PER_YEAR
    allow_interplant: bool = True
    objective: str = "freshwater_then_cost"
    name: str = ""


def load_problem(path: str | Path) -> Problem:
    """Read and check a problem from a JSON file; raises ProblemError naming the field at fault."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemError("$", f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    return parse_problem(document)


def parse_problem(document: Any) -> Problem:
    """Check a problem given as parsed JSON and turn it into records.

    Raises
    ------
    ProblemError
        On the first field at fault: a negative flow or concentration, an
        unknown contaminant, a duplicate id, a reference to a plant that is
        not listed, a field of the wrong type or an unknown field.
    """
    top = _object(document, "$", TOP_FIELDS, required=("contaminants", "freshwater"))
    contaminants = _contaminants(top["contaminants"])
    reader = _Reader(contaminants)
    plants = tuple(_plant(item, path) for item, path in _items(top, "plants"))
    reader.plant_ids = {plant.id for plant in plants} if "plants" in top else None
    problem = Problem(
        contaminants=contaminants,
        freshwater=tuple(reader.freshwater(item, path) for item, path in _items(top, "freshwater")),
        sources=tuple(reader.source(item, path) for item, path in _items(top, "sources")),
        sinks=tuple(reader.sink(item, path) for item, path in _items(top, "sinks")),
        operations=tuple(reader.operation(item, path) for item, path in _items(top, "operations")),
        regenerators=tuple(reader.regenerator(item, path) for item, path in _items(top, "regenerators")),
        plants=plants,
        piping=_piping(top["piping"], "$.piping") if "piping" in top else None,
        **_settings(top),
    )
    _require_unique_ids(top, plants)
    if not problem.freshwater:
        raise ProblemError("$.freshwater", "at least one freshwater source is needed")
    return problem


TOP_FIELDS = (
    "name",
    "description",
    "contaminants",
    "freshwater",
    "sources",
    "sinks",
    "operations",
    "regenerators",
    "plants",
    "piping",
    "wastewater",
    "hours_per_year",
    "allow_interplant",
    "objective",
)
UNIT_COLLECTIONS = ("freshwater", "sources", "sinks", "operations", "regenerators")


def _settings(top: Mapping[str, Any]) -> dict[str, Any]:
    wastewater = _object(top.get("wastewater", {}), "$.wastewater", ("cost_per_t",))
    hours = _number(top.get("hours_per_year", DEFAULT_HOURS_PER_YEAR), "$.hours_per_year")
    if not 0 < hours <= 8784:
        raise ProblemError("$.hours_per_year", f"must be between 0 and 8784 hours (got {hours:g})")
    objective = top.get("objective", OBJECTIVES[0])
    if objective not in OBJECTIVES:
        raise ProblemError("$.objective", f"must be one of {', '.join(OBJECTIVES)} (got {objective!r})")
    allow_interplant = top.get("allow_interplant", True)
    if not isinstance(allow_interplant, bool):
        raise ProblemError("$.allow_interplant", "must be true or false")
    return {
        "wastewater_cost_yuan_per_t": _money(wastewater.get("cost_per_t", 0), "$.wastewater.cost_per_t"),
        "hours_per_year": hours,
        "allow_interplant": allow_interplant,
        "objective": objective,
        "name": _text(top.get("name", ""), "$.name", allow_empty=True),
    }


class _Reader:
    """Reads the unit records, knowing the contaminants and the plants they may name."""

    def __init__(self, contaminants: tuple[str, ...]) -> None:
        self.contaminants = contaminants
        self.plant_ids: set[str] | None = None

    def freshwater(self, item: Any, path: str) -> FreshwaterSource:
        fields = ("id", "name", "concentration", "cost_per_t", "capacity_t_per_h", "plant")
        record = _object(item, path, fields, required=("id", "concentration"))
        plant = self._plant_reference(record, path) if "plant" in record else None
        return FreshwaterSource(
            id=_text(record["id"], f"{path}.id"),
            concentration_ppm=self._concentrations(record["concentration"], f"{path}.concentration"),
            cost_yuan_per_t=_money(record.get("cost_per_t", 0), f"{path}.cost_per_t"),
            capacity_t_per_h=_optional_number(record.get("capacity_t_per_h"), f"{path}.capacity_t_per_h"),
            plant=plant,
        )

    def source(self, item: Any, path: str) -> Source:
        fields = ("id", "name", "plant", "flow_t_per_h", "concentration")
        record = _object(item, path, fields, required=("id", "flow_t_per_h", "concentration"))
        return Source(
            id=_text(record["id"], f"{path}.id"),
            plant=self._plant_reference(record, path),
            flow_t_per_h=_number(record["flow_t_per_h"], f"{path}.flow_t_per_h"),
            concentration_ppm=self._concentrations(record["concentration"], f"{path}.concentration"),
        )

    def sink(self, item: Any, path: str) -> Sink:
        fields = ("id", "name", "plant", "flow_t_per_h", "max_concentration")
        record = _object(item, path, fields, required=("id", "flow_t_per_h", "max_concentration"))
        return Sink(
            id=_text(record["id"], f"{path}.id"),
            plant=self._plant_reference(record, path),
            flow_t_per_h=_number(record["flow_t_per_h"], f"{path}.flow_t_per_h"),
            max_concentration_ppm=self._concentrations(record["max_concentration"], f"{path}.max_concentration"),
        )

    def operation(self, item: Any, path: str) -> Operation:
        fields = ("id", "name", "plant", "load_kg_per_h", "max_inlet", "max_outlet")
        record = _object(item, path, fields, required=("id", "load_kg_per_h", "max_inlet", "max_outlet"))
        return Operation(
            id=_text(record["id"], f"{path}.id"),
            plant=self._plant_reference(record, path),
            load_kg_per_h=self._concentrations(record["load_kg_per_h"], f"{path}.load_kg_per_h"),
            max_inlet_ppm=self._concentrations(record["max_inlet"], f"{path}.max_inlet"),
            max_outlet_ppm=self._concentrations(record["max_outlet"], f"{path}.max_outlet"),
        )

    def regenerator(self, item: Any, path: str) -> Regenerator:
        fields = ("id", "name", "plant", "outlet_concentration", "removal_ratio", "capacity_t_per_h", "cost_per_t")
        record = _object(item, path, (*fields, "mode"), required=("id",))
        outlet, removal = self._regenerator_performance(record, path)
        mode = record.get("mode", "recycle")
        if mode not in REGENERATION_MODES:
            raise ProblemError(f"{path}.mode", f"must be one of {', '.join(REGENERATION_MODES)} (got {mode!r})")
        return Regenerator(
            id=_text(record["id"], f"{path}.id"),
            plant=self._plant_reference(record, path),
            outlet_concentration_ppm=outlet,
            removal_ratio=removal,
            capacity_t_per_h=_optional_number(record.get("capacity_t_per_h"), f"{path}.capacity_t_per_h"),
            cost_yuan_per_t=_money(record.get("cost_per_t", 0), f"{path}.cost_per_t"),
            mode=mode,
        )

    def _regenerator_performance(
        self, record: Mapping[str, Any], path: str
    ) -> tuple[dict[str, float] | None, dict[str, float] | None]:
        if ("outlet_concentration" in record) == ("removal_ratio" in record):
            raise ProblemError(path, "give exactly one of outlet_concentration and removal_ratio")
        if "outlet_concentration" in record:
            return self._concentrations(record["outlet_concentration"], f"{path}.outlet_concentration"), None
        ratios = self._concentrations(record["removal_ratio"], f"{path}.removal_ratio")
        for contaminant, ratio in ratios.items():
            if ratio > 1:
                raise ProblemError(f"{path}.removal_ratio.{contaminant}", f"must be at most 1 (got {ratio:g})")
        return None, ratios

    def _concentrations(self, value: Any, path: str) -> dict[str, float]:
        """A value per contaminant: every contaminant present, no other, none negative."""
        record = _object(value, path, self.contaminants, unknown_message="is not one of the problem's contaminants")
        for contaminant in self.contaminants:
            if contaminant not in record:
                raise ProblemError(path, f"missing a value for contaminant {contaminant!r}")
        return {contaminant: _number(record[contaminant], f"{path}.{contaminant}") for contaminant in self.contaminants}

    def _plant_reference(self, record: Mapping[str, Any], path: str) -> str:
        if "plant" not in record:
            return DEFAULT_PLANT
        plant = _text(record["plant"], f"{path}.plant")
        if self.plant_ids is not None and plant not in self.plant_ids:
            raise ProblemError(f"{path}.plant", f"names plant {plant!r}, which is not in $.plants")
        return plant


def _plant(item: Any, path: str) -> Plant:
    record = _object(item, path, ("id", "name", "x_m", "y_m"), required=("id", "x_m", "y_m"))
    return Plant(
        id=_text(record["id"], f"{path}.id"),
        x_m=_number(record["x_m"], f"{path}.x_m", allow_negative=True),
        y_m=_number(record["y_m"], f"{path}.y_m", allow_negative=True),
        name=_text(record.get("name", ""), f"{path}.name", allow_empty=True),
    )


def _piping(value: Any, path: str) -> Piping:
    fields = (
        "fixed_cost",
        "cost_per_m",
        "cost_per_t_per_h_m",
        "annualisation_factor",
        "max_interplant_connections",
        "max_distance_m",
        "nearest_plants",
    )
    record = _object(value, path, fields)
    return Piping(
        fixed_cost_yuan=_money(record.get("fixed_cost", 0), f"{path}.fixed_cost"),
        cost_yuan_per_m=_money(record.get("cost_per_m", 0), f"{path}.cost_per_m"),
        cost_yuan_per_t_per_h_m=_money(record.get("cost_per_t_per_h_m", 0), f"{path}.cost_per_t_per_h_m"),
        annualisation_factor=_number(record.get("annualisation_factor", 0.1), f"{path}.annualisation_factor"),
        max_interplant_connections=_optional_count(
            record.get("max_interplant_connections"), f"{path}.max_interplant_connections"
        ),
        max_distance_m=_optional_number(record.get("max_distance_m"), f"{path}.max_distance_m"),
        nearest_plants=_optional_count(record.get("nearest_plants"), f"{path}.nearest_plants"),
    )


def _contaminants(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ProblemError("$.contaminants", "must be a non-empty list of contaminant names")
    names = tuple(_text(name, f"$.contaminants[{index}]") for index, name in enumerate(value))
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ProblemError(f"$.contaminants[{index}]", f"duplicate contaminant {name!r}")
    return names


def _items(top: Mapping[str, Any], collection: str) -> list[tuple[Any, str]]:
    value = top.get(collection, [])
    if not isinstance(value, list):
        raise ProblemError(f"$.{collection}", "must be a list")
    return [(item, f"$.{collection}[{index}]") for index, item in enumerate(value)]


def _require_unique_ids(top: Mapping[str, Any], plants: tuple[Plant, ...]) -> None:
    """Ids name the ends of flows, so every unit id is unique across all collections."""
    seen: set[str] = set()
    for collection in UNIT_COLLECTIONS:
        for index, item in enumerate(top.get(collection, [])):
            if item["id"] == WASTEWATER_ID:
                raise ProblemError(f"$.{collection}[{index}].id", f"{WASTEWATER_ID!r} is reserved for the discharge")
            if item["id"] in seen:
                raise ProblemError(f"$.{collection}[{index}].id", f"duplicate id {item['id']!r}")
            seen.add(item["id"])
    for index, plant in enumerate(plants):
        if plant.id in {other.id for other in plants[:index]}:
            raise ProblemError(f"$.plants[{index}].id", f"duplicate plant id {plant.id!r}")


def _object(
    value: Any,
    path: str,
    allowed: tuple[str, ...],
    required: tuple[str, ...] = (),
    unknown_message: str = "is not a known field",
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProblemError(path, "must be an object")
    for key in value:
        if key not in allowed:
            raise ProblemError(f"{path}.{key}", unknown_message)
    for key in required:
        if key not in value:
            raise ProblemError(f"{path}.{key}", "is required")
    return value


def _number(value: Any, path: str, allow_negative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemError(path, f"must be a number (got {json.dumps(value)})")
    if value < 0 and not allow_negative:
        raise ProblemError(path, f"must not be negative (got {value:g})")
    return float(value)


def _optional_number(value: Any, path: str) -> float | None:
    return None if value is None else _number(value, path)


def _optional_count(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProblemError(path, f"must be a whole number, not negative (got {json.dumps(value)})")
    return value


def _money(value: Any, path: str) -> Decimal:
    return Decimal(str(_number(value, path)))


def _text(value: Any, path: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ProblemError(path, "must be a non-empty string" if not allow_empty else "must be a string")
    return value
