"""`manage.py backup` and `manage.py restore` round-trip a county: its records, readings store and uploads.

The reduced demo county of test_load_demo.py (72 water users, 150 dogs, with
the dogs' photos as uploads) and a small readings store are backed up,
emptied and restored; the restored county has the same rows in every table,
the same digest of every record and the same files, byte for byte. On
PostgreSQL (DATABASE_URL) the same runs through pg_dump and pg_restore.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from civic.core import backup
from civic.demo import county as demo
from civic.demo.testing import FAST_HASHERS, REDUCED, REDUCED_USER_COUNT, record_digest
from hydro.readings.store import import_file

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

READINGS_CSV = "meter_id,timestamp,volume_m3\nC-001,2024-03-01 00:00,0.12\nC-001,2024-03-01 01:00,0.10\n"


def file_digests(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): backup.file_sha256(path) for path in backup.files_under(root)}


def installation(media: Path, store: Path) -> dict[str, object]:
    return {
        "counts": backup.table_counts(),
        "digest": record_digest(),
        "media": file_digests(media),
        "readings": file_digests(store),
    }


def read_manifest(archive: Path) -> backup.Manifest:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return backup.Manifest.from_json(member.read())


@pytest.fixture(scope="module")
def round_trip(django_db_setup, django_db_blocker, tmp_path_factory):
    """The county before the backup, the refusal to restore over it, the manifest, and the county restored."""
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: PostgreSQL backups cannot be made here")
    folder = tmp_path_factory.mktemp("backup")
    media, store, archive = folder / "media", folder / "readings", folder / "civic.tar.gz"
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media, CIVIC_READINGS_STORE=store),
    ):
        call_command("load_demo", "--reset", *REDUCED, "--quiet")
        (folder / "march.csv").write_text(READINGS_CSV)
        import_file(store, folder / "march.csv")
        before = installation(media, store)
        output = StringIO()
        call_command("backup", "--output", str(archive), "--user", "bureau", stdout=output)
        with pytest.raises(CommandError) as over_records:
            call_command("restore", str(archive))
        demo.reset_demo_tables()
        shutil.rmtree(media)
        shutil.rmtree(store)
        call_command("restore", str(archive), stdout=StringIO())
        yield {
            "before": before,
            "after": installation(media, store),
            "refusal": str(over_records.value),
            "manifest": read_manifest(archive),
            "output": output.getvalue(),
            "archive": archive,
        }
        demo.reset_demo_tables()


def test_the_restored_county_has_the_same_rows_in_every_table(round_trip):
    assert round_trip["after"]["counts"] == round_trip["before"]["counts"]
    assert round_trip["after"]["counts"]["water_wateruser"] == REDUCED_USER_COUNT


def test_the_restored_county_has_the_same_digest_of_every_record(round_trip):
    assert round_trip["after"]["digest"] == round_trip["before"]["digest"]


def test_the_readings_store_and_the_uploads_come_back_byte_for_byte(round_trip):
    before, after = round_trip["before"], round_trip["after"]
    assert after["readings"] == before["readings"] and len(after["readings"]) == 2  # one month's batch and its record
    assert after["media"] == before["media"] and after["media"]  # the dogs' photos


def test_the_manifest_lists_rows_per_table_and_the_checksum_of_every_member(round_trip):
    manifest = round_trip["manifest"]
    assert manifest.counts == round_trip["before"]["counts"]
    assert manifest.made_by == "bureau"
    readings = {f"readings/{name}": digest for name, digest in round_trip["before"]["readings"].items()}
    assert readings.items() <= manifest.members.items()
    database = backup.POSTGRESQL_MEMBER if connection.vendor == "postgresql" else backup.SQLITE_MEMBER
    assert database in manifest.members
    assert str(round_trip["archive"]) in round_trip["output"]


def test_it_refuses_to_restore_over_an_installation_that_holds_records(round_trip):
    assert "not empty" in round_trip["refusal"]


def test_it_refuses_a_damaged_archive_before_touching_anything(tmp_path):
    """A member changed after the backup no longer has the manifest's checksum."""
    manifest = {"format": 1, "created_at": "", "made_by": "", "engine": "sqlite", "counts": {}}
    manifest["members"] = {"media/a.txt": hashlib.sha256(b"as backed up").hexdigest()}
    archive = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        backup.add_bytes(tar, b"changed since", "media/a.txt")
        backup.add_bytes(tar, json.dumps(manifest).encode(), "manifest.json")
    with (
        override_settings(MEDIA_ROOT=tmp_path / "media"),
        pytest.raises(CommandError, match=r"media/a\.txt: its SHA-256 differs"),
    ):
        call_command("restore", str(archive))
    assert not (tmp_path / "media").exists()


def test_it_refuses_an_archive_with_a_member_the_manifest_does_not_list(tmp_path):
    manifest = {"format": 1, "created_at": "", "made_by": "", "engine": "sqlite", "counts": {}, "members": {}}
    archive = tmp_path / "extra.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        backup.add_bytes(tar, b"slipped in", "media/b.txt")
        backup.add_bytes(tar, json.dumps(manifest).encode(), "manifest.json")
    with pytest.raises(CommandError, match="unlisted"):
        call_command("restore", str(archive))


def test_the_backup_command_refuses_a_maker_who_is_no_bureau_account(tmp_path):
    with pytest.raises(CommandError, match="nobody is not a bureau account"):
        call_command("backup", "--output", str(tmp_path / "x.tar.gz"), "--user", "nobody", stdout=io.StringIO())
    assert not (tmp_path / "x.tar.gz").exists()
