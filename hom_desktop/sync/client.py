"""HTTP to the server for the sync engine: httpx with timeouts, gzip, retries with backoff.

Network errors and 5xx answers are retried (exponential backoff with jitter, a bounded number of
times within one run); a 4xx answer is the server's refusal and is never retried, except 413
(the engine halves its batch). Every sync request is safe to repeat: a push is idempotent by
(installation, epoch, seq), the rest only read. The one exception, enrolment (its code works
once), is sent without retries.
"""

from __future__ import annotations

import gzip
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel

from hom.core.errors import DomainError

log = logging.getLogger("hom.sync")

GZIP_FROM = 1024  # request bodies at least this large go compressed


class Unreachable(DomainError):
    """The server did not answer (down, no network, timed out), after the retries."""

    code = "offline"


class ServerFailed(DomainError):
    """The server kept answering 5xx, after the retries."""

    code = "server_failed"


class ServerRefused(DomainError):
    """A 4xx answer: the server's refusal, in its words."""

    code = "refused"

    def __init__(self, message: str, *, status: int, body: dict[str, Any] | None = None) -> None:
        field = None
        detail = (body or {}).get("detail")
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            loc = detail[0].get("loc") or []
            field = ".".join(str(p) for p in loc if p != "body") or None
        super().__init__(message, field=field)
        self.status = status
        self.body = body or {}


class Cancelled(Exception):
    """The person cancelled while the engine waited to retry."""


def _message(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return (response.text[:200] or response.reason_phrase), {}
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body)[:500], body
    return str(body)[:500], {}


class ServerClient:
    def __init__(
        self,
        base_url: str,
        *,
        credential: str | None,
        timeout_s: float,
        retries: int,
        backoff_s: float,
        backoff_max_s: float,
        transport: httpx.BaseTransport | None = None,
        cancelled: Callable[[], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Accept-Encoding": "gzip", "User-Agent": "hom-desktop-sync"}
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
        )
        self.retries = retries
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.cancelled = cancelled or (lambda: False)
        self.sleep = sleep
        self.attempts = 0  # requests sent, retries included (for the report and tests)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, attempt: int) -> None:
        delay = min(self.backoff_max_s, self.backoff_s * (2**attempt))
        delay *= random.uniform(0.5, 1.5)  # jitter: many depots coming back do not stampede
        deadline = time.monotonic() + delay
        while True:
            if self.cancelled():
                raise Cancelled()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sleep(min(left, 0.2))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | dict[str, Any] | None = None,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
        retry: bool = True,
    ) -> bytes:
        """The answer's body (JSON bytes) for a 2xx; raises Unreachable, ServerFailed or
        ServerRefused. ``content`` is a body already encoded as JSON."""
        headers: dict[str, str] = {}
        if body is not None:
            if isinstance(body, BaseModel):
                content = body.model_dump_json().encode()
            else:
                import json

                content = json.dumps(body).encode()
        if content is not None:
            headers["Content-Type"] = "application/json"
            if len(content) >= GZIP_FROM:
                content = gzip.compress(content, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        tries = 1 + (self.retries if retry else 0)
        last: Exception | None = None
        for attempt in range(tries):
            if attempt:
                self._wait(attempt - 1)
            self.attempts += 1
            try:
                response = self.http.request(
                    method, path, content=content, params=params, headers=headers
                )
            except httpx.TransportError as exc:
                last = exc
                log.info(
                    "%s %s: %s (attempt %d of %d)",
                    method,
                    path,
                    type(exc).__name__,
                    attempt + 1,
                    tries,
                )
                continue
            if response.status_code >= 500:
                message, _ = _message(response)
                last = ServerFailed(f"the server failed ({response.status_code}): {message}")
                log.info(
                    "%s %s: %d (attempt %d of %d)",
                    method,
                    path,
                    response.status_code,
                    attempt + 1,
                    tries,
                )
                continue
            if response.status_code >= 400:
                message, parsed = _message(response)
                raise ServerRefused(message, status=response.status_code, body=parsed)
            return response.content
        if isinstance(last, ServerFailed):
            raise last
        kind = type(last).__name__ if last else "no answer"
        raise Unreachable(
            f"the server at {self.base_url} did not answer ({kind}) after {tries} attempt(s)"
        )
