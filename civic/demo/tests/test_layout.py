"""The demo county's places inside Wujin District's real outline."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from civic.demo.layout import WUJIN_SEATS, area_m2, area_within, inside, strips, town_cells, wujin_outline


@pytest.fixture(scope="module")
def cells():
    return town_cells(wujin_outline(), WUJIN_SEATS)


def test_the_towns_tile_the_district_without_overlapping(cells):
    outline = wujin_outline()
    assert set(cells) == set(WUJIN_SEATS)
    total = sum(area_m2(cell) for cell in cells.values())
    # Each cell is inside the outline; together they cover it but for slivers the cuts leave.
    assert all(outline.buffer(1e-9).covers(cell) for cell in cells.values())
    assert 0.98 * area_m2(outline) < total <= area_m2(outline) * (1 + 1e-6)


def test_each_town_holds_its_own_seat_or_the_nearest_point_inside_the_district(cells):
    outline = wujin_outline()
    for name, seat in WUJIN_SEATS.items():
        assert cells[name].buffer(1e-9).covers(inside(Point(*seat), outline)), name


def test_a_key_area_has_the_area_asked_within_its_town(cells):
    # The seed's 114.27 km² of key areas, split 60 / 35 / 19.27 km² in the demo.
    for name, target_km2 in (("湖塘镇", 60.0), ("南夏墅街道", 35.0), ("西湖街道", 19.27)):
        part = area_within(cells[name], target_km2 * 1e6)
        assert area_m2(part) / 1e6 == pytest.approx(target_km2, rel=1e-3)
        assert cells[name].buffer(1e-9).covers(part)


def test_an_area_larger_than_its_town_is_refused(cells):
    with pytest.raises(ValueError, match="less than"):
        area_within(cells["潞城街道"], 500e6)


def test_strips_split_a_cell_into_parts_of_its_width():
    square = box(120.0, 31.0, 120.3, 31.1)
    parts = strips(square, 3)
    assert [round(part.bounds[0], 6) for part in parts] == [120.0, 120.1, 120.2]
    assert sum(part.area for part in parts) == pytest.approx(square.area)


def test_a_degree_square_at_the_equator_has_the_textbook_area():
    # One degree of arc on the mean sphere is 111.195 km: a 1° × 1° square at the equator is about 12,364 km²,
    # the equirectangular figure at its mean latitude of 0.5° (cos 0.5° = 0.99996).
    assert area_m2(box(0.0, 0.0, 1.0, 1.0)) / 1e6 == pytest.approx(12_364, rel=1e-3)
