"""Normalised forms of a lead's email, phone and company, used as match keys.

These keys find duplicates (on create, on import, before a merge); they are
never shown to people in place of what was typed.  Imports call them for every
row (100,000 rows a second is the target), so the regexes and tables are built
once at import time and the common ASCII case takes the shortest path.

Rules
-----
``normalize_email(s)``
    Strip surrounding whitespace and lower-case the whole address.  ``None``
    when the input is empty or does not look like an address: exactly one
    ``@``, a non-empty local part, a domain of at least two dot-separated
    labels with no empty label, and no whitespace or angle brackets anywhere.
    This is a plausibility check, not RFC 5322 validation.

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
    control character (by Unicode category) with a space, drop trailing
    legal-form suffixes (``inc``, ``ltd``, ``gmbh``, ``co``, ... see
    ``LEGAL_SUFFIXES``; several in a row such as ``GmbH & Co. KG`` all go,
    but a name is never reduced to nothing) and collapse whitespace.  ``None``
    for an empty result.
"""

import re
import unicodedata

__all__ = ["LEGAL_SUFFIXES", "normalize_company", "normalize_email", "normalize_phone"]

_EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>.]+(?:\.[^@\s<>.]+)+")

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

_ACCENTS_RE = re.compile("[\u0300-\u036f]+")
_TRADEMARKS_RE = re.compile("[\u2122\u2120]")  # NFKD would turn "™" into "TM"
_DELETED_CHARS = frozenset(".'`\u2019\u02bc")  # dots and apostrophes: "S.A." -> "sa"


class _SeparatorTable(dict):
    """``str.translate`` table: punctuation, symbols, spaces and controls -> " ".

    Dots and apostrophes are deleted; letters, marks and digits stay.  ASCII is
    filled in up front; any other character is classified on first sight by
    its Unicode category and remembered, so each character costs one lookup.
    """

    def __missing__(self, code):
        char = chr(code)
        if char in _DELETED_CHARS:
            value = None
        elif unicodedata.category(char)[0] in "PSZC":
            value = " "
        else:
            value = code
        self[code] = value
        return value


_SEPARATORS = _SeparatorTable()
for _code in range(128):
    _SEPARATORS.__missing__(_code)  # fill in the ASCII part up front
del _code


def normalize_email(s):
    """Return the address stripped and lower-cased, or None if empty or implausible."""
    if not s or not isinstance(s, str):
        return None
    s = s.strip().lower()
    if _EMAIL_RE.fullmatch(s) is None:
        return None
    return s


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
    if s.isascii():
        s = s.lower()
    else:
        s = unicodedata.normalize("NFKD", _TRADEMARKS_RE.sub(" ", s)).casefold()
        s = unicodedata.normalize("NFC", _ACCENTS_RE.sub("", s))
    if "&" in s:
        s = s.replace("&", " and ")
    words = s.translate(_SEPARATORS).split()
    popped = False
    while len(words) > 1:
        last = words[-1]
        if last in LEGAL_SUFFIXES or (popped and last == "and"):
            # "and" goes only right before a dropped suffix: "Smith & Co." -> "smith".
            words.pop()
            popped = True
        else:
            break
    return " ".join(words) or None
