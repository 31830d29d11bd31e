"""`manage.py import_readings`: its help, its progress bar, its report of a bad file and its exit status."""

import io

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.utils import translation

from civic.water.models import MeterReading, ReadingImportBatch

HEADER = "表号,抄表日期,表底数,用水量,备注\r\n"


def write_file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\r\n" for row in rows), encoding="utf-8")
    return path


def test_its_help_says_what_it_does_and_how_to_use_it():
    parser = load_command_class("civic.water", "import_readings").create_parser("manage.py", "import_readings")
    text = " ".join(parser.format_help().split())
    assert "a file with any bad row is refused whole with a report" in text
    assert "FILE [FILE ...]" in text and "--user" in text and "--chunk-rows" in text


def test_it_stores_a_good_file_with_a_progress_bar(tmp_path, cast, capsys):
    # M-RH-01 reads 1,200 m³ at the end of January and 1,450 m³ at the end of February.
    path = write_file(tmp_path, "2024-01.csv", ["M-RH-01,2024-01-31,1200,,", "M-RH-01,2024-02-29,1450,,"])
    call_command("import_readings", str(path), "--user", "wangfang")
    captured = capsys.readouterr()
    assert "2024-01.csv: 2 readings stored (2024-01-31 – 2024-02-29)." in captured.out
    assert "2/2" in captured.err  # the bar of readings written, on stderr
    assert list(MeterReading.objects.values_list("volume_m3", flat=True)) == [1200.0, 250.0]
    assert ReadingImportBatch.objects.get().imported_by == cast.bureau_staff


def test_it_prints_each_bad_row_stores_nothing_and_fails(tmp_path, cast, capsys):
    rows = [
        "M-RH-01,2024-01-31,1200,,",  # row 2: good
        "M-NOPE,2024-01-31,10,,",  # row 3: no such meter
        "M-RH-01,2024-02-29,1100,,",  # row 4: the index goes back from 1,200 to 1,100 m³
        "M-XL-01,2024-01-31,abc,,",  # row 5: not a number
    ]
    path = write_file(tmp_path, "2024-01-bad.csv", rows)
    with translation.override("en"), pytest.raises(CommandError) as refusal:
        call_command("import_readings", str(path), "--by", "wangfang")
    output = capsys.readouterr().out
    assert str(refusal.value) == "1 of 1 files rejected, nothing of them stored: 2024-01-bad.csv"
    assert refusal.value.returncode == 1  # manage.py exits with it
    assert "2024-01-bad.csv: rejected, nothing stored; 3 bad rows:" in output
    assert "row 3, 表号 / meter_serial, 'M-NOPE': No meter with serial M-NOPE is registered." in output
    assert "row 4, 表底数 / index_m3, '1100': The index went back from 1,200 m³ to 1,100 m³." in output
    assert "row 5, 表底数 / index_m3, 'abc': abc is not a number." in output
    assert MeterReading.objects.count() == 0
    assert ReadingImportBatch.objects.get().status == "rejected"


def test_it_says_a_file_imported_before_stores_nothing_new(tmp_path, cast):
    path = write_file(tmp_path, "2024-01.csv", ["M-RH-01,2024-01-31,1200,,"])
    call_command("import_readings", str(path), "--by", "wangfang", stdout=io.StringIO())
    again = io.StringIO()
    call_command("import_readings", str(path), "--by", "wangfang", stdout=again)
    batch = ReadingImportBatch.objects.get()
    assert f"2024-01.csv: imported before as batch {batch.pk}; nothing new stored." in again.getvalue()
    assert MeterReading.objects.count() == 1
