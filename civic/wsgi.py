"""WSGI entry point for serving Civic."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
application = get_wsgi_application()
# Load every page's code (the URL map imports each app's views, and they the analyses) as the server process
# starts, not during its first request: a process that has just started answers as fast as the others.
get_resolver().url_patterns  # noqa: B018
