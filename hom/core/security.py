"""Password hashing with argon2id; a stored hash is upgraded at sign-in when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory profile (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when the password matches; never raises for a wrong or malformed hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


_dummy: list[str] = []


def dummy_hash() -> str:
    """A hash of no one's password, checked for an unknown user so that the answer takes as long
    as for a real one (made once per process)."""
    if not _dummy:
        _dummy.append(_hasher.hash("no user has this password"))
    return _dummy[0]
