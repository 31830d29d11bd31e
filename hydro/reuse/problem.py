"""The water reuse problem: its records, read from JSON and checked field by field.

A problem names the contaminants, the freshwater sources (tap water, a
wastewater plant's effluent as a cheap impure supply), the process sources
(effluent streams of fixed flow and quality), the process sinks (demands of
fixed flow with quality limits), the fixed-load operations, the regenerators
(treatment units), the plants with their coordinates and the piping costs.

Flows are in t/h, concentrations in ppm (mg/L, equal to g/t) and loads in
kg/h, as engineers state them; money is in yuan, as `decimal.Decimal`.
A document is validated against the problem's JSON Schema
(``problem.schema.json`` beside this module, with the ``jsonschema``
library), then for what a schema cannot say; every error names the JSON
path of the field at fault, e.g. ``$.sources[2].flow_t_per_h``. The format
is documented in ``docs/reuse-problem.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match

OBJECTIVES = ("freshwater_then_cost", "freshwater", "cost", "freshwater_then_connections")
DEFAULT_HOURS_PER_YEAR = 8000.0
DEFAULT_PLANT = ""
# Flows are stated by mass [t/h], as the water pinch literature states them (Wang & Smith, 1994). A volume flow
# [m³/h], as meters and registers give it, becomes a mass flow through the density of water, taken as 1 t/m³;
# a price per m³ becomes a price per t the same way. Callers convert with this constant, never silently.
WATER_DENSITY_T_PER_M3 = 1.0
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
    name : str
        What people call it, e.g. "中水 / reclaimed water".
    """

    id: str
    concentration_ppm: dict[str, float]
    cost_yuan_per_t: Decimal = Decimal(0)
    capacity_t_per_h: float | None = None
    plant: str | None = None
    name: str = ""


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

    def to_json(self) -> dict[str, Any]:
        """The problem as a document of ``docs/reuse-problem.md``: `parse_problem` reads it back to an equal problem."""
        document: dict[str, Any] = {"name": self.name} if self.name else {}
        document["contaminants"] = list(self.contaminants)
        document["freshwater"] = [_freshwater_json(supply) for supply in self.freshwater]
        if self.plants:
            document["plants"] = [_plant_json(plant) for plant in self.plants]
        for collection, records in (
            ("sources", [_source_json(source) for source in self.sources]),
            ("sinks", [_sink_json(sink) for sink in self.sinks]),
            ("operations", [_operation_json(operation) for operation in self.operations]),
            ("regenerators", [_regenerator_json(regenerator) for regenerator in self.regenerators]),
        ):
            if records:
                document[collection] = records
        if self.piping is not None:
            document["piping"] = _piping_json(self.piping)
        document["wastewater"] = {"cost_per_t": float(self.wastewater_cost_yuan_per_t)}
        document["hours_per_year"] = self.hours_per_year
        document["allow_interplant"] = self.allow_interplant
        document["objective"] = self.objective
        return document


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

    The document is validated against the problem's JSON Schema
    (``hydro/reuse/problem.schema.json``), then for what a schema cannot say:
    ids unique across collections, plants named in ``$.plants``, a value for
    each contaminant and no other.

    Raises
    ------
    ProblemError
        On a field at fault: a negative flow or concentration, an unknown
        contaminant, a duplicate id, a reference to a plant that is not
        listed, a field of the wrong type or an unknown field.
    """
    _validate(document)
    contaminants = tuple(document["contaminants"])
    reader = _Reader(contaminants)
    plants = tuple(_plant(item) for item in document.get("plants", []))
    reader.plant_ids = {plant.id for plant in plants} if "plants" in document else None
    problem = Problem(
        contaminants=contaminants,
        freshwater=tuple(reader.freshwater(item, path) for item, path in _items(document, "freshwater")),
        sources=tuple(reader.source(item, path) for item, path in _items(document, "sources")),
        sinks=tuple(reader.sink(item, path) for item, path in _items(document, "sinks")),
        operations=tuple(reader.operation(item, path) for item, path in _items(document, "operations")),
        regenerators=tuple(reader.regenerator(item, path) for item, path in _items(document, "regenerators")),
        plants=plants,
        piping=_piping(document["piping"]) if "piping" in document else None,
        wastewater_cost_yuan_per_t=_money(document.get("wastewater", {}).get("cost_per_t", 0)),
        hours_per_year=float(document.get("hours_per_year", DEFAULT_HOURS_PER_YEAR)),
        allow_interplant=document.get("allow_interplant", True),
        objective=document.get("objective", OBJECTIVES[0]),
        name=document.get("name", ""),
    )
    _require_unique_ids(document, plants)
    return problem


UNIT_COLLECTIONS = ("freshwater", "sources", "sinks", "operations", "regenerators")
SCHEMA_PATH = Path(__file__).with_name("problem.schema.json")


def _finite_number(checker: Any, instance: Any) -> bool:
    """JSON numbers only: Python's json module also reads NaN and Infinity, which no flow or price can be."""
    return Draft202012Validator.TYPE_CHECKER.is_type(instance, "number") and math.isfinite(instance)


