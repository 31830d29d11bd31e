"""The irrigation water efficiency coefficient by the head–tail method, on a county worked by hand.

The formulas are those of the national technical guideline for measuring the
coefficient ([MWR-IRR-2015] §4.3, §4.5, §5.1–§5.5; docs/sources.md). The
county below is small enough to work on paper:

- large L1: rice 20,000 mu, fields 400 and 420 m³/mu (mean 410) → net 8,200,000 m³,
  gross 16,000,000 → η = 0.5125; L2: rice 10,000 mu at mean(380, 400) = 390 and wheat
  5,000 mu at 100 → net 4,400,000, gross 8,000,000 → η = 0.55. Large class, weighted
  by gross: 12,600,000 / 24,000,000 = 0.525.
- medium, 10k–50k mu: M1 2,500 mu × 480 / 2,000,000 = 0.60, M2 1,300 × 500 / 1,000,000
  = 0.65, mean 0.625; 50k–150k mu: M3 7,000 × 400 / 5,000,000 = 0.56. Groups weighted
  by their gross water 6,000,000 and 4,000,000: (0.625·6 + 0.56·4) / 10 = 0.599.
- small: S1 300 × 400 / 200,000 = 0.60, S2 140 × 500 / 100,000 = 0.70, mean 0.65.
- pumped-well: W1 100 × 420 / 50,000 = 0.84.
- county, classes weighted by their gross water 24, 10, 5 and 1 million m³:
  (0.525·24 + 0.599·10 + 0.65·5 + 0.84·1) / 40 = 22.68 / 40 = 0.567.
"""

from __future__ import annotations

import json

import pytest

from hydro.cli import main
from hydro.irrigation import SampleDistrict, TypicalField, district_coefficient, region_coefficient
from hydro.irrigation.cli import samples_from_mapping

COUNTY = {
    "year": 2025,
    "class_gross_m3": {"large": 24_000_000, "medium": 10_000_000, "small": 5_000_000, "well": 1_000_000},
    "medium_group_gross_m3": {"10k-50k": 6_000_000, "50k-150k": 4_000_000},
    "districts": [
        {
            "name": "L1",
            "class": "large",
            "gross_m3": 16_000_000,
            "irrigated_area_mu": {"rice": 20_000},
            "fields": [{"crop": "rice", "net_m3_per_mu": 400}, {"crop": "rice", "net_m3_per_mu": 420}],
        },
        {
            "name": "L2",
            "class": "large",
            "gross_m3": 8_000_000,
            "irrigated_area_mu": {"rice": 10_000, "wheat": 5_000},
            "fields": [
                {"crop": "rice", "net_m3_per_mu": 380},
                {"crop": "rice", "net_m3_per_mu": 400},
                {"crop": "wheat", "net_m3_per_mu": 100},
            ],
        },
        {
            "name": "M1",
            "class": "medium",
            "size_group": "10k-50k",
            "gross_m3": 2_000_000,
            "irrigated_area_mu": {"rice": 2_500},
            "fields": [{"crop": "rice", "net_m3_per_mu": 480}],
        },
        {
            "name": "M2",
            "class": "medium",
            "size_group": "10k-50k",
            "gross_m3": 1_000_000,
            "irrigated_area_mu": {"rice": 1_300},
            "fields": [{"crop": "rice", "net_m3_per_mu": 500}],
        },
        {
            "name": "M3",
            "class": "medium",
            "size_group": "50k-150k",
            "gross_m3": 5_000_000,
            "irrigated_area_mu": {"rice": 7_000},
            "fields": [{"crop": "rice", "net_m3_per_mu": 400}],
        },
        {
            "name": "S1",
            "class": "small",
            "gross_m3": 200_000,
            "irrigated_area_mu": {"vegetables": 300},
            "fields": [{"crop": "vegetables", "net_m3_per_mu": 400}],
        },
        {
            "name": "S2",
            "class": "small",
            "gross_m3": 100_000,
            "irrigated_area_mu": {"rice": 140},
            "fields": [{"crop": "rice", "net_m3_per_mu": 500}],
        },
        {
            "name": "W1",
            "class": "well",
            "gross_m3": 50_000,
            "irrigated_area_mu": {"vegetables": 100},
            "fields": [{"crop": "vegetables", "net_m3_per_mu": 420}],
        },
    ],
}


