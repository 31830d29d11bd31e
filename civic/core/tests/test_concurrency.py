"""Clinics and inspectors saving at the same moment: no error and no number given twice.

Fifty registrations and fifty case openings are sent at once, each by its own
thread over HTTP, to a live server on 127.0.0.1 (Django's threaded server: one
thread per request, one database connection each; its queue of waiting
connections is made as long as a production server's, which Django's
development server keeps at 10). Before numbers came from counters, two clinics
registering at once got a 500 ("database is locked") on SQLite, and case
openings at once were given the same number ("highest + 1") and failed on the
unique number. The suite runs this on SQLite and, with DATABASE_URL set, on
PostgreSQL.
"""

from __future__ import annotations

import datetime
import http.client
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection, transaction
from django.test import Client
from django.test.testcases import LiveServerThread
from django.urls import reverse
from django.utils import timezone

from civic.core.models import User
from civic.dogs.models import Licence, Tag, ViolationCase
from civic.dogs.testing import DogsCast, make_dogs_cast
from civic.testing import make_cast, sign_in
from civic.water.actions import compute_bills
from civic.water.models import SurchargeBill
from civic.water.testing import MARCH, issue_plan, read

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AT_ONCE = 50
CSRF_SECRET = "ConcurrencyTestCsrfSecret0123456"  # 32 letters and digits: a well-formed CSRF secret
TODAY = timezone.localdate()


def resident_id(sequence: int) -> str:
    """A resident ID number with a correct GB 11643-1999 check character: born 1980-01-01 in Wujin (320412)."""
    body = f"32041219800101{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def session_cookie(user: User) -> str:
    client = Client()
    sign_in(client, user)
    return (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; csrftoken={CSRF_SECRET}"
    )


def post_all_at_once(server_url: str, path: str, cookie: str, forms: list[dict[str, str]]) -> list[tuple[int, str]]:
    """POST each form from its own thread, all released together; (status, Location) of each answer."""
    address = urllib.parse.urlsplit(server_url)
    start = threading.Barrier(len(forms))

    def post(form: dict[str, str]) -> tuple[int, str]:
        connection = http.client.HTTPConnection(str(address.hostname), address.port, timeout=120)
        body = urllib.parse.urlencode(form)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "X-CSRFToken": CSRF_SECRET,
            "Referer": server_url,
        }
        start.wait()
        try:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("Location", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(post, forms))


def registration_form(dogs: DogsCast, sequence: int) -> dict[str, str]:
    """The sequence-th owner of Niutang (no key area), with one dog, its microchip and immunisation."""
    return {
        "owner_name": f"牛塘居民{sequence}",
        "resident_id": resident_id(sequence),
        "phone": f"139{sequence:08d}",
        "address": f"牛塘镇青云路{sequence + 1}号",
        "town": str(dogs.cast.niutang.pk),
        "dog_name": f"小{sequence}",
        "breed": str(dogs.breed("柯基犬").pk),
        "colour": "黄白",
        "sex": "female",
        "birth_date": "2023-06-01",
        "shoulder_height_cm": "30",
        "microchip": f"156099{sequence:09d}",
        "purpose": "pet",
        "vaccine": "狂犬病灭活疫苗",
        "batch": "2024B01",
        "vaccinated_on": (TODAY - datetime.timedelta(days=7)).isoformat(),
        "valid_until": (TODAY + datetime.timedelta(days=358)).isoformat(),
    }


def case_form(dogs: DogsCast, sequence: int) -> dict[str, str]:
    return {
        "violation_type": str(dogs.violation_type("no_leash").pk),
        "place": str(dogs.hutang_square.pk),
        "observed_on": TODAY.isoformat(),
        "description": f"未束犬链（第{sequence}起）",
    }


def failures(answers: list[tuple[int, str]], saved_at: Callable[[str], bool]) -> list[tuple[int, str]]:
    return [(status, location) for status, location in answers if status != 302 or not saved_at(location)]


class QueueingServer(ThreadedWSGIServer):
    request_queue_size = 128  # connections waiting to be accepted (gunicorn's default backlog is 2048)


class QueueingServerThread(LiveServerThread):
    server_class = QueueingServer


@pytest.fixture
def server_url(transactional_db) -> Iterator[str]:
    thread = QueueingServerThread("127.0.0.1", StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def dogs(transactional_db) -> DogsCast:
    return make_dogs_cast(make_cast())


def test_fifty_clinics_register_at_once_without_an_error_or_a_shared_number(server_url, dogs):
    forms = [registration_form(dogs, sequence) for sequence in range(AT_ONCE)]
    cookie = session_cookie(dogs.cast.clinic_staff)

    answers = post_all_at_once(server_url, reverse("dogs:register_dog"), cookie, forms)

    licence_page = reverse("dogs:licence_detail", args=["DL"]).removesuffix("DL/")
    assert failures(answers, lambda location: location.startswith(licence_page)) == []
    numbers = set(
        Licence.objects.filter(dog__owner__resident_id__startswith="32041219800101").values_list("number", flat=True)
    )
    assert len(numbers) == AT_ONCE
    assert {location.removeprefix(licence_page).strip("/") for _, location in answers} == numbers
    assert Tag.objects.filter(licence__number__in=numbers).values("number").distinct().count() == AT_ONCE


def test_fifty_inspectors_open_cases_at_once_without_an_error_or_a_shared_number(server_url, dogs):
    forms = [case_form(dogs, sequence) for sequence in range(AT_ONCE)]
    cookie = session_cookie(dogs.cast.inspector)

    answers = post_all_at_once(server_url, reverse("dogs:case_create"), cookie, forms)

    case_page = reverse("dogs:case_detail", args=["VC"]).removesuffix("VC/")
    assert failures(answers, lambda location: location.startswith(case_page)) == []
    numbers = set(ViolationCase.objects.values_list("number", flat=True))
    # Numbers run VC<year>0001 to VC<year>0050: none skipped, none twice.
    assert numbers == {f"VC{TODAY.year}{sequence:04d}" for sequence in range(1, AT_ONCE + 1)}


def another_session_waits_for_a_lock() -> bool:
    """Whether another PostgreSQL session is waiting for a lock (SQLite's waits cannot be seen: never)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def test_two_runs_of_one_billing_period_at_once_leave_one_bill_per_user(transactional_db):
    """The second run starts while the first has billed and not committed, and must wait for it.

    Runhua is 300 m³ over its 1,000 m³ March plan: one bill, JS202403-0001, however many runs there are.
    Without the wait, the second run numbered its bill JS202403-0001 too and failed on the unique number
    once the first committed (PostgreSQL).
    """
    cast = make_cast()
    issue_plan(cast.runhua, 1000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    first_billed = threading.Event()

    def first_run() -> int:
        try:
            with transaction.atomic():
                billed = compute_bills(*MARCH).billed
                first_billed.set()
                # Hold the transaction open until the second run is seen waiting (up to 30 s). On SQLite the
                # second run's BEGIN IMMEDIATE waits unseen, within the 20 s busy timeout: no holding there.
                for _ in range(300 if connection.vendor == "postgresql" else 0):
                    if another_session_waits_for_a_lock():
                        break
                    threading.Event().wait(0.1)
            return billed
        finally:
            connection.close()

    def second_run() -> int:
        first_billed.wait()
        try:
            return compute_bills(*MARCH).billed
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(first_run), pool.submit(second_run)]
        billed = [run.result() for run in runs]

    assert billed == [1, 1]
    assert list(SurchargeBill.objects.values_list("number", flat=True)) == ["JS202403-0001"]
