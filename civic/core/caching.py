"""Figures kept a while in Django's cache, so that many visitors at once do not each work them out.

In production the cache is the database cache (settings.CIVIC_CACHE), shared by
all of the server's web processes: every process shows the same figures, and they
are worked out once per period on the server rather than once in each process.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache


def kept_for_a_while(name: str, figures: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The figures, worked out at most once every CIVIC_DASHBOARD_CACHE_SECONDS on the server.

    The dashboard's county totals count every water user, plan, bill and
    tagged dog, and a metering run's charts hold every DMA's nights: with many
    people signed in, working them out for every visit costs more than the
    rest of the page. Kept for a minute (the production default), a total is
    at most a minute old; 0 (the demo's and the tests' default) works them out
    each time. `name` names the figures; they are kept per day.
    """
    seconds = settings.CIVIC_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return figures()
    key = f"kept:{name}:{datetime.date.today().isoformat()}"
    kept = cache.get(key)
    if kept is None:
        kept = figures()
        cache.set(key, kept, seconds)
    return kept
