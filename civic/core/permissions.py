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
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse

from civic.core.models import Role, User

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., HttpResponseBase])

# The water-saving office's staff, with the county administrator: the water register, plans, the programme
# and evaluation.
WATER_OFFICE = (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)
BUREAU = WATER_OFFICE  # the older name of the water-saving office's roles
# The dog-management office's staff, with the county administrator: the whole dog register and enforcement.
DOG_OFFICE = (Role.BUREAU_ADMIN, Role.DOG_OFFICE_STAFF)
WATER_READERS = (*WATER_OFFICE, Role.ENTERPRISE_REPORTER)
# Every role that opens pages once signed in (everyone but a new account with no role).
WORKING_ROLES = tuple(role for role in Role.values if role != Role.NONE)


def user_has_role(user: Any, roles: tuple[str, ...]) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.role in roles)


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that `role_required` has let through (never an anonymous visitor)."""
    return cast(User, request.user)


def no_role_page(request: HttpRequest) -> HttpResponse:
    """What a signed-in user with no role sees on every page: that they have none, and whom to ask."""
    return TemplateResponse(request, "core/no_role.html", status=403).render()


def role_required(*roles: str) -> Callable[[ViewFunction], ViewFunction]:
    """Let signed-in users with one of `roles` through; send others to log in or refuse them (403)."""

    def decorate(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request.user, "has_no_role", False):
                return no_role_page(request)
            if not user_has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(ViewFunction, guarded)

    return decorate
