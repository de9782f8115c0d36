"""Logging to a rotating file in the data directory; secrets are never passed to the logger."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the application's log records to ``data_dir/logs/hom.log`` (5 x 1 MB)."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "hom.log"
    root = logging.getLogger("hom")
    for old in [h for h in root.handlers if isinstance(h, RotatingFileHandler)]:
        if Path(old.baseFilename) == path.resolve():
            root.setLevel(level)
            return path
        root.removeHandler(old)  # another data directory was in use before
        old.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return path
