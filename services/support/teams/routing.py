"""Routing rules as data, evaluated without a database.

A rule holds lists of channels, account types, tags and keywords; an empty
list is no condition.  A case matches a rule when every non-empty list has a
hit: its channel is one of the channels, its account's type one of the
types, one of its tags one of the tags (letter case ignored), one of the
keywords a whole word or phrase of its subject or description (letter case
ignored; "refund" matches "Refund, please" but not "refunded").  Rules are
tried in position order and the first match wins."""

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def keyword_pattern(keyword):
    """A keyword (or phrase: its words separated by any whitespace) as a
    whole-word, case-insensitive pattern."""
    words = [re.escape(word) for word in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def has_keyword(keywords, *texts):
    text = "\n".join(part for part in texts if part)
    return any(word.strip() and keyword_pattern(word.strip()).search(text) for word in keywords)


def facts_of(case, account_type=None):
    """What the rules look at, from a case (or a case-like input)."""
    return {
        "channel": case.get("channel"),
        "account_type": account_type if account_type is not None else case.get("account_type"),
        "tags": {tag.lower() for tag in case.get("tags") or () if isinstance(tag, str)},
        "subject": case.get("subject") or "",
        "description": case.get("description") or "",
    }


def matches(rule, facts):
    if rule.get("channels") and facts["channel"] not in rule["channels"]:
        return False
    if rule.get("account_types") and facts["account_type"] not in rule["account_types"]:
        return False
    if rule.get("tags") and not facts["tags"] & {tag.lower() for tag in rule["tags"]}:
        return False
    return not rule.get("keywords") or has_keyword(rule["keywords"], facts["subject"], facts["description"])


def first_match(rules, facts):
    """The first rule (in the given order) that ``facts`` match, or None."""
    return next((rule for rule in rules if matches(rule, facts)), None)
