"""The device credential: in the OS keyring, or (no secure backend) a file only the user reads.

Never in the store's database and never in a log. Where the system has no secure keyring
backend (a headless Linux box without Secret Service, for instance) the credential goes to
``<data folder>/device-credential`` created with mode 0600, and ``backend`` says "file" so the
status line and ``sync --status`` tell the person so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import uuid
from pathlib import Path

from hom.core.errors import DomainError

SERVICE = "hom-desktop"
FILE_NAME = "device-credential"
#: Set to "file" to keep the credential in the 0600 file even where a keyring exists.
BACKEND_ENV = "HOM_CREDENTIAL_BACKEND"

log = logging.getLogger("hom.sync")

KEYRING = "keyring"
FILE = "file"


def _secure_keyring():
    """The keyring backend if it is a real, secure one; None otherwise."""
    if os.environ.get(BACKEND_ENV, "").strip().lower() == FILE:
        return None
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) < 1:
        return None
    name = type(backend).__module__
    if "plaintext" in name.lower() or "null" in name.lower():
        return None
    return backend


class CredentialStore:
    """Where one data folder's device credential is kept."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / FILE_NAME

    @staticmethod
    def _account(installation_id: uuid.UUID) -> str:
        return f"device:{installation_id}"

    @property
    def backend(self) -> str:
        return KEYRING if _secure_keyring() is not None else FILE

    def explain(self) -> str:
        if self.backend == KEYRING:
            return "the device credential is kept in the system keyring"
        return (
            "no secure system keyring is available: the device credential is kept in "
            f"{self.path}, readable only by this user (mode 0600)"
        )

    def save(self, installation_id: uuid.UUID, credential: str) -> str:
        """Keep ``credential``; returns the backend used ("keyring" or "file")."""
        backend = _secure_keyring()
        if backend is not None:
            try:
                backend.set_password(SERVICE, self._account(installation_id), credential)
                return KEYRING
            except Exception as exc:
                log.warning(
                    "the system keyring refused the credential (%s): using a file",
                    type(exc).__name__,
                )
        log.warning(self.explain())
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, f"{installation_id}\n{credential}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        return FILE

    def load(self, installation_id: uuid.UUID) -> str:
        backend = _secure_keyring()
        if backend is not None:
            try:
                found = backend.get_password(SERVICE, self._account(installation_id))
            except Exception:
                found = None
            if found:
                return found
        try:
            mode = self.path.stat().st_mode
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise DomainError(
                "this installation's device credential is missing (neither in the system "
                f"keyring nor in {self.path}): ask the head office for a new enrolment code",
                field="credential",
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            os.chmod(self.path, 0o600)  # tightened again if someone loosened it
        if len(lines) < 2 or lines[0].strip() != str(installation_id):
            raise DomainError(
                f"{self.path} holds another installation's credential: ask the head office "
                "for a new enrolment code",
                field="credential",
            )
        return lines[1].strip()

    def forget(self, installation_id: uuid.UUID) -> None:
        backend = _secure_keyring()
        if backend is not None:
            with contextlib.suppress(Exception):
                backend.delete_password(SERVICE, self._account(installation_id))
        self.path.unlink(missing_ok=True)
