"""What error reports may show: never a password, including the one inside DATABASE_URL."""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter


class CivicExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding settings and environment values named like a URL that may hold credentials.

    Under `runserver` the request's META carries the process environment, DATABASE_URL
    (postgres://civic:password@host/name) with it; Django's own filter hides only
    names with KEY, SECRET, PASS, TOKEN and the like.
    """

    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE|_URL$", flags=re.I)
