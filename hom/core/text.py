"""Text cleaning in one place: what every text field accepts, and how text reaches a terminal.

Every shared input schema (``hom.schemas.base.Schema``) runs its text fields through ``clean``:

- Text is NFC-normalised, so "Gujarāt" typed with a combining macron (NFD) is the same name as
  the precomposed one and cannot become a second sibling.
- Refused everywhere: control characters (NUL, escape sequences, tabs, C1 controls), invisible
  format characters (bidirectional overrides and isolates, zero-width space, word joiner, BOM,
  soft hyphen), line and paragraph separators, lone surrogates, and U+FFFD (the mark a wrong
  decoding leaves behind). A zero-width joiner or non-joiner is allowed only right after a
  virama, where Indic scripts need it to choose a conjunct form (the rule IDNA uses, RFC 5892).
- Line breaks are allowed only in fields marked ``MULTILINE`` (addresses); CR LF and CR are
  stored as LF there.
- ``SECRET`` fields (passwords) are checked for control characters but never changed.

Numbers typed as text are accepted only in the documented format (``check_number_text``):
ASCII digits, an optional minus sign and an optional decimal point. Python would otherwise read
``4_5`` as 45 and Devanagari digits as numbers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MULTILINE: Final = "hom:multiline-text"
"""Annotated metadata: this text field may hold line breaks (an address)."""
SECRET: Final = "hom:secret-text"
"""Annotated metadata: a password; refused with control characters, otherwise kept as typed."""

_ZERO_WIDTH_JOINERS = frozenset("\u200c\u200d")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)


def describe_char(ch: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``: a character named without printing it."""
    name = unicodedata.name(ch, "")
    if not name and ch in "\n\r\t\x00\x1b":
        name = {
            "\n": "LINE FEED",
            "\r": "CARRIAGE RETURN",
            "\t": "TAB",
            "\x00": "NUL",
            "\x1b": "ESCAPE",
        }[ch]
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def first_refused(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """(position, reason) of the first character ``clean`` refuses in ``value``, or None."""
    if value.isprintable() and "\ufffd" not in value:
        # Nothing refused: every refused category (controls, format characters, surrogates,
        # line and paragraph separators) is one ``isprintable`` is False for.
        return None
    previous = ""
    for index, ch in enumerate(value):
        if ch == "\n" and multiline:
            previous = ch
            continue
        if ch in _ZERO_WIDTH_JOINERS and previous and unicodedata.combining(previous) == 9:
            previous = ch
            continue
        if ch in "\n\r\u2028\u2029":
            return index, "a line break (only an address may hold one)"
        if ch == "\ufffd":
            return index, "U+FFFD (the mark of text read with the wrong encoding)"
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return index, f"the invisible or control character {describe_char(ch)}"
        previous = ch
    return None


def clean(value: str, *, multiline: bool = False) -> str:
    """``value`` NFC-normalised; raises ``ValueError`` naming the first refused character."""
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    refused = first_refused(value, multiline=multiline)
    if refused is not None:
        index, reason = refused
        raise ValueError(f"contains {reason} at character {index + 1}; remove it")
    return value


def check_secret(value: str) -> str:
    """A password is kept exactly as typed, but may hold no control or invisible character."""
    for index, ch in enumerate(value):
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise ValueError(
                f"contains the invisible or control character {describe_char(ch)} "
                f"at character {index + 1}; remove it"
            )
    return value


def check_number_text(value: str) -> str:
    """A number written the documented way: ASCII digits, optional minus and decimal point.

    Raises ``ValueError`` saying how to write it; returns the text (surrounding spaces removed).
    """
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return text
    shown = for_terminal(value)
    if "," in text:
        raise ValueError(
            f"use a point for decimals and no thousands separator, e.g. 45.50 (got {shown!r})"
        )
    raise ValueError(
        f"must be a number written with the digits 0-9 and an optional decimal point, "
        f"e.g. 45 or 45.50 (got {shown!r})"
    )


def for_terminal(value: str) -> str:
    """``value`` safe to print on one terminal line: every control, format or line-break
    character is shown as an escape (``\\x1b``, ``\\u202e``) instead of acting on the terminal."""
    if value.isprintable():
        return value
    out = []
    for ch in value:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1] if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return "".join(out)


def grouped(n: int) -> str:
    """An integer in a service's message, grouped as the product's users read it (lakh and
    crore): ``1234567`` -> ``12,34,567``; ``-1500`` -> ``-1,500``. The desktop formats what it
    shows through Babel and the user's locale; a refusal is worded before any locale is known."""
    sign, digits = ("-", str(-n)) if n < 0 else ("", str(n))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return sign + ",".join([head, *pairs, tail])
