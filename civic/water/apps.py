from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaterConfig(AppConfig):
    name = "civic.water"
    label = "water"
    verbose_name = _("Water saving")
