"""Who runs a management command that writes: `--by USER`, required, and named in the history it writes.

A page's writes are recorded under the signed-in user by simple_history's
middleware; a command has no request, so `recorded_as` stands in for one while
the command writes. Commands that only load the demo county (`load_demo`,
`load_metering_demo`) make their own records and take no `--by`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.management.base import CommandError, CommandParser
from simple_history.models import HistoricalRecords

from civic.core.models import User


def add_by_argument(parser: CommandParser, recorded_as_what: str) -> None:
    """The required `--by USER` option (`--user` is its older spelling)."""
    parser.add_argument(
        "--by",
        "--user",
        dest="by",
        metavar="USER",
        required=True,
        help=f"User name of the person running the command: recorded as {recorded_as_what} "
        "and in the history of every record it writes (required).",
    )


def command_author(username: str, may_run: Callable[[User], bool], who_may: str) -> User:
    """The active account named by `--by`, refused unless `may_run` lets it run the command."""
    author = User.objects.filter(username=username, is_active=True).first()
    if author is None or not may_run(author):
        raise CommandError(f"--by {username}: not an active account of {who_may}.")
    return author


def bureau_account_or_none(username: str | None) -> User | None:
    """The bureau account a command names by user name, None when it names none; any other name is refused."""
    if not username:
        return None
    account = User.objects.filter(username=username).first()
    if account is None or not account.is_bureau:
        raise CommandError(f"{username} is not a bureau account.")
    return account


@dataclass(frozen=True)
class _CommandRequest:
    """What simple_history reads of a request: the user making the change."""

    user: User


@contextmanager
def recorded_as(author: User) -> Iterator[None]:
    """History rows written within the block name `author` as who made the change."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = _CommandRequest(author)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous
