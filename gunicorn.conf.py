"""Gunicorn's settings for Civic, read from the working directory (`make serve`, the systemd unit in docs/deploy.md).

Each can be changed from the environment: CIVIC_BIND (address:port, default
127.0.0.1:8000, behind the reverse proxy), WEB_CONCURRENCY (worker processes,
default 4), CIVIC_WEB_THREADS (threads per worker, default 2) and
CIVIC_ACCESS_LOG ("-" for standard output, or a file; off by default, as the
reverse proxy keeps the access log).
"""

import os

wsgi_app = "civic.wsgi:application"
bind = [os.environ.get("CIVIC_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("CIVIC_WEB_THREADS", "2"))
# A page that runs an analysis within the request may take a while; a worker stuck longer is restarted.
timeout = 120
graceful_timeout = 30
# An idle connection is kept open longer than a person pauses between pages: closed after 2 s (gunicorn's
# default), a browser's next request can meet a connection the server is just closing. Behind nginx, which
# opens a new connection to gunicorn for each request, it makes no difference.
keepalive = 20
# Workers are replaced now and then, so memory taken by a large import or analysis is given back.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("CIVIC_ACCESS_LOG") or None
errorlog = "-"
# No control socket: its default path is one per system user, which a second Civic (a restore test, say) would share.
control_socket_disable = True
