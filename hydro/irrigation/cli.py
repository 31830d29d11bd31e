"""`hydro irrigation coefficient SAMPLES.json [--json]`: the irrigation water efficiency coefficient.

The county's sample irrigation districts of one year go in; the coefficient of
each sample district, of each class and of the county come out, with the
weights used (hydro.irrigation explains the head–tail method).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hydro.irrigation import (
    DISTRICT_CLASSES,
    MEDIUM_SIZE_GROUPS,
    RegionResult,
    SampleDistrict,
    TypicalField,
    region_coefficient,
)

SAMPLES_FORMAT = f"""SAMPLES.json (volumes in m³, areas in mu, one year):

  {{
    "year": 2025,                                   (optional)
    "class_gross_m3": {{"medium": 21000000, "small": 9000000, "well": 1500000}},
        gross irrigation water of ALL the county's districts of each class, the
        weights of the county coefficient; a class left out is weighted by its
        samples' gross water, and the output says so (optional)
    "medium_group_gross_m3": {{"10k-50k": 12000000, "50k-150k": 9000000}},
        the same for medium districts by size group (optional)
    "districts": [
      {{
        "name": "Xiashu medium district",
        "class": "medium",                          one of {", ".join(DISTRICT_CLASSES)}
        "size_group": "10k-50k",                    medium only: one of {", ".join(MEDIUM_SIZE_GROUPS)}
        "gross_m3": 3200000,                        gross water taken at the head
        "irrigated_area_mu": {{"rice": 5000, "wheat": 1200}},
        "fields": [
          {{"name": "F1", "crop": "rice", "net_m3_per_mu": 405.0}},
          {{"name": "F2", "crop": "rice", "net_m3_per_mu": 395.0}},
          {{"name": "F3", "crop": "wheat", "net_m3_per_mu": 90.0}}
        ]
      }}
    ]
  }}

With --json, one object:
  {{"year", "county": {{"coefficient", "weights_m3": {{class: m³}}, "weights_from_samples": [class]}},
   "classes": [{{"class", "coefficient", "samples", "method", "weight_m3",
                "group_coefficients", "group_weights_m3"}}],
   "districts": [{{"name", "class", "size_group", "net_m3", "gross_m3", "coefficient",
                  "net_m3_per_mu_by_crop"}}]}}
"""


def register(subparsers: Any) -> None:
    """Add the `irrigation` command group to the `hydro` parser."""
    parser = subparsers.add_parser(
        "irrigation",
        help="farmland irrigation: the irrigation water efficiency coefficient",
        description="Farmland irrigation water efficiency.",
    )
    commands = parser.add_subparsers(dest="irrigation_command", required=True, metavar="COMMAND")
    coefficient = commands.add_parser(
        "coefficient",
        help="the coefficient of sample districts, classes and the county (head-tail method)",
        description="The irrigation water efficiency coefficient (农田灌溉水有效利用系数) by the head-tail method: "
        "each sample district's net field water over its gross intake, combined by class and weighted by "
        "gross water into the county's coefficient.",
        epilog=SAMPLES_FORMAT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    coefficient.add_argument("samples", metavar="SAMPLES.json", type=Path, help="the year's sample districts")
    coefficient.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    coefficient.set_defaults(handler=run_coefficient)


def number(value: Any, where: str, *, positive: bool = False) -> float:
    """A finite, non-negative number (positive when asked), or a ValueError naming `where`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: a number is required")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{where}: must be {'positive' if positive else 'zero or more'}")
    return float(value)


def text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: a text is required")
    return value.strip()


