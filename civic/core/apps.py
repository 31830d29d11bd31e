from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civic.core"
    label = "core"
    verbose_name = _("Platform")
