from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civic.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        from civic.core.sign_in import record_last_login

        # Django saves the user on every sign-in to note last_login, and each save is a row of the user's
        # history; a sign-in is not a change to the account, so last_login is written without a save.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_last_login, dispatch_uid="civic_record_last_login")
