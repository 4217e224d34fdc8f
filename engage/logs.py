"""Logging for every Engage process: dated lines for a terminal, or JSON lines (``ENGAGE_LOG_FORMAT=json``) for a
log collector. What is logged never holds a citizen's words or contact details (see tests/test_logs.py)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from engage.settings import Settings

NOISY = ("pgserver", "mail.log", "arq.worker", "arq.jobs")
"""Their INFO lines describe every SMTP command and every cron tick: noise unless debugging."""


class JsonLines(logging.Formatter):
    """One JSON object a line: ``at`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, and ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Set up the root logger once per process (a web worker process started by uvicorn calls it again: no-op)."""
    root = logging.getLogger()
    if any(getattr(handler, "engage", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.engage = True  # type: ignore[attr-defined]
    if settings.log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
        )
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    if settings.log_level.lower() != "debug":
        for noisy in NOISY:
            logging.getLogger(noisy).setLevel(logging.WARNING)
