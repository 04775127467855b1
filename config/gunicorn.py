"""Gunicorn settings for production: `gunicorn -c python:config.gunicorn config.wsgi`.

Every value can be overridden on the command line (`--bind`, `--workers`) or through GUNICORN_CMD_ARGS.
"""

import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each one handles one request at a time, so WEB_CONCURRENCY is the number of requests served at once
# per machine. Two per core is a good start; every worker holds one database connection (see docs/deploy.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # uploads of up to UPLOAD_MAX_BYTES on slow links
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never takes the machine down; the jitter keeps them from recycling
# all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"
# Only the reverse proxy may say which scheme the client used (X-Forwarded-Proto; SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The heartbeat file of each worker: in memory, so a slow disk never gets a worker killed for "not responding".
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"
# Gunicorn's control socket defaults to one path per user, so two instances on one machine would fight over it.
control_socket_disable = True
