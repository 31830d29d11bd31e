from typing import Any

from django.core.management.base import BaseCommand

from civic.evaluation.defaults import load_carrier_defaults, load_mwr_2017_profile


class Command(BaseCommand):
    help = (
        "Load the evaluation's default rules: carrier sectors and thresholds, the closure tolerance and the "
        "MWR 2017 county standard as a scorecard profile. Rows already there are kept as they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        added = load_carrier_defaults()
        profile = load_mwr_2017_profile()
        self.stdout.write(
            f"{added} carrier thresholds added; profile “{profile.name}” with {profile.indicators.count()} indicators."
        )
