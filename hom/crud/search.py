"""Searching folded text: every word of the query, anywhere, in any order.

Rows keep a folded ``search_key`` (``hom.core.folding``); the query is folded the same way, so
``LIKE`` compares like with like on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_

from hom.core.folding import search_words


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards escaped (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def all_words(query: str, *columns: Any) -> Any | None:
    """A condition true where every word of ``query`` occurs in at least one of ``columns``
    (folded text columns); None for an empty query."""
    words = search_words(query)
    if not words:
        return None
    return and_(
        *(
            or_(*(column.like(f"%{escape_like(word)}%", escape="\\") for column in columns))
            for word in words
        )
    )
