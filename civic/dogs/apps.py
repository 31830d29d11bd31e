from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DogsConfig(AppConfig):
    name = "civic.dogs"
    label = "dogs"
    verbose_name = _("Dog management")

    def ready(self) -> None:
        from civic.dogs import notify  # noqa: F401  (registers the daily check of deadlines to correct)
