from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CountyConfig(AppConfig):
    name = "civic.county"
    label = "county"
    verbose_name = _("County")
