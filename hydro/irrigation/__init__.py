"""The farmland irrigation water efficiency coefficient (农田灌溉水有效利用系数) by the head–tail method.

The coefficient is the share of the water taken for irrigation that reaches
the fields and can be used by the crops. The national technical guideline
measures it by the head–tail method (首尾测算分析法): in sample irrigation
districts the net irrigation water at the fields is worked out from typical
fields, and divided by the gross water taken at the district's head; the
samples are then combined class by class and the classes into the region's
coefficient, weighted by gross irrigation water.

Volumes are in m³, areas in mu (亩, 1 mu = 666.7 m²), as the guideline and the
county's returns give them. The command `hydro irrigation coefficient` (module
`hydro.irrigation.cli`) works the coefficient from a JSON file of samples.

Equations
---------
Net irrigation water of a sample district [1]_ §4.3, with w̄_c the mean net
irrigation water per mu of the typical fields growing crop c and A_c the
district's irrigated area of crop c:

    W_net = Σ_c w̄_c · A_c

Coefficient of a sample district [1]_ §4.5:

    η = W_net / W_gross

Class coefficients [1]_ §5.1–§5.4:

- large districts (≥ 300,000 mu): weighted by each district's gross water,
  η_large = Σ_j η_j · W_gross,j / Σ_j W_gross,j;
- medium districts (10,000–300,000 mu): the arithmetic mean within each size
  group (10,000–50,000, 50,000–150,000, 150,000–300,000 mu), the groups
  weighted by the gross water of all the region's medium districts of that
  group;
- small districts (< 10,000 mu) and pumped-well districts: the arithmetic mean
  of the samples.

The region's coefficient [1]_ §5.5, with W_k the gross irrigation water of
all the region's districts of class k (not only the samples):

    η_region = Σ_k η_k · W_k / Σ_k W_k

References
----------
.. [1] 全国农田灌溉水有效利用系数测算分析专题组,《全国农田灌溉水有效利用系数
   测算分析技术指导细则》, 2015 (Civic's sources: [MWR-IRR-2015]). The size
   groups of medium districts and the arithmetic means of small and
   pumped-well samples are as the guideline's chapter 5 is summarised in
   provincial reports; they are marked to verify against the county's edition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

DISTRICT_CLASSES = ("large", "medium", "small", "well")
MEDIUM_SIZE_GROUPS = ("10k-50k", "50k-150k", "150k-300k")
WEIGHTED_BY_DISTRICT_GROSS = "weighted by each sample's gross water"
ARITHMETIC_MEAN = "arithmetic mean of the samples"
WEIGHTED_BY_GROUP_GROSS = "size groups' arithmetic means weighted by the groups' gross water"


@dataclass(frozen=True)
class TypicalField:
    """A typical field (典型田块) of a sample district, with its measured net irrigation water.

    Attributes
    ----------
    crop : str
        The crop grown.
    net_m3_per_mu : float
        Net irrigation water over the year per mu of the field [m³/mu].
    name : str
        The field's name or code.
    """

    crop: str
    net_m3_per_mu: float
    name: str = ""


@dataclass(frozen=True)
class SampleDistrict:
    """A sample irrigation district (样点灌区) with its typical fields and irrigated areas.

    Attributes
    ----------
    name : str
        The district's name.
    district_class : str
        One of ``large``, ``medium``, ``small``, ``well``.
    gross_m3 : float
        Gross irrigation water taken at the district's head over the year [m³].
    irrigated_area_mu : Mapping[str, float]
        Irrigated area of each crop [mu].
    fields : tuple of TypicalField
        The typical fields measured.
    size_group : str or None
        For medium districts, one of `MEDIUM_SIZE_GROUPS`.
    """

    name: str
    district_class: str
    gross_m3: float
    irrigated_area_mu: Mapping[str, float]
    fields: tuple[TypicalField, ...]
    size_group: str | None = None


@dataclass(frozen=True)
class DistrictResult:
    """A sample district's net water and coefficient."""

    name: str
    district_class: str
    size_group: str | None
    net_m3: float
    gross_m3: float
    coefficient: float
    net_m3_per_mu_by_crop: dict[str, float]


@dataclass(frozen=True)
class ClassResult:
    """A class's coefficient, how it was combined, and its weight in the region."""

    district_class: str
    coefficient: float
    samples: int
    method: str
    weight_m3: float
    group_coefficients: dict[str, float] = field(default_factory=dict)
    group_weights_m3: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionResult:
    """The region's (county's) coefficient with every step that led to it."""

    coefficient: float
    districts: tuple[DistrictResult, ...]
    classes: tuple[ClassResult, ...]
    weights_from_samples: tuple[str, ...]


def mean_net_by_crop(fields: Iterable[TypicalField]) -> dict[str, float]:
    """Mean net irrigation water per mu of the typical fields of each crop [m³/mu] ([1]_ §4.2)."""
    by_crop: dict[str, list[float]] = defaultdict(list)
    for typical_field in fields:
        by_crop[typical_field.crop].append(typical_field.net_m3_per_mu)
    return {crop: fmean(values) for crop, values in by_crop.items()}


def district_net_m3(district: SampleDistrict) -> tuple[float, dict[str, float]]:
    """Net irrigation water of a sample district, W_net = Σ_c w̄_c · A_c [m³] ([1]_ §4.3).

    Raises
    ------
    ValueError
        When a crop has an irrigated area but no typical field to measure it.
    """
    net_by_crop = mean_net_by_crop(district.fields)
    unmeasured = sorted(
        crop for crop, area in district.irrigated_area_mu.items() if area > 0 and crop not in net_by_crop
    )
    if unmeasured:
        raise ValueError(f"district {district.name!r}: no typical field for crop(s) {', '.join(unmeasured)}")
    net = sum(net_by_crop[crop] * area for crop, area in district.irrigated_area_mu.items() if area > 0)
    return net, net_by_crop


