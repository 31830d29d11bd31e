"""Plain HTTP on the machine itself only: with CIVIC_PLAIN_HTTP_ON_LOOPBACK, requests from elsewhere are refused.

`make serve` runs Civic in production mode over plain HTTP on 127.0.0.1. The
server listens on the loopback address only; this middleware makes sure of it
for every request, and refuses requests relayed by a proxy, so the plain-HTTP
setting cannot serve the network even when the server is started on another
address, or put behind a proxy, by mistake.
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


# A request relayed by a proxy (which may well run on this machine) comes from the proxy's loopback address:
# these headers show it was relayed, from wherever the proxy took it.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class LoopbackOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_loopback(request.META.get("REMOTE_ADDR", "")) or any(
            header in request.META for header in PROXY_HEADERS
        ):
            return HttpResponseForbidden(
                "Civic serves plain HTTP to this machine only, behind no proxy (CIVIC_PLAIN_HTTP_ON_LOOPBACK).",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
