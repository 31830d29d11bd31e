"""The API's URLs (under /api/), each call logged with its token, path, status and time."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

from civic.api import actions
from civic.api.views import api

View = Callable[..., HttpResponse]


def logged(view: View) -> View:
    """The view, with each call recorded once it has been answered."""

    @functools.wraps(view)
    def logged_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.perf_counter()
        response = view(request, *args, **kwargs)
        duration_ms = (time.perf_counter() - started) * 1000
        token = getattr(request, "api_token", None)
        actions.log_call(token, request.method or "", request.path, response.status_code, duration_ms)
        return response

    return logged_view


def logged_patterns(patterns: list[Any]) -> list[URLPattern]:
    return [URLPattern(p.pattern, logged(p.callback), p.default_args, p.name) for p in patterns]


app_name = "api"
urlpatterns = logged_patterns(api.urls[0])