_ProblemValidator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", _finite_number)
)
SCHEMA_VALIDATOR = _ProblemValidator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _validate(document: Any) -> None:
    """Raise a ProblemError for the most relevant schema error, naming the field at fault."""
    error = best_match(SCHEMA_VALIDATOR.iter_errors(document))
    if error is not None:
        raise ProblemError(*_located_message(error))


TYPE_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def _located_message(error: ValidationError) -> tuple[str, str]:
    """(JSON path of the field at fault, what is wrong with it) for one schema error."""
    path, value, rule = _json_path(error.absolute_path), error.instance, error.validator_value
    if error.validator == "required":
        return f"{path}.{next(name for name in rule if name not in value)}", "is required"
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        return f"{path}.{next(name for name in value if name not in allowed)}", "is not a known field"
    if error.validator == "type":
        expected = " or ".join(TYPE_NAMES[name] for name in ([rule] if isinstance(rule, str) else rule))
        shown = "" if isinstance(value, dict | list) else f" (got {json.dumps(value)})"
        return path, f"must be {expected}{shown}"
    if error.validator == "minimum":
        bound = "must not be negative" if rule == 0 else f"must be at least {rule:g}"
        return path, f"{bound} (got {value:g})"
    if error.validator in ("maximum", "exclusiveMinimum"):
        bound = "at most" if error.validator == "maximum" else "more than"
        return path, f"must be {bound} {rule:g} (got {value:g})"
    if error.validator == "enum":
        return path, f"must be one of {', '.join(rule)} (got {json.dumps(value)})"
    if error.validator == "minItems":
        return path, "must not be empty"
    if error.validator == "minLength":
        return path, "must be a non-empty string"
    if error.validator == "uniqueItems":
        index = next(index for index, item in enumerate(value) if item in value[:index])
        return f"{path}[{index}]", f"duplicate {json.dumps(value[index])}"
    if error.validator == "oneOf":
        names = [name for option in rule for name in option.get("required", ())]
        return path, f"give exactly one of {' and '.join(names)}"
    return path, error.message


