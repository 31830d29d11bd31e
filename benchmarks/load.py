"""Load on the production stack: signed-in users against the heaviest pages and a trivial one, in one run.

    make serve                       # in one terminal: gunicorn with its workers, the job worker
    python -m benchmarks.load        # in another: 50 users for 60 s against http://127.0.0.1:8000

Each simulated user signs in with a demo account (its own session), then, until
the time is up, opens a page chosen at random (a seeded generator per user) and
waits a moment before the next, as a person reading a page does (1–2 s,
uniformly; `--think 0` for no wait). The pages:

* dashboard — the county dashboard (the bureau's figures, for the county
  administrator also the dog figures);
* register — the register of water users, first page;
* metering — the smart-metering page (DMAs, balances, night flow);
* water user — a water user's page and then its chart's data (`use.json`, the
  URL the page names), timed together: what a person waits for to see the chart;
* trivial — the public dog-tag check form: no query of the records, the same
  middleware, session and page frame as the others.

Every user opens every page with the same odds, so the trivial page is timed
under the same load as the heavy ones. A request that is not answered 200 (a
redirect to sign in, a 500, a timeout) counts as an error. The report gives
each page's requests, errors, median, 95th percentile (nearest rank) and
maximum, and each heavy page's p95 over the trivial page's.

The client is asyncio with httpx, in one process: no think-time scheduler, web
UI or gevent monkey-patching is needed for a fixed, scripted walk, and the
timings are taken around each request with `time.perf_counter`. The client
shares the machine with the server, so the machine's load is printed with the
figures.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

DEFAULT_BASE = "http://127.0.0.1:8000"
DEMO_PASSWORD = "demo12345"  # every demo account's (civic/core/demo_accounts.py)
HEAVY_PAGES = ("dashboard", "register", "metering", "water user")
TRIVIAL_PAGE = "trivial"
PAGES = (*HEAVY_PAGES, TRIVIAL_PAGE)
PAGE_PATHS = {
    "dashboard": "/",
    "register": "/water/users/",
    "metering": "/water/metering/",
    TRIVIAL_PAGE: "/dogs/check/",
}
WATER_USER_LINK = re.compile(r'href="/water/users/([A-Z]{2}\d+)/"')
CHART_URL = re.compile(r'id="use-chart"[^>]*data-url="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT_S = 60.0


@dataclass
class Timings:
    """Per page: each visit's seconds, and the errors (status or exception) met."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class PageError(Exception):
    """A page not answered 200."""


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    form = await client.get("/login/")
    token = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or token is None:
        raise PageError(f"sign-in form: {form.status_code}")
    answer = await client.post(
        "/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{client.base_url}/login/"},
    )
    if answer.status_code != 302 or "/login/" in answer.headers.get("location", ""):
        raise PageError(f"sign-in as {username} refused: {answer.status_code}")


async def fetch(client: httpx.AsyncClient, path: str) -> httpx.Response:
    response = await client.get(path)
    if response.status_code != 200:
        raise PageError(f"{path}: {response.status_code}")
    return response


async def visit(client: httpx.AsyncClient, page: str, codes: Sequence[str], rng: random.Random) -> None:
    """Open one page as a browser would (for a water user, the page and then its chart's data)."""
    if page != "water user":
        await fetch(client, PAGE_PATHS[page])
        return
    detail = await fetch(client, f"/water/users/{rng.choice(codes)}/")
    chart = CHART_URL.search(detail.text)
    if chart is None:
        raise PageError("the water user's page names no chart data")
    await fetch(client, chart.group(1).replace("&amp;", "&"))


async def water_user_codes(base: str, username: str) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        await sign_in(client, username)
        codes = sorted(set(WATER_USER_LINK.findall((await fetch(client, PAGE_PATHS["register"])).text)))
    if not codes:
        raise SystemExit("The register lists no water users: load the demo county first (make serve does).")
    return codes


