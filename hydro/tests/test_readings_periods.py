"""Periods and zone files, the inputs of every readings analysis."""

import datetime

import pytest

from hydro.readings.periods import Period, read_zones


def test_a_period_is_a_month_or_a_span_of_days_or_months():
    assert Period.parse("2024-03") == Period(datetime.datetime(2024, 3, 1), datetime.datetime(2024, 4, 1))
    assert Period.parse("2024-02-28..2024-03-01") == Period(
        datetime.datetime(2024, 2, 28), datetime.datetime(2024, 3, 2)
    )
    assert Period.parse("2024-12..2025-01").months() == ["2024-12", "2025-01"]
    with pytest.raises(ValueError, match="is not a period"):
        Period.parse("March")


def test_a_zone_file_with_an_unknown_role_names_its_row(tmp_path):
    (tmp_path / "zones.csv").write_text("meter_id,dma_id,role\nHX-IN,HX,inflow\nC-1,HX,consumer\n")
    with pytest.raises(ValueError, match=r"zones\.csv: row 3, column role: 'consumer' is not one of"):
        read_zones(tmp_path / "zones.csv")


def test_a_zone_file_from_excel_in_gbk_with_chinese_headings_and_roles_is_read(tmp_path):
    text = "表号,分区,角色\n0017-IN,东区,进水\n0017-OUT,东区,出水\n000123,东区,用户\n"
    (tmp_path / "分区.csv").write_bytes(text.encode("gbk"))
    zones = read_zones(tmp_path / "分区.csv")
    assert zones.values.tolist() == [
        ["0017-IN", "东区", "inflow"],
        ["0017-OUT", "东区", "outflow"],
        ["000123", "东区", "customer"],
    ]
