"""Bring a backup archive back into an empty installation, checking its checksums and its rows per table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.core import backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into an empty installation (migrated, with no records, "
        "readings or uploads): every file's SHA-256 is checked first, the rows per table after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, metavar="ARCHIVE", help="The .tar.gz written by manage.py backup.")

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        try:
            manifest = backup.restore_backup(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        summary = backup.manifest_summary(manifest)
        made = f"made {manifest.created_at}" + (f" by {manifest.made_by}" if manifest.made_by else "")
        self.stdout.write(
            self.style.SUCCESS(
                f"{archive} ({made}) restored: {summary['rows']} rows in {summary['tables']} tables and "
                f"{summary['files']} files, all as the manifest lists them."
            )
        )
