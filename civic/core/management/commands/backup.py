"""Write one archive of the installation: database, readings store and uploaded files, with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.core import backup
from civic.core.models import User


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) of the database (SQLite's online backup, or pg_dump), the readings store and "
        "the uploaded files, with a manifest of rows per table and the SHA-256 of every file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="Archive to write (default var/backups/civic-YYYYMMDD-HHMMSS.tar.gz).",
        )
        parser.add_argument("--user", dest="username", help="Bureau account recorded in the manifest as its maker.")

    def handle(self, *args: Any, **options: Any) -> None:
        made_by = self._maker(options.get("username"))
        archive = options.get("output") or backup.default_archive_name(Path(settings.BASE_DIR) / "var" / "backups")
        try:
            manifest = backup.write_backup(archive, made_by=made_by)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        summary = backup.manifest_summary(manifest)
        self.stdout.write(
            f"{archive}: {summary['rows']} rows in {summary['tables']} tables, {summary['files']} files "
            f"({manifest.engine})."
        )

    def _maker(self, username: str | None) -> str:
        if not username:
            return ""
        maker = User.objects.filter(username=username).first()
        if maker is None or not maker.is_bureau:
            raise CommandError(f"{username} is not a bureau account.")
        return username
