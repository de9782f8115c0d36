"""Refusals only the server makes; like the domain's, each names its field and what is allowed."""

from __future__ import annotations

from hom.core.errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class TooLarge(DomainError):
    code = "too_large"


class SeqGap(DomainError):
    """A push that skips seqs: nothing applied, the expected seq said."""

    code = "seq_gap"

    def __init__(self, message: str, *, expected_seq: int) -> None:
        super().__init__(message, field="items.0.seq")
        self.expected_seq = expected_seq


class UpgradeRequired(DomainError):
    code = "upgrade_required"

    def __init__(self, message: str, *, min_app_version: str) -> None:
        super().__init__(message, field="app_version")
        self.min_app_version = min_app_version
