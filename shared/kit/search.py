"""Global search, the same way in every service: how the searched text is
read, the SQL that finds candidates through trigram and b-tree indexes, and
how the candidates are ranked.

``read(text)`` gives a ``Terms``: the words (every one must match), the
digits when the text reads as a phone number, the domain when it reads as a
web domain or an email's domain.

``text_clause(expression, terms)`` is the SQL condition over a text
expression that has a trigram (``gin_trgm_ops``) index: a word of 3
characters or more matches anywhere (``ILIKE '%word%'``); a shorter one
matches at the start of a word (``'wo%'`` or ``'% wo%'``), the only form a
trigram index can answer for 2 characters.  ``digits_pattern`` is the LIKE
pattern of a phone number's digits.  Statements that carry a pattern run
unprepared (``UNPREPARED``): a generic plan cannot see the pattern and would
scan the table.  ``index_scans(conn, terms)`` is the transaction the probes
run in: when every word gives the trigram index something to look up, it
keeps the planner off sequential scans, which its estimates for ILIKE
patterns make look cheap on tables of some tens of thousands of rows
(a scan of 20,000 accounts for a name that one of them has took 45 ms
here); otherwise the planner is left free.

``best_match(terms, fields)`` ranks a candidate: the field it matched and how
well (``EXACT`` whole field, ``PREFIX`` start of the field, ``WORD`` start of a
word, ``INSIDE`` anywhere, ``WORDS`` each word somewhere); ``ranked`` sorts
candidates best first.
"""

import contextlib
import re
from dataclasses import dataclass

from shared.kit.filters import escape_like

# The rows a probe reads at most for one kind; they are ranked, and the best go out.
CANDIDATES = 100
# Pass as ``prepare=`` to psycopg's execute: search statements are planned for their pattern.
UNPREPARED = False
# A word this long or longer matches anywhere; a shorter one at the start of a word.
INSIDE_FROM = 3
MIN_PHONE_DIGITS = 3

EXACT, PREFIX, WORD, INSIDE, WORDS, UNMATCHED = range(6)  # how well a field matches: lower is better

_PHONE_TEXT = re.compile(r"^\+?[0-9\s().\-/]+$")
_NON_DIGITS = re.compile(r"\D+")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?")
_WHITESPACE = re.compile(r"\s+")
# What the trigram index can look up in a word: three letters or digits in a
# row, or two at the start of a word inside it (after "+" or "@").
_TRIGRAM = re.compile(r"[^\W_]{3}|[\W_][^\W_]{2}")


@dataclass(frozen=True)
class Terms:
    text: str  # trimmed, inner whitespace collapsed, lower case
    words: tuple
    digits: str | None = None  # the text reads as a phone number: its digits, without a leading 0 or 00
    domain: str | None = None  # the text reads as a domain (or @domain, or a URL of one)


