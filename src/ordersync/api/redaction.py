"""Device tokens never leave the ledger in a reply it did not mean to give, nor in its logs.

A client may put its token where it does not belong: in a URL (which access logs record), in a
SKU or a location (which refusals echo). Every problem document and every log record of the server
process has its token-shaped strings (``osk_`` and what follows) replaced before it is written.
Only ``POST /v1/tokens`` and ``ordersync token create`` show a token, once, on purpose.
"""

from __future__ import annotations

import logging
from typing import Any

from ordersync.services.tokens import TOKEN_PREFIX, redact_text, redact_tokens

__all__ = ["RedactTokens", "install_log_redaction", "redact_text", "redact_tokens"]

_WATCHED_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "ordersync")


def _redact_argument(argument: Any) -> Any:
    if isinstance(argument, int | float | bool) or argument is None:
        return argument
    shown = argument if isinstance(argument, str) else str(argument)
    return redact_text(shown) if TOKEN_PREFIX in shown else argument


class RedactTokens(logging.Filter):
    """Rewrites a log record so that no token-shaped string reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_argument(argument) for argument in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_argument(value) for key, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


def install_log_redaction() -> None:
    """Put the filter on every handler the server logs through (uvicorn sets them up first)."""
    handlers = [h for name in _WATCHED_LOGGERS for h in logging.getLogger(name).handlers]
    if logging.lastResort is not None:  # what prints a record when no handler is set up
        handlers.append(logging.lastResort)
    for handler in handlers:
        if not any(isinstance(known, RedactTokens) for known in handler.filters):
            handler.addFilter(RedactTokens())
