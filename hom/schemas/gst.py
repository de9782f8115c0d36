"""GST master data: HSN codes, GST rates and GSTINs, checked the way the GST portal checks them.

- An HSN code is 4, 6 or 8 digits (chapter, heading, sub-heading, tariff item); empty means not
  yet classified.
- A GST rate is one of the notified slabs (``GST_RATES``), as a percent; None means not yet set.
- A GSTIN is 15 characters: the 2-digit state code of the registration, the holder's PAN (5
  letters, 4 digits, a letter), the entity number (1-9 or A-Z), the letter ``Z`` and a check
  character computed from the first 14 with the mod-36 algorithm (``gstin_check_character``);
  empty means an unregistered party. Input is NFC-normalised and upper-cased, spaces removed.

Pure functions and annotated types: no database, used by the schemas, the services and the CSV
import alike.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator

GST_RATES: tuple[Decimal, ...] = tuple(
    Decimal(r) for r in ("0", "0.25", "3", "5", "12", "18", "28", "40")
)
"""The notified GST slabs, in percent (0.25 for rough diamonds, 3 for gold, 40 for sin goods)."""

RATES_TEXT = ", ".join(f"{r}" for r in GST_RATES)

# The state codes of the GST registration (the first two digits of a GSTIN).
GST_STATES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (before 2014)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
    "99": "Centre Jurisdiction",
}

# Other names a state goes by in a geography tree.
_STATE_ALIASES = {
    "orissa": "21",
    "pondicherry": "34",
    "nct of delhi": "07",
    "new delhi": "07",
    "andhra pradesh": "37",
    "j&k": "01",
}

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_HSN = re.compile(r"[0-9]{4}|[0-9]{6}|[0-9]{8}", re.ASCII)
_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]", re.ASCII)


def _normalised(value: str) -> str:
    """NFC, upper case, without spaces: ``27 aapfu0939f1zv`` -> ``27AAPFU0939F1ZV``."""
    return "".join(unicodedata.normalize("NFC", value).split()).upper()


def gstin_check_character(first14: str) -> str:
    """The 15th character of a GSTIN whose first 14 are ``first14`` (the portal's mod-36 sum:
    each character's value, 0-9 then A-Z, times 1 or 2 alternately from the left, its quotient
    and remainder by 36 added up; the check is what brings the sum to a multiple of 36)."""
    total = 0
    for index, ch in enumerate(first14):
        product = _ALPHABET.index(ch) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _ALPHABET[(36 - total % 36) % 36]


def check_gstin(value: str) -> str:
    """A GSTIN normalised, or ``ValueError`` saying which part is wrong. Empty stays empty."""
    gstin = _normalised(value)
    if not gstin:
        return ""
    if len(gstin) != 15:
        raise ValueError(
            f"must be 15 characters (2-digit state code, 10-character PAN, entity number, 'Z', "
            f"check character); got {len(gstin)}: {gstin!r}"
        )
    bad = next((ch for ch in gstin if ch not in _ALPHABET), None)
    if bad is not None:
        raise ValueError(f"may hold only the letters A-Z and digits 0-9; got {bad!r} in {gstin}")
    state = gstin[:2]
    if state not in GST_STATES:
        raise ValueError(
            f"starts with {state!r}, which is not a GST state code (01 to 38, 97 or 99)"
        )
    if not _PAN.fullmatch(gstin[2:12]):
        raise ValueError(
            f"characters 3 to 12 must be the holder's PAN (5 letters, 4 digits, a letter); "
            f"got {gstin[2:12]!r}"
        )
    if gstin[12] == "0":
        raise ValueError("character 13 (the entity number) must be 1-9 or A-Z, not 0")
    if gstin[13] != "Z":
        raise ValueError(f"character 14 must be the letter Z; got {gstin[13]!r}")
    if gstin_check_character(gstin[:14]) != gstin[14]:
        raise ValueError(
            f"{gstin} fails its check character (the 15th): a character is mistyped; "
            "copy it again from the GST registration certificate"
        )
    return gstin


def check_hsn(value: str) -> str:
    """An HSN code of 4, 6 or 8 digits (spaces and dots as printed in the tariff are dropped),
    or empty for not classified yet."""
    code = "".join(unicodedata.normalize("NFC", value).split()).replace(".", "")
    if not code:
        return ""
    if not _HSN.fullmatch(code):
        raise ValueError(
            f"must be 4, 6 or 8 digits (chapter-heading, sub-heading or tariff item, "
            f"e.g. 3401 or 34011190); got {value.strip()!r}"
        )
    return code


def check_gst_rate(value: Any) -> Decimal | None:
    """A GST rate in percent, one of the notified slabs; None (or empty text) for not set."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float | bool):
        raise ValueError(f"must be a decimal number, not a {type(value).__name__}")
    text = str(value).strip().removesuffix("%").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"must be a percent, one of {RATES_TEXT}; got {value!r}") from None
    for slab in GST_RATES:
        if rate == slab:
            return slab.quantize(Decimal("0.01"))
    raise ValueError(f"must be one of the GST slabs {RATES_TEXT} (percent); got {text}")


def gst_state_code(state_name: str | None) -> str | None:
    """The GST state code of a state named as in the geography tree (``Maharashtra`` -> ``27``),
    or None when the name is not an Indian state or union territory."""
    if not state_name:
        return None
    key = " ".join(unicodedata.normalize("NFC", state_name).casefold().replace("&", "and").split())
    for code, name in GST_STATES.items():
        if name.casefold() == key:
            return code
    return _STATE_ALIASES.get(key)


Gstin = Annotated[str, BeforeValidator(lambda v: check_gstin(v) if isinstance(v, str) else v)]
HsnCode = Annotated[str, BeforeValidator(lambda v: check_hsn(v) if isinstance(v, str) else v)]
GstRate = Annotated[Decimal | None, BeforeValidator(check_gst_rate)]
