"""Organisations whose systems call Civic's API, their tokens and scopes, the calls made, and pushed batches.

A token is shown once, when it is made; only its SHA-256 is kept, so a copy
of the database gives nobody a working token. A token has scopes (what it
may call), a rate (calls per minute) and may be revoked at any time; every
call is logged with its token, path, status and time.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "civic_"
SHOWN_PREFIX_CHARACTERS = 12


class Scope(models.TextChoices):
    READINGS_WRITE = "readings:write", _("Push meter readings")
    ENTERPRISE_READ = "enterprise:read", _("Read its own water user's plans, bills and use")
    REGISTER_READ = "register:read", _("Read the register of water users and their plans")
    PUBLIC = "public", _("Check dog tags, as the public check does")


class ApiOrganisation(models.Model):
    """A body whose systems call the API: the water utility, an enterprise, another office of the bureau."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    water_user = models.ForeignKey(
        "water.WaterUser",
        verbose_name=_("water user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_organisations",
        help_text=_("For an enterprise's system: the one water user whose records its tokens read."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API organisation")
        verbose_name_plural = _("API organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def new_secret() -> str:
    """A fresh token: the prefix and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def secret_digest(secret: str) -> str:
    """What is stored of a token: its SHA-256 (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(secret.encode("utf-8", errors="replace")).hexdigest()


class ApiToken(models.Model):
    """A bearer token of one organisation, with the scopes it may use and its allowance of calls per minute."""

    organisation = models.ForeignKey(
        ApiOrganisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it, e.g. “meter head-end”."))
    prefix = models.CharField(_("token begins with"), max_length=SHOWN_PREFIX_CHARACTERS, editable=False)
    secret_sha256 = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    calls_per_minute = models.PositiveIntegerField(_("calls per minute"), default=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def set_secret(self, secret: str) -> None:
        self.prefix = secret[:SHOWN_PREFIX_CHARACTERS]
        self.secret_sha256 = secret_digest(secret)

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def clean(self) -> None:
        unknown = [scope for scope in self.scopes if scope not in Scope.values]
        if unknown:
            raise ValidationError({"scopes": _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}})
        if Scope.ENTERPRISE_READ in self.scopes and self.organisation.water_user_id is None:
            raise ValidationError(
                {"scopes": _("Only an organisation bound to a water user may have the enterprise:read scope.")}
            )


class ApiCall(models.Model):
    """One call of the API: who (the token, when one was recognised), what, how it ended and when."""

    token = models.ForeignKey(
        ApiToken, verbose_name=_("token"), null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    called_at = models.DateTimeField(_("called at"), default=timezone.now, db_index=True)
    duration_ms = models.FloatField(_("duration (ms)"))

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-called_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class PushedReadingsBatch(models.Model):
    """A batch of readings pushed by an organisation under its batch key, and the import that took it in.

    The key makes a push safe to repeat: the same key with the same readings
    answers as the first time and stores nothing new; the same key with other
    readings is refused. A refused batch stores no reading, so its key may be
    pushed again once the readings are put right.
    """

    organisation = models.ForeignKey(
        ApiOrganisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="pushed_batches"
    )
    batch_key = models.CharField(_("batch key"), max_length=100)
    content_sha256 = models.CharField(_("SHA-256 of the readings"), max_length=64)
    import_batch = models.ForeignKey(
        "water.ReadingImportBatch", verbose_name=_("import"), on_delete=models.PROTECT, related_name="+"
    )
    pushed_at = models.DateTimeField(_("pushed at"), default=timezone.now)

    class Meta:
        verbose_name = _("pushed readings batch")
        verbose_name_plural = _("pushed readings batches")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "batch_key"], name="api_batch_key_once_per_organisation")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.batch_key}"
