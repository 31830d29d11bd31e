"""One archive of a county's installation: the database, the readings store and the uploaded files.

Layout of an archive (a gzip-compressed tar file)::

    database/civic.sqlite3   the SQLite database, copied with SQLite's online backup API
    database/civic.dump      or a PostgreSQL database, as `pg_dump --format=custom` writes it
    readings/…               the readings store (settings.CIVIC_READINGS_STORE)
    media/…                  uploaded files (settings.MEDIA_ROOT)
    manifest.json            what is in it: rows per table, SHA-256 of every other member

The archive is written to a temporary name and renamed into place when
complete, so a backup cut short leaves no archive that looks whole. A restore
checks every member's checksum before it touches anything, goes only into an
empty installation, and compares the rows per table with the manifest after.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hydro.readings.store import IMPORT_LOCK_NAME

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_MEMBER = "database/civic.sqlite3"
POSTGRESQL_MEMBER = "database/civic.dump"
READINGS = "readings"
MEDIA = "media"
BLOCK_BYTES = 1024 * 1024
TABLES_OF_AN_EMPTY_INSTALLATION = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "django_session",
    "civic_cache",
    "core_ratecount",
}
"""Tables that hold rows once the schema is made, or only passing ones (the cache, rate counts) before anyone
uses the installation."""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    made_by: str
    engine: str
    counts: dict[str, int]
    members: dict[str, str]

    def to_json(self) -> bytes:
        body = {"format": FORMAT, **self.__dict__}
        return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, content: bytes) -> Manifest:
        body = json.loads(content)
        if body.get("format") != FORMAT:
            raise BackupError(f"The archive's manifest is of format {body.get('format')!r}, not {FORMAT}.")
        return cls(body["created_at"], body["made_by"], body["engine"], body["counts"], body["members"])


def readings_store() -> Path:
    return Path(settings.CIVIC_READINGS_STORE)


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def table_counts() -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


# --- backup ------------------------------------------------------------------


def write_backup(archive: Path, made_by: str = "") -> Manifest:
    """Write the installation's archive to `archive` (made whole or not at all) and return its manifest."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(f".{archive.name}.partial")
    with tempfile.TemporaryDirectory() as work:
        database, member, counts = dump_database(Path(work))
        members: dict[str, str] = {}
        with tarfile.open(partial, "w:gz") as tar:
            members[member] = add_file(tar, database, member)
            for root, prefix in ((readings_store(), READINGS), (media_root(), MEDIA)):
                for path in files_under(root):
                    name = f"{prefix}/{path.relative_to(root).as_posix()}"
                    members[name] = add_file(tar, path, name)
            manifest = Manifest(timezone.now().isoformat(), made_by, engine(), counts, members)
            add_bytes(tar, manifest.to_json(), MANIFEST)
    os.replace(partial, archive)
    return manifest


def dump_database(folder: Path) -> tuple[Path, str, dict[str, int]]:
    """A consistent copy of the database in `folder`, the archive member it becomes, and its rows per table."""
    if engine() == "postgresql":
        return dump_postgresql(folder / "civic.dump")
    target = folder / "civic.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent state while others may write (sqlite.org/backup.html).
        connection.connection.backup(copy)
        tables = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in sorted(tables)}
    finally:
        copy.close()
    return target, SQLITE_MEMBER, {table: count for table, count in counts.items() if not table.startswith("sqlite_")}


def dump_postgresql(target: Path) -> tuple[Path, str, dict[str, int]]:
    """pg_dump of the database; the rows are counted in the very snapshot pg_dump copies, when one can be shared."""
    if connection.in_atomic_block:
        run_postgresql_tool("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}")
        return target, POSTGRESQL_MEMBER, table_counts()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = table_counts()
        run_postgresql_tool(
            "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={target}"
        )
    return target, POSTGRESQL_MEMBER, counts


