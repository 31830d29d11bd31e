"""Which notices a signed-in user may see: their own, and nobody else's (not even the administrator's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from civic.notices.models import Notice


def visible_notices(user: Any) -> QuerySet[Notice]:
    if not user.is_authenticated:
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user)


def unread_count(user: Any) -> int:
    return visible_notices(user).filter(read_at=None).count()
