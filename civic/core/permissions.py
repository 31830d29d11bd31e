"""Who may open what: role checks for views, and the records each user may see.

Every view is wrapped in `role_required`; every queryset a view shows passes
through a `visible_*` function, so an enterprise reporter only ever sees
its own water user's records.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from civic.core.models import Role, User

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., HttpResponseBase])

BUREAU = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)
# The water-saving office's staff: the water register, plans, the programme and evaluation.
WATER_OFFICE = BUREAU
WATER_READERS = (*BUREAU, Role.ENTERPRISE_REPORTER)


def user_has_role(user: Any, roles: tuple[str, ...]) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.role in roles)


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that `role_required` has let through (never an anonymous visitor)."""
    return cast(User, request.user)


def role_required(*roles: str) -> Callable[[ViewFunction], ViewFunction]:
    """Let signed-in users with one of `roles` through; send others to log in or refuse them (403)."""

    def decorate(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(ViewFunction, guarded)

    return decorate
