"""Tokens: short-lived JWT access tokens for people, random opaque secrets for the rest.

Passwords are argon2id through the shared ``hom.core.security`` (and the shared sign-in service).
Refresh tokens, enrolment codes and device credentials are random secrets with 256 bits (codes:
about 60) of entropy, stored only as SHA-256 digests: a slow hash protects guessable passwords and
would add nothing here but latency on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from hom.core.clock import utcnow
from hom.core.errors import AuthenticationFailed
from hom_server.core.config import ServerSettings

ACCESS = "access"
DEVICE_PREFIX = "homdev"
# Crockford-style alphabet without look-alikes, read aloud or typed from a phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_device_credential(device_id: uuid.UUID) -> str:
    """``homdev.<device id>.<secret>``: the id lets logs name the device without the secret."""
    return f"{DEVICE_PREFIX}.{device_id.hex}.{secrets.token_urlsafe(32)}"


def is_device_credential(token: str) -> bool:
    return token.startswith(DEVICE_PREFIX + ".")


def new_enrolment_code() -> str:
    """Twelve characters in three groups (``K7QX-2MHD-9RTA``), one-time and expiring."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    return code.strip().upper().replace(" ", "").replace("-", "")


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    expires_at: datetime


def issue_access_token(settings: ServerSettings, *, user_id: uuid.UUID) -> tuple[str, datetime]:
    now = utcnow()
    expires = now + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        "typ": ACCESS,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(8),
    }
    token = jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)
    return token, expires


def read_access_token(settings: ServerSettings, token: str) -> AccessClaims:
    """The claims of a valid, unexpired access token; ``AuthenticationFailed`` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "sub", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed(
            "the access token has expired: refresh it with POST /auth/refresh", field="token"
        ) from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("the access token is not valid", field="token") from None
    if claims.get("typ") != ACCESS:
        raise AuthenticationFailed("not an access token", field="token")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise AuthenticationFailed("the access token is not valid", field="token") from None
    return AccessClaims(user_id=user_id, expires_at=datetime.fromtimestamp(claims["exp"]))
