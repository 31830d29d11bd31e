"""Builders the demo tests share: the reduced county's flags and a digest of every record it loads."""

from __future__ import annotations

import hashlib
import json

from django.db import models

from civic.demo import county as demo

REDUCED_USER_COUNT = 72


REDUCED_DOG_COUNT = 150


REDUCED = ("--users", str(REDUCED_USER_COUNT), "--dogs", str(REDUCED_DOG_COUNT))


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def record_digest() -> str:
    """SHA-256 of every record of the demo's tables, leaving out times of day and password hashes.

    Times (issued at, created at) are stamped when the load runs and the
    password's salt is random; everything else must come out the same, on
    SQLite and PostgreSQL alike.
    """
    digest = hashlib.sha256()
    for model in demo.demo_models():
        if model._meta.auto_created or model.__name__.startswith("Historical"):
            continue
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if not isinstance(field, models.DateTimeField) and field.name != "password"
        ]
        digest.update(model._meta.label.encode())
        for row in model._default_manager.order_by("pk").values_list(*names):
            digest.update(repr([canonical(value) for value in row]).encode())
    return digest.hexdigest()


def canonical(value: object) -> object:
    """JSON values with their keys sorted: PostgreSQL's jsonb keeps keys in its own order."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
