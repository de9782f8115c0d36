"""What ``--version`` and the About dialog tell a clerk or support: the version, the store's
schema revision beside the application's, and where the data folder and the log are.

Read without opening the store: asking for the version never creates, migrates or locks it.
"""

from __future__ import annotations

import platform
import sys

from hom.core import logs, migrate
from hom.core.config import Settings
from hom_desktop import __version__


def schema_text(settings: Settings) -> str:
    """The store's schema revision, and what it means for this version."""
    head = migrate.head_revision()
    if not settings.store_path.exists():
        return f"no store yet (this version creates one at revision {head})"
    revision = migrate.revision_of_file(settings.store_path)
    if revision is None:
        return f"not a HOM store, or never migrated (this version's schema is {head})"
    if revision == head:
        return f"{revision} (current)"
    if revision in migrate.known_revisions():
        return f"{revision} (older; upgraded to {head}, after a backup, when it is opened)"
    return f"{revision} (newer than this version's {head}: refused)"


def facts(settings: Settings) -> list[tuple[str, str]]:
    """Label and value pairs, in the order they are shown."""
    return [
        ("Version", __version__),
        ("Schema revision", schema_text(settings)),
        ("Data folder", str(settings.data_dir)),
        ("Store", str(settings.store_path)),
        ("Log", str(logs.log_path(settings.data_dir))),
        ("Runtime", runtime_text()),
    ]


def runtime_text() -> str:
    bundled = "bundle" if getattr(sys, "frozen", False) else "from source"
    return f"Python {platform.python_version()} on {platform.system()} ({bundled})"


def version_text(settings: Settings) -> str:
    """What ``hom-desktop --version`` prints."""
    width = max(len(label) for label, _ in facts(settings))
    lines = [f"hom-desktop {__version__}"]
    lines += [f"{label.lower() + ':':<{width + 1}} {value}" for label, value in facts(settings)[1:]]
    return "\n".join(lines) + "\n"
