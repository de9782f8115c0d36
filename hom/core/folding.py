"""Text folded for searching and sorting, the same on SQLite and PostgreSQL.

SQLite's ``lower()`` and ``LIKE`` fold ASCII only, while PostgreSQL folds all of Unicode, so a
search in SQL would find "éclair" on one database and not on the other. Instead each searchable
row keeps a folded copy of its text (``search_key``, ``sort_key``) made here, in Python, and SQL
compares folded text with folded text, byte for byte, on both databases.

Folding is NFKC (compatibility forms: "ﬁ" -> "fi", full-width digits -> digits), Unicode case
folding ("ß" -> "ss"), and the Latin accents dropped ("Åland" -> "aland"), so "eclair" finds
"Éclair" and Åland sorts beside Albania. Only the combining diacritical marks block
(U+0300-U+036F) is dropped: the vowel signs and viramas of Devanagari, Tamil and Bengali are
letters of those scripts and stay.
"""

from __future__ import annotations

import unicodedata


def _drop_latin_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not 0x300 <= ord(ch) <= 0x36F)


def fold(text: str | None) -> str:
    """``text`` as searches and sorts compare it (see the module's description)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFC", _drop_latin_accents(folded))


def search_key(*parts: str | None) -> str:
    """The folded text of ``parts``, words separated by single spaces."""
    return " ".join(" ".join(fold(part).split()) for part in parts if part and part.strip())


def search_words(query: str | None) -> list[str]:
    """The folded words of a search: each must appear somewhere in a row for it to match."""
    return fold(query).split()
