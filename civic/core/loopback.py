"""Plain HTTP on the machine itself only: with CIVIC_PLAIN_HTTP_ON_LOOPBACK, requests from elsewhere are refused.

`make serve` runs Civic in production mode over plain HTTP on 127.0.0.1. The
server listens on the loopback address only; this middleware makes sure of it
for every request, so the plain-HTTP setting cannot serve the network even
when the server is started on another address by mistake.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden


def is_loopback(address: str) -> bool:
    """Whether the client's address is this machine's (127.0.0.0/8 or ::1)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class LoopbackOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_loopback(request.META.get("REMOTE_ADDR", "")):
            return HttpResponseForbidden(
                "Civic serves plain HTTP on this machine only (CIVIC_PLAIN_HTTP_ON_LOOPBACK).",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
