"""What the dog pages share: paging, PDF responses, photos, the acting service point and form errors."""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from civic.dogs.models import (
    Dog,
)

PAGE_SIZE = 50
PDF = "application/pdf"


def today() -> datetime.date:
    return timezone.localdate()


def page_of(request: HttpRequest, records: Any) -> Any:
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def pdf_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    return response


def photo_data_uri(dog: Dog, thumbnail: bool = False) -> str:
    """The dog's photo (or its thumbnail) inlined in the page, so no page needs a media server.

    Public pages take the thumbnail: a small JPEG written afresh, without the
    upload's metadata (`civic.dogs.photos`).
    """
    image = dog.photo_thumbnail if thumbnail else dog.photo
    if not image:
        return ""
    try:
        with image.open("rb") as photo:
            content = photo.read()
    except OSError:
        return ""
    kind = "png" if content[:4] == b"\x89PNG" else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(content).decode()}"


def add_errors(form: Any, error: ValidationError) -> None:
    """Put an action's errors on the form fields they name, the rest at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
