"""One error shape for every refusal, and the map from domain errors to HTTP statuses.

Every error body is ``{"code", "message", "detail": [{"loc", "msg", "type"}]}``: ``detail`` has
FastAPI's validation-error shape, so a client reads field messages the same way whether pydantic
or a business rule refused the request.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hom.core.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Duplicate,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongSite,
)
from hom.schemas.sync import MAX_PUSH_ITEMS
from hom_server.core.errors import RateLimited, SeqGap, TooLarge, UpgradeRequired

log = logging.getLogger("hom.server")


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: list[ErrorDetail]
    #: A push refused for a gap: the seq the server expects next.
    expected_seq: int | None = None
    #: A client too old to sync: the oldest version that may.
    min_app_version: str | None = None


#: Most specific first: the first class an error is an instance of gives its status.
STATUS: list[tuple[type[DomainError], int]] = [
    (RateLimited, 429),
    (TooLarge, 413),
    (UpgradeRequired, 426),
    (SeqGap, 409),
    (ValidationFailed, 422),
    (NotFound, 404),
    (Duplicate, 409),
    (Conflict, 409),
    (IllegalTransition, 409),
    (InsufficientStock, 409),
    (PermissionDenied, 403),
    (WrongSite, 403),
    (AuthenticationFailed, 401),
]

#: Documented on every route, so clients (and schemathesis) know each refusal's shape.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in [
        (400, "a body that cannot be read (not JSON, or not the declared content type)"),
        (401, "not signed in, or a token that is not valid"),
        (403, "the caller's role or site may not do this"),
        (404, "no such row"),
        (409, "a clash with the current state (duplicate, transition, stock)"),
        (413, "the request is larger than the server accepts"),
        (422, "input that breaks a field rule or a business rule"),
        (429, "too many attempts; wait Retry-After seconds"),
    ]
}


def status_for(exc: DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 422


def _loc(field: str | None) -> list[str | int]:
    if not field:
        return []
    return [int(p) if p.isdigit() else p for p in field.split(".")]


def body_for(exc: DomainError) -> dict[str, Any]:
    if isinstance(exc, ValidationFailed):
        detail = [{"loc": _loc(f), "msg": m, "type": exc.code} for f, m in exc.errors]
    else:
        detail = [{"loc": _loc(exc.field), "msg": exc.message, "type": exc.code}]
    body: dict[str, Any] = {"code": exc.code, "message": str(exc), "detail": detail}
    if isinstance(exc, SeqGap):
        body["expected_seq"] = exc.expected_seq
    if isinstance(exc, UpgradeRequired):
        body["min_app_version"] = exc.min_app_version
    return body


def error_response(exc: DomainError) -> JSONResponse:
    status = status_for(exc)
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(body_for(exc), status_code=status, headers=headers)


def _plain(status: int, code: str, message: str, loc: list[str | int] | None = None):
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "detail": [{"loc": loc or [], "msg": message, "type": code}],
        },
        status_code=status,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        for e in exc.errors():
            if e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "items"):
                return _plain(
                    413,
                    "too_large",
                    f"a push carries at most {MAX_PUSH_ITEMS} items; split the batch",
                    ["body", "items"],
                )
        detail = [
            {
                "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "is invalid")).removeprefix("Value error, "),
                "type": str(e.get("type", "validation")),
            }
            for e in exc.errors()
        ]
        message = "; ".join(
            f"{'.'.join(str(p) for p in d['loc'][1:] or d['loc'])}: {d['msg']}" for d in detail
        )
        return JSONResponse(
            {"code": "validation", "message": message, "detail": detail}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:
            message = "the body could not be read: send JSON with 'Content-Type: application/json'"
        response = _plain(exc.status_code, code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race another request won between our check and our write.
        log.info("integrity conflict: %s", type(exc.orig).__name__)
        return _plain(
            409, "conflict", "the row clashes with one written at the same moment; reload and retry"
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, exc: StaleDataError) -> JSONResponse:
        return _plain(
            409, "conflict", "the row was changed by someone else meanwhile; reload and retry"
        )
