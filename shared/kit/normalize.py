"""Building blocks of the match keys services use to find duplicates (leads'
email, phone and company keys; sales' account name, domain and email keys).

Keys find duplicates; they are never shown in place of what was typed.  Lead
imports compute them for every row, so everything here is built once at
import time and meant to be used inline (a table for ``str.translate``, a
compiled regex, one function per key): callers should not wrap them in
further function layers on a hot path.

``normalize_email(s)``
    Strip surrounding whitespace and lower-case the whole address.  ``None``
    when the input is not a string, empty or does not look like an address:
    exactly one ``@``, a non-empty local part, a domain of at least two
    dot-separated labels with no empty label, and no whitespace or angle
    brackets anywhere.  This is a plausibility check, not RFC 5322
    validation.

``collapse_whitespace(s)``
    ``s`` stripped, each run of whitespace inside it turned into one space.

``SEPARATORS``
    A ``str.translate`` table for words of names: punctuation, symbols,
    spaces and controls (by Unicode category) become a space, dots and
    apostrophes (``DELETED_CHARS``) are deleted (``S.A.`` is ``sa``,
    ``McDonald's`` is ``mcdonalds``); letters, marks and digits stay.

``ACCENTS_RE``, ``TRADEMARKS_RE``
    For folding names: the combining diacritical marks U+0300-U+036F (so
    ``Société`` matches ``Societe`` while kana keep their voicing marks and
    Indic scripts their vowel signs), and the trademark-like signs that NFKD
    would otherwise spell out (``™`` becomes ``TM``).
"""

import re
import unicodedata

__all__ = [
    "ACCENTS_RE", "DELETED_CHARS", "EMAIL_RE", "SEPARATORS", "TRADEMARKS_RE", "WHITESPACE_RE",
    "collapse_whitespace", "normalize_email",
]

EMAIL_RE = re.compile(r"[^@\s<>]+@[^@\s<>.]+(?:\.[^@\s<>.]+)+")
WHITESPACE_RE = re.compile(r"\s+")
ACCENTS_RE = re.compile("[\u0300-\u036f]+")
TRADEMARKS_RE = re.compile("[\u2122\u2120\u00ae\u00a9]")  # NFKD would turn "™" into "TM"
DELETED_CHARS = frozenset(".'`\u2019\u02bc")  # dots and apostrophes: "S.A." -> "sa"


class _SeparatorTable(dict):
    """``str.translate`` table: punctuation, symbols, spaces and controls -> " ".

    Dots and apostrophes are deleted; letters, marks and digits stay.  ASCII is
    filled in up front; any other character is classified on first sight by
    its Unicode category and remembered, so each character costs one lookup.
    """

    def __missing__(self, code):
        char = chr(code)
        if char in DELETED_CHARS:
            value = None
        elif unicodedata.category(char)[0] in "PSZC":
            value = " "
        else:
            value = code
        self[code] = value
        return value


SEPARATORS = _SeparatorTable()
for _code in range(128):
    SEPARATORS.__missing__(_code)  # fill in the ASCII part up front
del _code


def collapse_whitespace(s):
    """``s`` stripped, with each inner run of whitespace made one space."""
    return WHITESPACE_RE.sub(" ", s.strip())


def normalize_email(s):
    """Return the address stripped and lower-cased, or None if empty or implausible."""
    if not s or not isinstance(s, str):
        return None
    s = s.strip().lower()
    if EMAIL_RE.fullmatch(s) is None:
        return None
    return s


def name_key(s, legal_suffixes):
    """The match key of an organisation's name (a non-empty string): folded
    to lower case without accents or trademark signs, ``&`` read as "and",
    punctuation as spaces (dots and apostrophes deleted), trailing legal-form
    suffixes dropped (never the last word); None when no word is left."""
    if s.isascii():
        s = s.lower()
    else:
        s = unicodedata.normalize("NFKD", TRADEMARKS_RE.sub(" ", s)).casefold()
        s = unicodedata.normalize("NFC", ACCENTS_RE.sub("", s))
    if "&" in s:
        s = s.replace("&", " and ")
    words = s.translate(SEPARATORS).split()
    popped = False
    while len(words) > 1:
        last = words[-1]
        if last in legal_suffixes or (popped and last == "and"):
            words.pop()  # "and" only right before a dropped suffix: "Smith & Co." -> "smith"
            popped = True
        else:
            break
    return " ".join(words) or None