def _json_path(parts: Any) -> str:
    """``$.sources[2].flow_t_per_h`` for the parts ("sources", 2, "flow_t_per_h")."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


class _Reader:
    """Reads the unit records of a valid document, knowing the contaminants and the plants they may name."""

    def __init__(self, contaminants: tuple[str, ...]) -> None:
        self.contaminants = contaminants
        self.plant_ids: set[str] | None = None

    def freshwater(self, record: Mapping[str, Any], path: str) -> FreshwaterSource:
        plant = self._plant_reference(record, path) if "plant" in record else None
        return FreshwaterSource(
            id=record["id"],
            concentration_ppm=self._concentrations(record["concentration"], f"{path}.concentration"),
            cost_yuan_per_t=_money(record.get("cost_per_t", 0)),
            capacity_t_per_h=_optional_float(record.get("capacity_t_per_h")),
            plant=plant,
            name=record.get("name", ""),
        )

    def source(self, record: Mapping[str, Any], path: str) -> Source:
        return Source(
            id=record["id"],
            plant=self._plant_reference(record, path),
            flow_t_per_h=float(record["flow_t_per_h"]),
            concentration_ppm=self._concentrations(record["concentration"], f"{path}.concentration"),
        )

    def sink(self, record: Mapping[str, Any], path: str) -> Sink:
        return Sink(
            id=record["id"],
            plant=self._plant_reference(record, path),
            flow_t_per_h=float(record["flow_t_per_h"]),
            max_concentration_ppm=self._concentrations(record["max_concentration"], f"{path}.max_concentration"),
        )

    def operation(self, record: Mapping[str, Any], path: str) -> Operation:
        return Operation(
            id=record["id"],
            plant=self._plant_reference(record, path),
            load_kg_per_h=self._concentrations(record["load_kg_per_h"], f"{path}.load_kg_per_h"),
            max_inlet_ppm=self._concentrations(record["max_inlet"], f"{path}.max_inlet"),
            max_outlet_ppm=self._concentrations(record["max_outlet"], f"{path}.max_outlet"),
        )

    def regenerator(self, record: Mapping[str, Any], path: str) -> Regenerator:
        outlet = record.get("outlet_concentration")
        removal = record.get("removal_ratio")
        return Regenerator(
            id=record["id"],
            plant=self._plant_reference(record, path),
            outlet_concentration_ppm=None
            if outlet is None
            else self._concentrations(outlet, f"{path}.outlet_concentration"),
            removal_ratio=None if removal is None else self._concentrations(removal, f"{path}.removal_ratio"),
            capacity_t_per_h=_optional_float(record.get("capacity_t_per_h")),
            cost_yuan_per_t=_money(record.get("cost_per_t", 0)),
            mode=record.get("mode", "recycle"),
        )

    def _concentrations(self, record: Mapping[str, Any], path: str) -> dict[str, float]:
        """A value per contaminant: every contaminant present, no other (the schema has checked the numbers)."""
        for key in record:
            if key not in self.contaminants:
                raise ProblemError(f"{path}.{key}", "is not one of the problem's contaminants")
        for contaminant in self.contaminants:
            if contaminant not in record:
                raise ProblemError(path, f"missing a value for contaminant {contaminant!r}")
        return {contaminant: float(record[contaminant]) for contaminant in self.contaminants}

    def _plant_reference(self, record: Mapping[str, Any], path: str) -> str:
        plant: str = record.get("plant", DEFAULT_PLANT)
        if "plant" in record and self.plant_ids is not None and plant not in self.plant_ids:
            raise ProblemError(f"{path}.plant", f"names plant {plant!r}, which is not in $.plants")
        return plant


def _plant(record: Mapping[str, Any]) -> Plant:
    return Plant(id=record["id"], x_m=float(record["x_m"]), y_m=float(record["y_m"]), name=record.get("name", ""))


def _piping(record: Mapping[str, Any]) -> Piping:
    return Piping(
        fixed_cost_yuan=_money(record.get("fixed_cost", 0)),
        cost_yuan_per_m=_money(record.get("cost_per_m", 0)),
        cost_yuan_per_t_per_h_m=_money(record.get("cost_per_t_per_h_m", 0)),
        annualisation_factor=float(record.get("annualisation_factor", 0.1)),
        max_interplant_connections=record.get("max_interplant_connections"),
        max_distance_m=_optional_float(record.get("max_distance_m")),
        nearest_plants=record.get("nearest_plants"),
    )


def _items(document: Mapping[str, Any], collection: str) -> list[tuple[Any, str]]:
    return [(item, f"$.{collection}[{index}]") for index, item in enumerate(document.get(collection, []))]


def _require_unique_ids(document: Mapping[str, Any], plants: tuple[Plant, ...]) -> None:
    """Ids name the ends of flows, so every unit id is unique across all collections."""
    seen: set[str] = set()
    for collection in UNIT_COLLECTIONS:
        for index, item in enumerate(document.get(collection, [])):
            if item["id"] == WASTEWATER_ID:
                raise ProblemError(f"$.{collection}[{index}].id", f"{WASTEWATER_ID!r} is reserved for the discharge")
            if item["id"] in seen:
                raise ProblemError(f"$.{collection}[{index}].id", f"duplicate id {item['id']!r}")
            seen.add(item["id"])
    for index, plant in enumerate(plants):
        if plant.id in {other.id for other in plants[:index]}:
            raise ProblemError(f"$.plants[{index}].id", f"duplicate plant id {plant.id!r}")


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _money(value: float) -> Decimal:
    return Decimal(str(float(value)))


def _unit_json(unit: Source | Sink | Operation | Regenerator) -> dict[str, Any]:
    return {"id": unit.id, "plant": unit.plant} if unit.plant != DEFAULT_PLANT else {"id": unit.id}


def _freshwater_json(supply: FreshwaterSource) -> dict[str, Any]:
    document: dict[str, Any] = {"id": supply.id, "name": supply.name} if supply.name else {"id": supply.id}
    document["concentration"] = supply.concentration_ppm
    document["cost_per_t"] = float(supply.cost_yuan_per_t)
    if supply.capacity_t_per_h is not None:
        document["capacity_t_per_h"] = supply.capacity_t_per_h
    if supply.plant is not None:
        document["plant"] = supply.plant
    return document


def _source_json(source: Source) -> dict[str, Any]:
    return {**_unit_json(source), "flow_t_per_h": source.flow_t_per_h, "concentration": source.concentration_ppm}


def _sink_json(sink: Sink) -> dict[str, Any]:
    return {**_unit_json(sink), "flow_t_per_h": sink.flow_t_per_h, "max_concentration": sink.max_concentration_ppm}


def _operation_json(operation: Operation) -> dict[str, Any]:
    return {
        **_unit_json(operation),
        "load_kg_per_h": operation.load_kg_per_h,
        "max_inlet": operation.max_inlet_ppm,
        "max_outlet": operation.max_outlet_ppm,
    }


def _regenerator_json(regenerator: Regenerator) -> dict[str, Any]:
    document = _unit_json(regenerator)
    if regenerator.outlet_concentration_ppm is not None:
        document["outlet_concentration"] = regenerator.outlet_concentration_ppm
    if regenerator.removal_ratio is not None:
        document["removal_ratio"] = regenerator.removal_ratio
    if regenerator.capacity_t_per_h is not None:
        document["capacity_t_per_h"] = regenerator.capacity_t_per_h
    document["cost_per_t"] = float(regenerator.cost_yuan_per_t)
    document["mode"] = regenerator.mode
    return document


def _plant_json(plant: Plant) -> dict[str, Any]:
    document: dict[str, Any] = {"id": plant.id, "name": plant.name} if plant.name else {"id": plant.id}
    return {**document, "x_m": plant.x_m, "y_m": plant.y_m}


def _piping_json(piping: Piping) -> dict[str, Any]:
    return {
        "fixed_cost": float(piping.fixed_cost_yuan),
        "cost_per_m": float(piping.cost_yuan_per_m),
        "cost_per_t_per_h_m": float(piping.cost_yuan_per_t_per_h_m),
        "annualisation_factor": piping.annualisation_factor,
        "max_interplant_connections": piping.max_interplant_connections,
        "max_distance_m": piping.max_distance_m,
        "nearest_plants": piping.nearest_plants,
    }