def phone_digits(text):
    """The digits to look for when ``text`` reads as (part of) a phone
    number, else None.  A national trunk prefix or the international prefix
    (leading zeros, when there is no ``+``) is dropped, so ``020 7946`` and
    ``0044 20 7946`` find +442079460958 as ``+44 20 7946`` does."""
    if not _PHONE_TEXT.match(text):
        return None
    digits = _NON_DIGITS.sub("", text)
    if not text.startswith("+"):
        digits = digits.lstrip("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def web_domain(text):
    """The domain ``text`` names (``example.com``, ``@example.com``,
    ``https://www.example.com/about``), lower case, else None."""
    candidate = text.strip().lower().removeprefix("@")
    candidate = _SCHEME.sub("", candidate).split("/", 1)[0]
    return candidate if _DOMAIN.match(candidate) else None


def read(text):
    """The ``Terms`` of a searched text (already checked: 2 characters or more)."""
    tidy = _WHITESPACE.sub(" ", text.strip()).lower()
    return Terms(tidy, tuple(tidy.split(" ")), phone_digits(tidy), web_domain(tidy))


def word_clause(expression, word):
    """(SQL, params): ``expression`` holds ``word`` (see the module doc)."""
    escaped = escape_like(word)
    if len(word) >= INSIDE_FROM:
        return f"{expression} ILIKE %s", [f"%{escaped}%"]
    return f"({expression} ILIKE %s OR {expression} ILIKE %s)", [f"{escaped}%", f"% {escaped}%"]


def text_clause(expression, terms):
    """(SQL, params): ``expression`` holds every word of the terms."""
    clauses, params = [], []
    for word in terms.words:
        clause, values = word_clause(expression, word)
        clauses.append(clause)
        params += values
    return "(" + " AND ".join(clauses) + ")", params


def indexable(terms):
    """Whether the trigram index has something selective to look up for
    every word: three letters or digits in a row, or two at the start of a
    word inside it.  (A two-character word is looked up by its word start,
    which the planner weighs rightly: a common one is found sooner by reading
    the table until enough rows matched.)  A phone number's digits always
    give the phone index something."""
    return bool(terms.digits) or all(_TRIGRAM.search(word) for word in terms.words)


@contextlib.contextmanager
def index_scans(conn, terms):
    """A transaction for the probes of ``terms`` (see the module doc)."""
    with conn.transaction():
        if indexable(terms):
            conn.execute("SET LOCAL enable_seqscan = off")
        yield conn


def digits_pattern(terms):
    """The LIKE pattern of the terms' phone digits (None when there are none)."""
    return f"%{terms.digits}%" if terms.digits else None


# -- ranking ------------------------------------------------------------------------------------------------

def _text_quality(terms, value):
    value = _WHITESPACE.sub(" ", value.strip()).lower()
    position = value.find(terms.text)
    if position == 0:
        return EXACT if value == terms.text else PREFIX
    if position < 0:
        return WORDS if len(terms.words) > 1 and all(word in value for word in terms.words) else None
    while position > 0:
        if not value[position - 1].isalnum():
            return WORD
        position = value.find(terms.text, position + 1)
    return INSIDE


def _digits_quality(terms, value):
    digits = _NON_DIGITS.sub("", value)
    if not terms.digits or terms.digits not in digits:
        return None
    if digits == terms.digits or (digits.endswith(terms.digits) and len(digits) - len(terms.digits) <= 3):
        return EXACT  # the whole number, or the number without its country code
    return PREFIX if digits.startswith(terms.digits) else INSIDE


def _domain_quality(terms, value):
    domain = value.rsplit("@", 1)[-1].lower()
    if not terms.domain:
        return None
    if domain == terms.domain:
        return EXACT
    return PREFIX if domain.endswith("." + terms.domain) else None  # a subdomain


COMPARE = {"text": _text_quality, "digits": _digits_quality, "domain": _domain_quality}


def best_match(terms, fields):
    """``(matched, quality, order)`` of the field that matches best; the
    first field with quality UNMATCHED when none does (the database matched
    across fields).

    ``fields``: ``(name, how, value)`` in order of preference, where ``how``
    is "text", "digits" (phone numbers) or "domain" (of an address or a web
    domain) and ``value`` a string, a list of strings or None.  A lower
    quality is better; on a tie the earlier field wins."""
    best = (fields[0][0], UNMATCHED, 0)
    for order, (name, how, value) in enumerate(fields):
        for item in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(item, str) or not item:
                continue
            quality = COMPARE[how](terms, item)
            if quality is not None and (quality, order) < (best[1], best[2]):
                best = (name, quality, order)
    return best


def ranked(candidates, limit):
    """The ``limit`` best of ``(rank key, hit)`` pairs, best first."""
    return [hit for _, hit in sorted(candidates, key=lambda pair: pair[0])[:limit]]


def join(*parts):
    """A subtitle: the parts that are given, joined with ' · '."""
    return " · ".join(str(part) for part in parts if part not in (None, ""))
