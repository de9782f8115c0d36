"""Logging to a rotating file in the data directory.

Secrets are never passed to the logger, and the file's formatter redacts what could still carry
one inside an error's text: pydantic's ``input_value=...`` (a rejected password is echoed there),
SQLAlchemy's ``[parameters: ...]``, ``password=...``-style pairs, bearer tokens and argon2
hashes. Tracebacks keep their shape, so the log stays useful to whoever reads it.
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILENAME = "hom.log"
REDACTED = "<redacted>"

_SECRET_WORDS = r"password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie"
_REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    # pydantic: "... [type=string_too_short, input_value='hunter2', input_type=str]"
    (
        re.compile(r"input_value=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\]]*)"),
        f"input_value={REDACTED}",
    ),
    # SQLAlchemy: "[SQL: ...]\n[parameters: ('x', '$argon2id$...')]"
    (
        re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\(Background|$))", re.DOTALL),
        f"[parameters: {REDACTED}]",
    ),
    (re.compile(r"\$argon2(?:id|i|d)\$[^\s'\",)]+"), REDACTED),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {REDACTED}"),
    # password='x', secret=z (keyword style) and "token": "y" (dict or JSON style); a plain
    # sentence such as "password: wrong username or password" is left as it is.
    (
        re.compile(
            rf"(?i)(\b\w*(?:{_SECRET_WORDS})\w*\s*=\s*)(?:'[^']*'|\"[^\"]*\"|[^\s,;)}}\]]+)"
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(
            rf"(?i)((['\"])\w*(?:{_SECRET_WORDS})\w*\2\s*:\s*)(?:'[^']*'|\"[^\"]*\"|[^\s,;)}}\]]+)"
        ),
        rf"\1{REDACTED}",
    ),
]


def redact(text: str) -> str:
    """``text`` with anything that looks like a secret replaced by ``<redacted>``."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual (message, traceback, stack), then redacts the whole record."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_path(data_dir: Path) -> Path:
    """Where the log of the store in ``data_dir`` is written."""
    return data_dir / "logs" / LOG_FILENAME


def configure(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the application's log records to ``data_dir/logs/hom.log`` (5 x 1 MB)."""
    path = log_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("hom")
    for old in [h for h in root.handlers if isinstance(h, RotatingFileHandler)]:
        if Path(old.baseFilename) == path.resolve():
            root.setLevel(level)
            return path
        root.removeHandler(old)  # another data directory was in use before
        old.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return path