def files_under(root: Path) -> Iterator[Path]:
    """Every regular file under `root` (none if it does not exist), in a stable order; not the readings store's
    import lock, which holds nothing."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != IMPORT_LOCK_NAME:
            yield path


def add_file(tar: tarfile.TarFile, path: Path, name: str) -> str:
    """Add a file to the archive under `name`; its SHA-256."""
    info = tar.gettarinfo(str(path), arcname=name)
    with path.open("rb") as handle:
        tar.addfile(info, handle)
    return file_sha256(path)


def add_bytes(tar: tarfile.TarFile, content: bytes, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(content))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


# --- restore -----------------------------------------------------------------


def restore_backup(archive: Path) -> Manifest:
    """Bring an archive back into this empty installation, and check what came back against its manifest."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        manifest = unpack_checked(archive, folder)
        refuse_unless_empty()
        if manifest.engine != engine():
            raise BackupError(f"The archive holds a {manifest.engine} database; this installation uses {engine()}.")
        load_database(folder, manifest)
        for prefix, root in ((READINGS, readings_store()), (MEDIA, media_root())):
            if (folder / prefix).is_dir():
                shutil.copytree(folder / prefix, root, dirs_exist_ok=True)
    check_counts(manifest)
    return manifest


def unpack_checked(archive: Path, folder: Path) -> Manifest:
    """Unpack the archive into `folder`; refuse it unless every member is listed and has its checksum."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(folder, filter="data")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive} cannot be read as a backup archive: {error}") from None
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{archive} has no {MANIFEST}.")
    manifest = Manifest.from_json(manifest_path.read_bytes())
    found = {path.relative_to(folder).as_posix() for path in files_under(folder)} - {MANIFEST}
    if found != set(manifest.members):
        unlisted, missing = sorted(found - set(manifest.members)), sorted(set(manifest.members) - found)
        raise BackupError(f"The archive does not match its manifest: unlisted {unlisted}, missing {missing}.")
    for name, expected in sorted(manifest.members.items()):
        if file_sha256(folder / name) != expected:
            raise BackupError(f"{name}: its SHA-256 differs from the manifest's; the archive is damaged.")
    return manifest


def refuse_unless_empty() -> None:
    """A restore goes only into an installation with no records, readings or uploads of its own."""
    with_rows = [
        table for table, count in table_counts().items() if count and table not in TABLES_OF_AN_EMPTY_INSTALLATION
    ]
    if with_rows:
        shown = ", ".join(with_rows[:5]) + (" …" if len(with_rows) > 5 else "")
        raise BackupError(f"This installation is not empty ({len(with_rows)} tables hold rows: {shown}).")
    for root in (readings_store(), media_root()):
        if any(files_under(root)):
            raise BackupError(f"This installation is not empty: {root} holds files.")


def load_database(folder: Path, manifest: Manifest) -> None:
    if manifest.engine == "postgresql":
        connection.close()
        run_postgresql_tool(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", str(folder / POSTGRESQL_MEMBER)
        )
        return
    source = sqlite3.connect(folder / SQLITE_MEMBER)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def check_counts(manifest: Manifest) -> None:
    counts = table_counts()
    differing = {
        table: (expected, counts.get(table))
        for table, expected in manifest.counts.items()
        if counts.get(table) != expected
    }
    if differing:
        raise BackupError(f"Rows per table differ from the manifest's (expected, found): {differing}")


# --- PostgreSQL tools --------------------------------------------------------


def run_postgresql_tool(tool: str, *arguments: str) -> None:
    """Run pg_dump or pg_restore on the configured database; a failure is a BackupError with the tool's words."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed; install the PostgreSQL client tools of the server's version.")
    database = settings.DATABASES["default"]
    command = [tool, f"--dbname={database['NAME']}", *arguments]
    for option, value in (
        ("--host", database.get("HOST")),
        ("--port", database.get("PORT")),
        ("--username", database.get("USER")),
    ):
        if value:
            command.append(f"{option}={value}")
    environment = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    outcome = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if outcome.returncode != 0:
        raise BackupError(f"{tool} failed: {outcome.stderr.strip()}")


def default_archive_name(folder: Path, now: datetime.datetime | None = None) -> Path:
    moment = timezone.localtime(now or timezone.now())
    return folder / f"civic-{moment:%Y%m%d-%H%M%S}.tar.gz"


def manifest_summary(manifest: Manifest) -> dict[str, Any]:
    return {
        "tables": len(manifest.counts),
        "rows": sum(manifest.counts.values()),
        "files": sum(1 for name in manifest.members if not name.startswith("database/")),
    }
