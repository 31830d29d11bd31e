from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaterConfig(AppConfig):
    name = "civic.water"
    label = "water"
    verbose_name = _("Water saving")

    def ready(self) -> None:
        from civic.water import notify  # noqa: F401  (registers the daily check of overdue bills)
