"""The FastAPI application: settings and database on ``app.state``, the routes, the error map.

``create_app()`` is the factory uvicorn runs (``hom-server serve``); every process builds its own
app from the ``HOM_SERVER_*`` environment and holds nothing that correctness depends on: several
processes serve one PostgreSQL.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hom_server import __version__
from hom_server.api import errors
from hom_server.api.routes import (
    auth,
    devices,
    geography,
    health,
    inventory,
    orders,
    parties,
    production,
    products,
    sites,
    sync,
    users,
)
from hom_server.core.config import ServerSettings, load_settings
from hom_server.core.database import ServerDatabase, open_database

log = logging.getLogger("hom.server")


class BodyLimit:
    """Refuse a request body larger than ``limit`` bytes with 413 before the route reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(send)
            return
        # Chunked or lying bodies: read at most limit + 1 bytes, then replay them.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = list(scope.get("headers") or [])
        if dict(headers).get(b"content-encoding", b"").lower() == b"gzip":
            body = self._gunzip(body)
            if body is None:
                await self._refuse(send)
                return
            if body is False:
                response = errors._plain(400, "bad_body", "the gzip request body is damaged")
                await response({"type": "http"}, _no_receive, send)
                return
            headers = [
                (k, v) for k, v in headers if k not in (b"content-encoding", b"content-length")
            ]
            headers.append((b"content-length", str(len(body)).encode()))
            scope = {**scope, "headers": headers}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _gunzip(self, body: bytes) -> bytes | bool | None:
        """A gzip body inflated, bounded by the limit (None: too large; False: damaged)."""
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = inflater.decompress(body, self.limit + 1)
        except zlib.error:
            return False
        if len(out) > self.limit or inflater.unconsumed_tail:
            return None
        if not inflater.eof:
            return False
        return out

    async def _refuse(self, send: Send) -> None:
        response = errors._plain(
            413,
            "too_large",
            f"the request body is larger than the {self.limit:,} bytes this server accepts; "
            "send fewer items per request",
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(settings: ServerSettings | None = None, db: ServerDatabase | None = None) -> FastAPI:
    settings = settings or load_settings()
    if settings.weak_secret:
        log.warning(
            "development mode with a placeholder JWT secret: never expose this server; set "
            "HOM_SERVER_JWT_SECRET and HOM_SERVER_ENVIRONMENT=production"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = app.state.db is None
        if own:
            app.state.db = open_database(settings)
        try:
            yield
        finally:
            if own:
                app.state.db.close()
                app.state.db = None

    app = FastAPI(
        title="HOM server",
        version=__version__,
        description=(
            "The central endpoint of HOM: people sign in for the read and master-data routes; "
            "enrolled installations push their change log and pull what they may see."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    # Pulled pages are large JSON: compressed when the client accepts it (httpx does).
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    for module in (
        health,
        auth,
        users,
        geography,
        products,
        parties,
        sites,
        production,
        inventory,
        orders,
        devices,
        sync,
    ):
        app.include_router(module.router)
    return app
