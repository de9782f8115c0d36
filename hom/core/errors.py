"""Domain errors: what the services raise and every caller translates.

Each error names the field it concerns and the rule it broke, so the GUI can show it beside the
field, the CLI can print one line, and the server can answer 4xx with field messages.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the business rules refuse; nothing has been written."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


class ValidationFailed(DomainError):
    """Input that does not match the schema (wrong type, out of range, missing)."""

    code = "validation"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        field, message = errors[0]
        text = "; ".join(f"{f}: {m}" for f, m in errors)
        super().__init__(
            text if len(errors) > 1 else message, field=field if len(errors) == 1 else None
        )
        if len(errors) == 1:
            self.field = field


class NotFound(DomainError):
    code = "not_found"


class Duplicate(DomainError):
    code = "duplicate"


class InsufficientStock(DomainError):
    code = "insufficient_stock"

    def __init__(self, message: str, *, available: int, field: str | None = "quantity") -> None:
        super().__init__(message, field=field)
        self.available = available


class IllegalTransition(DomainError):
    code = "illegal_transition"


class PermissionDenied(DomainError):
    code = "permission_denied"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"


class AccountLocked(AuthenticationFailed):
    code = "account_locked"


class WrongSite(DomainError):
    """A write to data another site's installation owns (the one-writer rule)."""

    code = "wrong_site"


class Conflict(DomainError):
    """The request clashes with the current state (e.g. deleting a node that has children)."""

    code = "conflict"


class StoreBusy(DomainError):
    """Another job held the store's write lock for longer than a user action may wait."""

    code = "busy"


class CsvRowError(DomainError):
    code = "csv_row"

    def __init__(self, message: str, *, line: int, field: str | None = None) -> None:
        super().__init__(f"line {line}: {message}", field=field)
        self.line = line


def at_item(items: str, index: int, exc: DomainError) -> DomainError:
    """``exc`` with its field prefixed by a batch item's position (``products_in.3.sku``), as
    ``stock.post`` and the bulk writes name them."""
    prefix = f"{items}.{index}"
    if isinstance(exc, ValidationFailed):
        return ValidationFailed([(f"{prefix}.{name}", message) for name, message in exc.errors])
    return type(exc)(exc.message, field=f"{prefix}.{exc.field}" if exc.field else prefix)
