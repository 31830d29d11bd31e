"""The address of the client a request came from, behind as many trusted reverse proxies as the server is told.

Behind nginx, REMOTE_ADDR is nginx's own address (127.0.0.1) for every client.
Each proxy appends the address it was reached from to X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`), so behind CIVIC_TRUSTED_PROXIES proxies the
client's address is that many entries from the header's end: the entries before
it were written by the client itself and prove nothing. Without trusted proxies
(the default) the header is ignored, since any client can send one. Sign-in
throttling (django-axes, AXES_CLIENT_IP_CALLABLE) and the public dog-tag check's
limit per address both use this address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind trusted proxies the entry they appended to X-Forwarded-For.

    A request with fewer entries than trusted proxies, or whose entry is not an
    IP address, came by another way than the proxies: its REMOTE_ADDR is taken.
    None when the request carries no address at all (a sign-in made in code,
    as `force_login` does): django-axes then records none, where a made-up
    word would be refused by PostgreSQL's inet column.
    """
    direct = request.META.get("REMOTE_ADDR") or None
    proxies = settings.CIVIC_TRUSTED_PROXIES
    if proxies <= 0:
        return direct
    forwarded = [entry.strip() for entry in request.META.get(FORWARDED_FOR, "").split(",") if entry.strip()]
    if len(forwarded) < proxies:
        return direct
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return direct
