"""`manage.py check_demo_database`: exit 0 when the database is empty or the demo's, 1 otherwise (for `make clean`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civic.demo import county as demo


class Command(BaseCommand):
    help = (
        "Tell whether the database is empty or was loaded by load_demo (it holds the demo's mark): "
        "exit status 0 if so, 1 if it holds records of its own, which make clean and load_demo --reset never delete."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo.holds_other_records():
            raise CommandError("The database holds records that load_demo did not load: it is not the demo's.")
        self.stdout.write("The database is empty or the demo's.")