def county_result():
    return region_coefficient(*samples_from_mapping(COUNTY))


def test_it_works_each_sample_districts_coefficient_from_its_typical_fields():
    coefficients = {d.name: d.coefficient for d in county_result().districts}
    assert coefficients == pytest.approx(
        {"L1": 0.5125, "L2": 0.55, "M1": 0.60, "M2": 0.65, "M3": 0.56, "S1": 0.60, "S2": 0.70, "W1": 0.84}
    )


def test_it_combines_each_class_as_the_guideline_prescribes():
    classes = {c.district_class: c for c in county_result().classes}
    assert classes["large"].coefficient == pytest.approx(0.525)
    assert classes["medium"].group_coefficients == pytest.approx({"10k-50k": 0.625, "50k-150k": 0.56})
    assert classes["medium"].coefficient == pytest.approx(0.599)
    assert classes["small"].coefficient == pytest.approx(0.65)
    assert classes["well"].coefficient == pytest.approx(0.84)


def test_it_weights_the_classes_by_their_gross_water_into_the_county_coefficient():
    result = county_result()
    assert result.coefficient == pytest.approx(0.567)
    assert result.weights_from_samples == ()


def test_it_weights_by_the_samples_gross_water_when_the_class_totals_are_missing_and_says_so():
    districts, _, _ = samples_from_mapping(COUNTY)
    result = region_coefficient(districts)
    # large 24,000,000 (L1 + L2), medium 8,000,000 (groups by samples: 3,000,000 and 5,000,000,
    # so medium = (0.625·3 + 0.56·5) / 8 = 0.584375), small 300,000, well 50,000.
    medium = next(c for c in result.classes if c.district_class == "medium")
    assert medium.coefficient == pytest.approx(0.584375)
    expected = (0.525 * 24e6 + 0.584375 * 8e6 + 0.65 * 3e5 + 0.84 * 5e4) / (24e6 + 8e6 + 3e5 + 5e4)
    assert result.coefficient == pytest.approx(expected)
    assert result.weights_from_samples == ("large", "medium", "small", "well")


def test_a_crop_without_a_typical_field_is_refused_by_name():
    district = SampleDistrict(
        name="M9",
        district_class="small",
        gross_m3=1000,
        irrigated_area_mu={"rice": 1, "tea": 2},
        fields=(TypicalField(crop="rice", net_m3_per_mu=300),),
    )
    with pytest.raises(ValueError, match=r"M9.*tea"):
        district_coefficient(district)


def write(tmp_path, document):
    path = tmp_path / "samples.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_command_prints_the_contracts_json(tmp_path, capsys):
    assert main(["irrigation", "coefficient", str(write(tmp_path, COUNTY)), "--json"]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["year"] == 2025
    assert output["county"]["coefficient"] == pytest.approx(0.567)
    assert output["county"]["weights_m3"] == {"large": 24e6, "medium": 10e6, "small": 5e6, "well": 1e6}
    assert {c["class"]: c["coefficient"] for c in output["classes"]} == pytest.approx(
        {"large": 0.525, "medium": 0.599, "small": 0.65, "well": 0.84}
    )
    assert [d["name"] for d in output["districts"]] == ["L1", "L2", "M1", "M2", "M3", "S1", "S2", "W1"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc["districts"][1].update(gross_m3=-5), "districts[1].gross_m3"),
        (lambda doc: doc["districts"][2].pop("size_group"), "districts[2].size_group"),
        (
            lambda doc: doc["districts"][0]["fields"][1].update(net_m3_per_mu="x"),
            "districts[0].fields[1].net_m3_per_mu",
        ),
        (lambda doc: doc["class_gross_m3"].update(huge=1), "class_gross_m3: unknown key"),
        (lambda doc: doc["districts"][5].update({"class": "tiny"}), "districts[5].class"),
    ],
)
def test_the_command_names_the_bad_field_and_exits_non_zero(tmp_path, capsys, change, message):
    document = json.loads(json.dumps(COUNTY))
    change(document)
    assert main(["irrigation", "coefficient", str(write(tmp_path, document))]) == 2
    assert message in capsys.readouterr().err
