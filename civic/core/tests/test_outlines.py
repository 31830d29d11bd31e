"""District outlines decoded from the npm package's ECharts map scripts."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import shape

from civic.core.outlines import OutlineNotFoundError, decode_ring, district_outline


def test_it_decodes_a_ring_of_zigzag_differences_from_its_offsets():
    # "F" is 70: 70 − 64 = 6, zigzag 6 → +3; "C" is 67: 3 → −2. "B" is 66: 2 → +1 (twice).
    # From the offsets (1024, 2048): (1027, 2046) then (1028, 2047), in 1/1024 degree; the ring is closed.
    ring = decode_ring("FCBB", [1024, 2048])
    assert ring == [[1027 / 1024, 2046 / 1024], [1028 / 1024, 2047 / 1024], [1027 / 1024, 2046 / 1024]]


def test_wujin_district_lies_where_it_is_and_is_about_its_size():
    outline = shape(district_outline("江苏", "常州市", "武进区")).buffer(0)
    west, south, east, north = outline.bounds
    # Wujin lies south of Changzhou's centre (31.8 °N, 119.97 °E), between Lake Ge and Lake Tai.
    assert 119.6 < west < east < 120.3 and 31.3 < south < north < 31.9
    # Area on a local equirectangular scale: about 1,090 km² (the district's published ~1,066 km²).
    latitude = math.radians((south + north) / 2)
    area_km2 = outline.area * 111.32 * math.cos(latitude) * 110.57
    assert 1_000 < area_km2 < 1_150


def test_an_unknown_district_is_said_by_name():
    with pytest.raises(OutlineNotFoundError, match="天涯区"):
        district_outline("江苏", "常州市", "天涯区")
