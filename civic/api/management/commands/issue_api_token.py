"""Make an API token for an organisation and print it once; only its SHA-256 is kept."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.api import actions
from civic.api.models import ApiOrganisation, Scope
from civic.core.command_author import bureau_account_or_none
from civic.water.models import WaterUser


class Command(BaseCommand):
    help = (
        "Make an API token for an organisation (made if new) with the given scopes, and print it once. "
        f"Scopes: {', '.join(Scope.values)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", help="The organisation's name.")
        parser.add_argument("--name", required=True, help="Which system uses the token, e.g. 'meter head-end'.")
        parser.add_argument(
            "--scope", dest="scopes", action="append", choices=Scope.values, required=True, help="Repeat for each."
        )
        parser.add_argument("--water-user", help="User number of the water user an enterprise's token reads.")
        parser.add_argument("--calls-per-minute", type=int, default=120, help="Default %(default)s.")
        parser.add_argument("--user", dest="username", help="Bureau account recorded as the token's maker.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = self._organisation(options["organisation"], options.get("water_user"))
        try:
            token, secret = actions.issue_token(
                organisation,
                options["name"],
                options["scopes"],
                created_by=bureau_account_or_none(options.get("username")),
                calls_per_minute=options["calls_per_minute"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(f"Token {token.pk} for {organisation} ({', '.join(token.scopes)}), shown this once:")
        self.stdout.write(secret)

    def _organisation(self, name: str, water_user_code: str | None) -> ApiOrganisation:
        organisation, _created = ApiOrganisation.objects.get_or_create(name=name)
        if water_user_code:
            water_user = WaterUser.objects.filter(code=water_user_code).first()
            if water_user is None:
                raise CommandError(f"No water user has the number {water_user_code}.")
            if organisation.water_user_id not in (None, water_user.pk):
                raise CommandError(f"{organisation} is bound to another water user, {organisation.water_user}.")
            organisation.water_user = water_user
            organisation.save(update_fields=["water_user"])
        return organisation
