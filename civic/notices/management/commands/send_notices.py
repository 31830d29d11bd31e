"""Send the notices that wait: `manage.py send_notices` (every few minutes, from cron or the task worker).

It first runs the services' daily checks (bills gone overdue, deadlines to
correct passed), which notify once per event however often it runs, then sends
the e-mail and SMS that wait, trying failed ones again up to
CIVIC_NOTICE_MAX_ATTEMPTS times. It prints one line: notices, sent, failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from civic.notices.actions import check_and_send


class Command(BaseCommand):
    help = "Notify of what became due today, then send the e-mail and SMS notices that wait."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-checks", action="store_true", help="only send; run no daily checks")
        parser.add_argument("--limit", type=int, default=None, help="send at most this many messages")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None if options["no_checks"] else timezone.localdate()
        notified, run = check_and_send(today, limit=options["limit"])
        self.stdout.write(f"notices={notified} sent={run.sent} failed={run.failed}")
