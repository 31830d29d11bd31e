"""The count of unread notices, for the navigation bar of every page."""

from __future__ import annotations

from django.http import HttpRequest

from civic.notices.access import unread_count


def unread_notices(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "has_no_role", False):
        return {}
    return {"unread_notice_count": unread_count(user)}
