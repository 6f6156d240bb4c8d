"""Normalised forms of account names, web domains and emails: the match keys
of account and contact dedup.  They find duplicates; what people typed is
kept and shown (except the domain, which is stored in its normalised form).

``normalize_name(s)``
    Fold compatibility forms (NFKD: full-width ``ＡＣＭＥ`` is ``acme``),
    case-fold, strip accents (combining marks U+0300-U+036F only), turn ``&``
    into ``and``, delete dots and apostrophes (``S.A.`` is ``sa``), replace any
    other punctuation, symbol, space or control character with a space, drop
    trailing legal-form suffixes (``Inc``, ``Ltd``, ``GmbH``, ``LLC``,
    ``S.A.``, ... ``LEGAL_SUFFIXES``; several in a row such as ``GmbH & Co.
    KG`` all go, but a name is never reduced to nothing) and collapse
    whitespace.  When nothing but punctuation is left, the name itself,
    case-folded with whitespace collapsed.  ``None`` for an empty name.

``normalize_domain(s)``
    Lower-case; drop a scheme (``https://``), credentials, port, path, query
    and fragment, a trailing dot and leading ``www.`` labels; an
    internationalised name becomes its ASCII (punycode) form.  ``None`` when
    empty or not a plausible host name: at least two labels of letters,
    digits and inner hyphens, 1-63 characters each, a non-numeric top label,
    253 characters at most (so IP addresses are no domains).

``normalize_email(s)``
    The platform's email key, from ``shared.kit.normalize`` (stripped and
    lower-cased; ``None`` when empty or implausible, see there).

``domain_from_email(s)``
    The normalised domain of an email address, or ``None`` for free-mail and
    consumer providers (gmail.com, outlook.com, yahoo.co.uk, ...: a person's
    mailbox says nothing about their company).
"""

import re

from shared.kit.normalize import collapse_whitespace, name_key, normalize_email

__all__ = [
    "FREE_MAIL_DOMAINS", "LEGAL_SUFFIXES", "domain_from_email", "is_free_mail", "normalize_domain",
    "normalize_email", "normalize_name",
]

LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation", "co",
        "company", "gmbh", "ag", "kg", "kgaa", "ug", "ev", "mbh", "sa", "sas", "sarl", "srl", "spa", "sl",
        "bv", "nv", "pty", "ab", "oy", "oyj", "as", "asa", "aps", "kk", "pte", "pvt", "sro",
    }
)  # fmt: skip

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "passport.com",
        "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "aim.com", "icloud.com", "me.com", "mac.com",
        "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tuta.io", "fastmail.com",
        "hey.com", "zoho.com", "zohomail.com", "mail.com", "email.com", "gmx.com", "gmx.net", "gmx.de",
        "gmx.at", "gmx.ch", "web.de", "t-online.de", "freenet.de", "posteo.de", "mailbox.org", "yandex.com",
        "yandex.ru", "ya.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "qq.com", "163.com",
        "126.com", "yeah.net", "sina.com", "naver.com", "hanmail.net", "daum.net", "rediffmail.com",
        "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "libero.it", "virgilio.it", "alice.it",
        "tiscali.it", "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "btinternet.com", "sky.com",
        "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net", "charter.net",
        "earthlink.net", "juno.com", "optonline.net", "shaw.ca", "rogers.com", "sympatico.ca", "bigpond.com",
        "optusnet.com.au", "telstra.com", "xtra.co.nz", "uol.com.br", "bol.com.br", "terra.com.br",
    }
)  # fmt: skip

# Providers with a domain per country (hotmail.fr, yahoo.co.jp, gmx.ch, ...):
# the first label decides when the rest is a (country) top-level domain.
_FREE_MAIL_BRANDS = frozenset(
    {"gmail", "googlemail", "hotmail", "outlook", "live", "yahoo", "ymail", "aol", "gmx", "yandex", "icloud"}
)

_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_name(s):
    """An account name's match key (see the module doc), or None if empty."""
    if not s or not isinstance(s, str) or not s.strip():
        return None
    return name_key(s, LEGAL_SUFFIXES) or collapse_whitespace(s.casefold())


def normalize_domain(s):
    """A web domain's normalised form (see the module doc), or None."""
    if not s or not isinstance(s, str):
        return None
    host = s.strip().lower()
    host = _SCHEME_RE.sub("", host)
    if host.startswith("//"):
        host = host[2:]
    for separator in "/?#\\":
        host = host.split(separator, 1)[0]
    host = host.rsplit("@", 1)[-1]  # credentials
    host = host.split(":", 1)[0]  # port
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = host.split(".")
    while len(labels) > 2 and labels[0] == "www":
        labels.pop(0)
    if len(labels) < 2 or labels[0] in ("www", ""):
        return None
    if not all(_LABEL_RE.match(label) for label in labels) or labels[-1].isdigit():
        return None
    host = ".".join(labels)
    return host if len(host) <= 253 else None


def is_free_mail(domain):
    """Whether a normalised domain belongs to a free-mail or consumer provider."""
    if not domain:
        return False
    if domain in FREE_MAIL_DOMAINS:
        return True
    labels = domain.split(".")
    # hotmail.fr, yahoo.co.uk, gmx.ch: a brand followed by a (country) TLD
    return labels[0] in _FREE_MAIL_BRANDS and len(labels) <= 3 and all(len(label) <= 3 for label in labels[1:])


def domain_from_email(s):
    """The company domain an email address suggests, or None (free mail,
    empty or implausible address)."""
    address = normalize_email(s)
    if address is None:
        return None
    domain = normalize_domain(address.rsplit("@", 1)[1])
    return None if is_free_mail(domain) else domain
