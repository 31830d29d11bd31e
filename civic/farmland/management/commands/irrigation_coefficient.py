"""`manage.py irrigation_coefficient [--year YEAR]`: a year's irrigation water efficiency coefficient."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.farmland.actions import coefficient_for
from civic.farmland.models import IrrigationYear


class Command(BaseCommand):
    help = (
        "Print a year's irrigation water efficiency coefficient from its sample districts (the latest year by "
        "default): each district, each class and the county, by the head-tail method."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="the year (default: the latest with samples)")

    def handle(self, *args: Any, **options: Any) -> None:
        years = IrrigationYear.objects.order_by("-year")
        year = years.filter(year=options["year"]).first() if options["year"] else years.first()
        if year is None:
            raise CommandError(f"no irrigation year {options['year'] or ''} entered".replace("  ", " "))
        try:
            result = coefficient_for(year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if result is None:
            raise CommandError(f"{year.year} has no sample district")
        for district in result.districts:
            self.stdout.write(f"{district.name} ({district.district_class}): {district.coefficient:.4f}")
        for group in result.classes:
            self.stdout.write(
                f"class {group.district_class}: {group.coefficient:.4f} (weight {group.weight_m3:,.0f} m³)"
            )
        self.stdout.write(f"county {year.year}: {result.coefficient:.4f}")
