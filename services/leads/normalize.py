"""Normalised forms of a lead's email, phone and company, used as match keys.

These keys find duplicates (on create, on import, before a merge); they are
never shown to people in place of what was typed.  Imports call them for every
row (100,000 rows a second is the target), so the regexes and tables are built
once at import time and the common ASCII case takes the shortest path.

Rules
-----
``normalize_email(s)``
    The platform's email key, from ``shared.kit.normalize`` (stripped and
    lower-cased; ``None`` when empty or implausible, see there).

``normalize_phone(s)``
    Keep the digits only (any script's decimal digits count, so full-width
    ``０-９`` become ``0-9``).  A number written with a leading ``+`` or whose
    digits start with the international prefix ``00`` becomes ``+`` followed
    by the digits (without the ``00``).  ``None`` when fewer than 7 digits are
    left.  No country is inferred for national numbers: ``020 7946 0018``
    stays ``02079460018``.  Extensions are not split off: their digits stay.

``normalize_company(s)``
    Fold compatibility forms (NFKD: full-width ``ＡＣＭＥ`` is ``acme``),
    case-fold, strip accents (only the combining diacritical marks
    U+0300-U+036F, so ``Société`` matches ``Societe`` while kana keep their
    voicing marks and Indic scripts their vowel signs), turn ``&`` into
    ``and``, delete ``.`` and apostrophes (``S.A.`` is ``sa``, ``McDonald's``
    is ``mcdonalds``), replace every other punctuation, symbol, space or
    control character (by Unicode category) with a space (the kit's
    ``SEPARATORS`` table), drop trailing legal-form suffixes (``inc``,
    ``ltd``, ``gmbh``, ``co``, ... see ``LEGAL_SUFFIXES``; several in a row
    such as ``GmbH & Co. KG`` all go, but a name is never reduced to nothing)
    and collapse whitespace.  ``None`` for an empty result.
"""

import re
import unicodedata

from shared.kit.normalize import name_key, normalize_email

__all__ = ["LEGAL_SUFFIXES", "normalize_company", "normalize_email", "normalize_phone"]

_DROP_ASCII_NON_DIGITS = {code: None for code in range(128) if not 48 <= code <= 57}  # translate: 2x a regex
_NON_UNICODE_DIGITS_RE = re.compile(r"\D+")
_MIN_PHONE_DIGITS = 7

LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "gmbh", "ag", "kg",
        "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "plc", "corp", "corporation",
        "co", "company", "pty", "ab", "oy",
    }
)  # fmt: skip


def normalize_phone(s):
    """Return ``+<digits>`` for international numbers, ``<digits>`` otherwise, or None."""
    if not s or not isinstance(s, str):
        return None
    if s.isascii():
        digits = s.translate(_DROP_ASCII_NON_DIGITS)
    else:
        digits = "".join(str(unicodedata.decimal(ch)) for ch in _NON_UNICODE_DIGITS_RE.sub("", s))
    international = s.lstrip(" \t\r\n\u00a0(").startswith(("+", "\uff0b"))
    if not international and digits.startswith("00"):
        digits = digits[2:]
        international = True
    if len(digits) < _MIN_PHONE_DIGITS:
        return None
    return "+" + digits if international else digits


def normalize_company(s):
    """Return the company's match key (see the module docstring), or None if empty."""
    if not s or not isinstance(s, str):
        return None
    return name_key(s, LEGAL_SUFFIXES)
