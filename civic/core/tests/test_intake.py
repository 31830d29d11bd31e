"""The one catalogue of upload errors: each code of hydro's intake and readings checks has its translated text.

hydro keeps each code's English text for the command line, civic the
translated one for pages; these tests keep the two in step, so a code added
on one side alone, or a placeholder renamed, fails here instead of showing a
raw code or a KeyError to a county's staff.
"""

import re

from django.utils import translation

from civic.core import intake as civic_intake
from civic.water import quotas, readings_reasons
from hydro import intake
from hydro.readings import meter_readings

BRACES = re.compile(r"\{(\w+)\}")
PERCENT = re.compile(r"%\((\w+)\)s")


def as_percent_format(text: str) -> str:
    return BRACES.sub(r"%(\1)s", text)


def test_every_intake_code_has_the_same_english_text_on_both_sides():
    with translation.override("en"):
        civic = {code: str(message) for code, message in civic_intake.MESSAGES.items()}
    assert civic == {code: as_percent_format(text) for code, text in intake.MESSAGES.items()}


def test_every_readings_code_is_translated_with_the_same_placeholders():
    hydro_codes = {code: set(BRACES.findall(text)) for code, text in meter_readings.REASONS.items()}
    civic_codes = {code: set(PERCENT.findall(str(text))) for code, text in readings_reasons.REASONS.items()}
    civic_only = {"conflict"}  # a clash between two imports is found by the database, not by hydro's checks
    assert {code: names for code, names in civic_codes.items() if code not in civic_only} == hydro_codes


def test_the_quota_catalogue_extends_the_intake_s():
    assert set(civic_intake.MESSAGES) <= set(quotas.MESSAGES)
    with translation.override("zh-hans"):
        assert civic_intake.describe({"code": "too_many_rows", "details": {"limit": "200,000"}}) == (
            "文件的数据超过 200,000 行；请拆分为每个不超过 200,000 行的文件。"
        )


def test_a_stored_error_of_an_unknown_code_shows_its_stored_message():
    assert (
        civic_intake.describe({"code": "retired_code", "message": "As it was worded then."}) == "As it was worded then."
    )


def test_an_error_keeps_a_nul_character_as_a_replacement_so_postgresql_can_store_it():
    # PostgreSQL's JSON refuses \u0000; a cell holding it is shown as U+FFFD in the stored report.
    from civic.core.intake import error_entry
    from hydro import intake

    error = intake.row_error(8, "volume_m3", "1\x002", "not_a_number", {})
    entry = error_entry(error)
    assert entry["value"] == "1\ufffd2"
    assert "\x00" not in entry["details"]["value"]