def district_coefficient(district: SampleDistrict) -> DistrictResult:
    """A sample district's coefficient η = W_net / W_gross ([1]_ §4.5)."""
    if district.gross_m3 <= 0:
        raise ValueError(f"district {district.name!r}: gross_m3 must be positive")
    net, net_by_crop = district_net_m3(district)
    return DistrictResult(
        name=district.name,
        district_class=district.district_class,
        size_group=district.size_group,
        net_m3=net,
        gross_m3=district.gross_m3,
        coefficient=net / district.gross_m3,
        net_m3_per_mu_by_crop=net_by_crop,
    )


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float:
    """Σ vᵢ·wᵢ / Σ wᵢ; the weights must not all be zero."""
    total_weight = sum(weights)
    if total_weight <= 0:
        raise ValueError("the weights of a weighted mean sum to zero")
    return sum(value * weight for value, weight in zip(values, weights, strict=True)) / total_weight


def medium_class(
    samples: Sequence[DistrictResult], group_gross_m3: Mapping[str, float] | None
) -> tuple[float, dict[str, float], dict[str, float], bool]:
    """Medium districts: each size group's arithmetic mean, weighted by the group's gross water ([1]_ §5.2).

    Returns the class coefficient, the groups' coefficients, the weights used,
    and whether the weights had to come from the samples' own gross water
    (when the region's gross water by group is not given).
    """
    by_group: dict[str, list[DistrictResult]] = defaultdict(list)
    for sample in samples:
        by_group[sample.size_group or ""].append(sample)
    group_coefficients = {group: fmean(s.coefficient for s in members) for group, members in by_group.items()}
    if not group_gross_m3:
        weights = {group: sum(s.gross_m3 for s in members) for group, members in by_group.items()}
    else:
        missing = sorted(group for group in group_coefficients if group not in group_gross_m3)
        if missing:
            raise ValueError(f"medium_group_gross_m3: no gross water for size group(s) {', '.join(missing)}")
        weights = {group: float(group_gross_m3[group]) for group in group_coefficients}
    coefficient = weighted_mean(list(group_coefficients.values()), [weights[g] for g in group_coefficients])
    return coefficient, group_coefficients, weights, not group_gross_m3


def class_coefficient(
    district_class: str,
    samples: Sequence[DistrictResult],
    class_gross_m3: float | None,
    medium_group_gross_m3: Mapping[str, float] | None = None,
) -> tuple[ClassResult, bool]:
    """Combine a class's samples as [1]_ §5.1–§5.4 prescribe; returns the result and whether weights came from samples."""
    group_coefficients: dict[str, float] = {}
    group_weights: dict[str, float] = {}
    groups_from_samples = False
    if district_class == "large":
        coefficient = weighted_mean([s.coefficient for s in samples], [s.gross_m3 for s in samples])
        method = WEIGHTED_BY_DISTRICT_GROSS
    elif district_class == "medium":
        coefficient, group_coefficients, group_weights, groups_from_samples = medium_class(
            samples, medium_group_gross_m3
        )
        method = WEIGHTED_BY_GROUP_GROSS
    else:
        coefficient = fmean(s.coefficient for s in samples)
        method = ARITHMETIC_MEAN
    weight_from_samples = class_gross_m3 is None
    weight = sum(s.gross_m3 for s in samples) if class_gross_m3 is None else class_gross_m3
    result = ClassResult(
        district_class=district_class,
        coefficient=coefficient,
        samples=len(samples),
        method=method,
        weight_m3=weight,
        group_coefficients=group_coefficients,
        group_weights_m3=group_weights,
    )
    return result, weight_from_samples or groups_from_samples


def region_coefficient(
    districts: Sequence[SampleDistrict],
    class_gross_m3: Mapping[str, float] | None = None,
    medium_group_gross_m3: Mapping[str, float] | None = None,
) -> RegionResult:
    """The region's coefficient, η = Σ_k η_k·W_k / Σ_k W_k over the classes with samples ([1]_ §5.5).

    Parameters
    ----------
    districts : sequence of SampleDistrict
        The year's sample districts.
    class_gross_m3 : mapping, optional
        Gross irrigation water of ALL the region's districts of each class [m³];
        a class missing here is weighted by its samples' gross water, and the
        result says so in ``weights_from_samples``.
    medium_group_gross_m3 : mapping, optional
        Gross irrigation water of all medium districts of each size group [m³].
    """
    if not districts:
        raise ValueError("no sample district")
    results = tuple(district_coefficient(district) for district in districts)
    classes: list[ClassResult] = []
    from_samples: list[str] = []
    for district_class in DISTRICT_CLASSES:
        samples = [r for r in results if r.district_class == district_class]
        if not samples:
            continue
        given = None if class_gross_m3 is None else class_gross_m3.get(district_class)
        result, weight_from_samples = class_coefficient(district_class, samples, given, medium_group_gross_m3)
        classes.append(result)
        if weight_from_samples:
            from_samples.append(district_class)
    coefficient = weighted_mean([c.coefficient for c in classes], [c.weight_m3 for c in classes])
    return RegionResult(
        coefficient=coefficient, districts=results, classes=tuple(classes), weights_from_samples=tuple(from_samples)
    )
