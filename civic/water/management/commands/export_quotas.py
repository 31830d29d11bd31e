"""Write the quota table (用水定额) to an Excel workbook in the layout `import_quotas` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.water import quotas
from civic.water.models import WaterQuota


class Command(BaseCommand):
    help = "Export the quota table to an .xlsx workbook in the layout import_quotas reads, to edit and import again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, metavar="FILE", help="The workbook to write (.xlsx); replaced if it exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        table = WaterQuota.objects.select_related("industry")
        try:
            path.write_bytes(quotas.write_quota_workbook(table))
        except OSError as error:
            raise CommandError(f"{path}: cannot be written ({error.strerror}).") from error
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {table.count()} quotas written."))