def volumes(value: Any, where: str, allowed: tuple[str, ...] | None = None) -> dict[str, float]:
    """A mapping of names to non-negative numbers (m³ or mu)."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: an object of names to numbers is required")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return {str(key): number(item, f"{where}.{key}") for key, item in value.items()}


def typical_field(value: Any, where: str) -> TypicalField:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: an object is required")
    return TypicalField(
        crop=text(value.get("crop"), f"{where}.crop"),
        net_m3_per_mu=number(value.get("net_m3_per_mu"), f"{where}.net_m3_per_mu"),
        name=str(value.get("name", "")),
    )


def sample_district(value: Any, where: str) -> SampleDistrict:
    """One district of the file, checked field by field."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: an object is required")
    district_class = value.get("class")
    if district_class not in DISTRICT_CLASSES:
        raise ValueError(f"{where}.class: one of {', '.join(DISTRICT_CLASSES)} is required")
    size_group = value.get("size_group")
    if district_class == "medium" and size_group not in MEDIUM_SIZE_GROUPS:
        raise ValueError(
            f"{where}.size_group: one of {', '.join(MEDIUM_SIZE_GROUPS)} is required for a medium district"
        )
    fields = value.get("fields")
    if not isinstance(fields, list) or not fields:
        raise ValueError(f"{where}.fields: a list of at least one typical field is required")
    return SampleDistrict(
        name=text(value.get("name"), f"{where}.name"),
        district_class=district_class,
        gross_m3=number(value.get("gross_m3"), f"{where}.gross_m3", positive=True),
        irrigated_area_mu=volumes(value.get("irrigated_area_mu"), f"{where}.irrigated_area_mu"),
        fields=tuple(typical_field(item, f"{where}.fields[{index}]") for index, item in enumerate(fields)),
        size_group=size_group if district_class == "medium" else None,
    )


def samples_from_mapping(
    document: Any,
) -> tuple[list[SampleDistrict], dict[str, float] | None, dict[str, float] | None]:
    """The districts and weights of a SAMPLES document; errors name the field (``districts[2].gross_m3``)."""
    if not isinstance(document, dict):
        raise ValueError("the file must hold one JSON object")
    districts = document.get("districts")
    if not isinstance(districts, list) or not districts:
        raise ValueError("districts: a list of at least one sample district is required")
    parsed = [sample_district(item, f"districts[{index}]") for index, item in enumerate(districts)]
    class_gross = document.get("class_gross_m3")
    group_gross = document.get("medium_group_gross_m3")
    return (
        parsed,
        None if class_gross is None else volumes(class_gross, "class_gross_m3", DISTRICT_CLASSES),
        None if group_gross is None else volumes(group_gross, "medium_group_gross_m3", MEDIUM_SIZE_GROUPS),
    )


def result_as_mapping(result: RegionResult, year: Any = None) -> dict[str, Any]:
    """The JSON shape printed by ``--json`` (see SAMPLES_FORMAT)."""
    return {
        "year": year,
        "county": {
            "coefficient": result.coefficient,
            "weights_m3": {c.district_class: c.weight_m3 for c in result.classes},
            "weights_from_samples": list(result.weights_from_samples),
        },
        "classes": [
            {
                "class": c.district_class,
                "coefficient": c.coefficient,
                "samples": c.samples,
                "method": c.method,
                "weight_m3": c.weight_m3,
                "group_coefficients": c.group_coefficients,
                "group_weights_m3": c.group_weights_m3,
            }
            for c in result.classes
        ],
        "districts": [
            {
                "name": d.name,
                "class": d.district_class,
                "size_group": d.size_group,
                "net_m3": d.net_m3,
                "gross_m3": d.gross_m3,
                "coefficient": d.coefficient,
                "net_m3_per_mu_by_crop": d.net_m3_per_mu_by_crop,
            }
            for d in result.districts
        ],
    }


def load_samples(path: Path) -> tuple[RegionResult, Mapping[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    districts, class_gross, group_gross = samples_from_mapping(document)
    return region_coefficient(districts, class_gross, group_gross), document


def run_coefficient(arguments: argparse.Namespace) -> int:
    result, document = load_samples(arguments.samples)
    if arguments.json:
        print(json.dumps(result_as_mapping(result, document.get("year")), ensure_ascii=False, indent=2))
        return 0
    for district in result.districts:
        print(f"{district.name} ({district.district_class}): η = {district.coefficient:.4f}")
    for group in result.classes:
        print(
            f"class {group.district_class}: η = {group.coefficient:.4f} ({group.method}; weight {group.weight_m3:,.0f} m³)"
        )
    print(f"county: η = {result.coefficient:.4f}")
    if result.weights_from_samples:
        print(f"weighted by the samples' own gross water: {', '.join(result.weights_from_samples)}")
    return 0
