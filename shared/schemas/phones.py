"""Phone numbers: what people type, read as E.164 (``+442079460958``) with
the record's country as the default region.

A record keeps both: the number in E.164 (for dialling, matching and
deduplication) and the text as it was given (``phone_text``,
``phones_text``), which may hold an extension or the way the person wrote it.

``e164(text, region)``
    The number in E.164, or None when the text reads as no possible number
    (Google's libphonenumber, through ``phonenumbers``: the length fits the
    country's numbering plan; whether the number is assigned is not asked).
    A number given with its country code (``+44 20 7946 0958``) needs no
    region; a national one (``020 7946 0958``) is read in ``region``, the
    record's ISO 3166-1 country (any letter case).  Without a region, a
    number starting with the international prefix ``00`` is read as ``+``.
    Extensions are not part of E.164: they stay in the text only.  Results
    are cached (a CSV import reads each number when it checks a row and
    again when it stores it).
"""

from functools import lru_cache

import phonenumbers
from marshmallow import ValidationError

__all__ = [
    "CONTACT_PHONE_HELP", "PHONE_DESCRIPTION", "PHONE_EXAMPLE", "PHONE_HELP", "check_phone", "e164", "international",
    "phone_help",
]

PHONE_EXAMPLE = "+44 20 7946 0958"
PHONE_HELP = f"Give the number with its country code, e.g. {PHONE_EXAMPLE}, or set the country."
CONTACT_PHONE_HELP = (f"Give the number with its country code, e.g. {PHONE_EXAMPLE}, or set the country of the "
                      "contact's account.")
PHONE_DESCRIPTION = (f"A phone number: with its country code ({PHONE_EXAMPLE}), or national when the record has a "
                     "country (020 7946 0958 with country GB). Stored in E.164 (+442079460958); the text as given is "
                     "kept too. Text that reads as no possible number is refused (422).")
_FULL_WIDTH_PLUS = "\uff0b"


@lru_cache(maxsize=8192)
def e164(text, region=None):
    """``text`` as an E.164 number, or None (see the module doc)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text:
        return None
    region = region.upper() if isinstance(region, str) and region else None
    if region is None and text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_help(text, region, general=PHONE_HELP):
    """How to fix ``text`` that reads as no number: a national number in a
    known country is checked against that country's plan, so say so."""
    if isinstance(region, str) and region and not international(text):
        return (f"This is not a possible phone number in {region.upper()}: check the digits, or give it with its "
                f"country code, e.g. {PHONE_EXAMPLE}.")
    return general


def international(text):
    """Whether ``text`` gives its country code (``+...``), so that no region
    is needed to read it."""
    return isinstance(text, str) and text.lstrip(" \t(").startswith(("+", _FULL_WIDTH_PLUS))


def check_phone(data, field="phone", country_field="country"):
    """For a schema's ``validates_schema``: a ValidationError on ``field``
    when its text reads as no number in the record's country (the loaded
    ``country_field``)."""
    text = data.get(field)
    if text and e164(text, data.get(country_field)) is None:
        raise ValidationError(phone_help(text, data.get(country_field)), field)
