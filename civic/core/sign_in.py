"""What a sign-in writes: the time of it on the account, and no row of the account's history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone


def record_last_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Note the sign-in's time in `last_login` with an UPDATE, which sends no save signal to simple_history."""
    user.last_login = timezone.now()
    get_user_model()._default_manager.filter(pk=user.pk).update(last_login=user.last_login)