@dataclass
class Start:
    """The users' common start: each reports ready once warmed up; the timed run begins when all are."""

    users: int
    ready: int = 0
    go: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = math.inf

    async def wait(self, duration_s: float) -> None:
        self.ready += 1
        if self.ready == self.users:
            self.deadline = time.perf_counter() + duration_s
            self.go.set()
        await self.go.wait()


async def user(
    number: int,
    base: str,
    username: str,
    codes: Sequence[str],
    think: tuple[float, float],
    start: Start,
    duration_s: float,
    timings: Timings,
) -> None:
    """One signed-in person: sign in and open every page once (not timed), then visit pages until the deadline."""
    rng = random.Random(number)
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        await sign_in(client, username)
        for page in PAGES:
            await visit(client, page, codes, rng)
        await start.wait(duration_s)
        while time.perf_counter() < start.deadline:
            page = rng.choice(PAGES)
            began = time.perf_counter()
            try:
                await visit(client, page, codes, rng)
            except (PageError, httpx.HTTPError) as error:
                timings.errors[page].append(f"{type(error).__name__}: {error}")
            else:
                timings.seconds[page].append(time.perf_counter() - began)
            await asyncio.sleep(rng.uniform(*think))


async def run(base: str, users: int, duration_s: float, username: str, think: tuple[float, float]) -> Timings:
    """Every user signs in and warms up; the timed `duration_s` starts when the last is ready."""
    codes = await water_user_codes(base, username)
    timings = Timings()
    start = Start(users)
    await asyncio.gather(
        *(user(number, base, username, codes, think, start, duration_s, timings) for number in range(users))
    )
    return timings


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def report(timings: Timings, users: int, duration_s: float, load_before: float, load_after: float) -> str:
    lines = [
        f"{users} signed-in users for {duration_s:.0f} s; machine: {os.cpu_count()} CPU cores, "
        f"load average {load_before:.1f} before and {load_after:.1f} after (1 min)",
        "",
        "| page | requests | errors | median [ms] | p95 [ms] | max [ms] | p95 ÷ trivial p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    trivial = timings.seconds.get(TRIVIAL_PAGE) or [math.nan]
    trivial_p95 = nearest_rank(trivial, 0.95)
    for page in PAGES:
        seconds = timings.seconds.get(page) or [math.nan]
        p95 = nearest_rank(seconds, 0.95)
        ratio = "—" if page == TRIVIAL_PAGE else f"{p95 / trivial_p95:.1f}×"
        lines.append(
            f"| {page} | {len(timings.seconds.get(page, []))} | {len(timings.errors.get(page, []))} | "
            f"{nearest_rank(seconds, 0.5) * 1000:.0f} | {p95 * 1000:.0f} | {max(seconds) * 1000:.0f} | {ratio} |"
        )
    total = sum(len(values) for values in timings.seconds.values())
    errors = sum(len(values) for values in timings.errors.values())
    worst = max(nearest_rank(timings.seconds.get(page) or [math.nan], 0.95) for page in HEAVY_PAGES)
    lines += [
        "",
        f"{total} visits answered ({total / duration_s:.1f} a second), {errors} errors; "
        f"heaviest p95 ÷ trivial p95 = {worst / trivial_p95:.1f}×",
    ]
    for page, messages in timings.errors.items():
        lines.append(f"errors on {page}: {sorted(set(messages))[:5]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"the server (default {DEFAULT_BASE})")
    parser.add_argument("--users", type=int, default=50, help="signed-in users (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds timed (default 60)")
    parser.add_argument("--account", default="admin", help="the demo account every user signs in with")
    parser.add_argument("--think", default="1-2", help="seconds between pages, as MIN-MAX (default 1-2)")
    arguments = parser.parse_args(argv)
    low, _, high = arguments.think.partition("-")
    think = (float(low), float(high or low))
    load_before = os.getloadavg()[0]
    timings = asyncio.run(run(arguments.base, arguments.users, arguments.duration, arguments.account, think))
    print(report(timings, arguments.users, arguments.duration, load_before, os.getloadavg()[0]))
    return 1 if any(timings.errors.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
