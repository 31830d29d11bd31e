"""SMS backends: how a text message leaves Civic, chosen by the setting CIVIC_SMS_BACKEND (a dotted path).

A backend is a class whose `send(message)` hands one message to a gateway and
returns, or raises `SmsError` with the reason the gateway gave (the delivery is
then marked failed with that reason and tried again later). Civic ships three:

- `FileSmsBackend` writes each message to its own file under CIVIC_SMS_FILE_PATH
  (the demo's outbox, var/outbox/sms);
- `MemorySmsBackend` keeps messages in `outbox` (the tests);
- `NoSmsGateway` refuses every message: the production default until a county
  sets its gateway (see docs/deploy.md, "SMS gateway").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway did not take the message; the text says why."""


@dataclass(frozen=True)
class SmsMessage:
    reference: str  # Civic's own name for the message, unique: e.g. "delivery-42"
    phone: str
    text: str


class SmsBackend:
    """The interface of an SMS gateway: send one message or raise SmsError."""

    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class NoSmsGateway(SmsBackend):
    def send(self, message: SmsMessage) -> None:
        raise SmsError("No SMS gateway is set: set CIVIC_SMS_BACKEND to the county's gateway backend.")


class MemorySmsBackend(SmsBackend):
    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


class FileSmsBackend(SmsBackend):
    """One UTF-8 file per message, named by its reference: the phone on the first line, then the text."""

    def __init__(self) -> None:
        self.directory = Path(settings.CIVIC_SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{message.reference}.txt"
            temporary = path.with_suffix(".tmp")
            temporary.write_text(f"To: {message.phone}\n\n{message.text}\n", encoding="utf-8")
            temporary.replace(path)
        except OSError as error:
            raise SmsError(f"Could not write {message.reference} to {self.directory}: {error}") from error


def sms_backend() -> SmsBackend:
    backend_class = import_string(settings.CIVIC_SMS_BACKEND)
    backend = backend_class()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"CIVIC_SMS_BACKEND {settings.CIVIC_SMS_BACKEND} is not an SmsBackend")
    return backend
