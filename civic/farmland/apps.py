from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FarmlandConfig(AppConfig):
    name = "civic.farmland"
    label = "farmland"
    verbose_name = _("Farmland water saving")
