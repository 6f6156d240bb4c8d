"""Tracking links: the open pixel (``/t/o/<token>.gif``) and click links
(``/t/c/<token>``) of campaign emails.

A token is what the link records, signed with CAMPAIGNS_SECRET
(itsdangerous, URL-safe, a salt per kind): the campaign, the person, the
email it came in (a send recipient's id, when the sending area gives one)
and, for a click, the target address.  The target travels inside the
signature, so the redirect only ever goes where a campaign email pointed:
an altered or forged token is refused (404), and the gateway is no open
redirect.

The sending area passes each email's sanitised HTML part through
``instrument``: its links become click links (but for the unsubscribe and
preference links) and an open pixel is added at its end."""

import html as html_lib
import re
import uuid
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer

OPEN_SALT = "crm.campaigns.track.open"
CLICK_SALT = "crm.campaigns.track.click"
TOKEN_MAX = 3000
URL_MAX = 2000
TRACKABLE_SCHEMES = ("http", "https")


def _serializer(config, salt):
    secret = str(config.get("CAMPAIGNS_SECRET") or "")
    if not secret:
        raise ValueError("CAMPAIGNS_SECRET is not set: tracking links cannot be signed.")
    return URLSafeSerializer(secret, salt=salt)


def _base(config):
    return str(config.get("PUBLIC_URL") or "http://127.0.0.1:8080").rstrip("/")


def _ids(campaign_id, person_id, email_id):
    return [str(uuid.UUID(str(campaign_id))), str(uuid.UUID(str(person_id))),
            None if email_id is None else str(uuid.UUID(str(email_id)))]


def trackable(url):
    """Whether a link can be tracked: an absolute http(s) address of reasonable length."""
    if not isinstance(url, str) or len(url) > URL_MAX:
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in TRACKABLE_SCHEMES and bool(parts.netloc)


def open_token(config, campaign_id, person_id, email_id=None):
    return _serializer(config, OPEN_SALT).dumps(_ids(campaign_id, person_id, email_id))


def click_token(config, campaign_id, person_id, url, email_id=None):
    if not trackable(url):
        raise ValueError(f"not a trackable link: {url!r}")
    return _serializer(config, CLICK_SALT).dumps([*_ids(campaign_id, person_id, email_id), url])


def open_url(config, campaign_id, person_id, email_id=None):
    """The address of the 1x1 open pixel of one email."""
    return f"{_base(config)}/t/o/{open_token(config, campaign_id, person_id, email_id)}.gif"


def click_url(config, campaign_id, person_id, url, email_id=None):
    """``url`` wrapped in a click-tracking link; a link that cannot be
    tracked (mailto:, a relative or overlong address) comes back as it was."""
    if not trackable(url):
        return url
    return f"{_base(config)}/t/c/{click_token(config, campaign_id, person_id, url, email_id)}"


def _read(config, salt, token, length):
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return None
    try:
        value = _serializer(config, salt).loads(token)
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, list) or len(value) != length:
        return None
    try:
        ids = _ids(*value[:3])
    except (ValueError, TypeError, AttributeError):
        return None
    return {"campaign_id": ids[0], "person_id": ids[1], "email_id": ids[2]}, value[3:]


def read_open(config, token):
    """``{campaign_id, person_id, email_id}`` of an open token, or None when
    this service did not sign it."""
    found = _read(config, OPEN_SALT, token, 3)
    return None if found is None else found[0]


def read_click(config, token):
    """``{campaign_id, person_id, email_id, url}`` of a click token, or None."""
    found = _read(config, CLICK_SALT, token, 4)
    if found is None or not trackable(found[1][0]):
        return None
    return {**found[0], "url": found[1][0]}


_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.IGNORECASE)


def instrument(config, html, campaign_id, person_id, email_id=None, keep=()):
    """The HTML part of one email with click tracking on its http(s) links
    (those in ``keep``, the unsubscribe and preference links, stay as they
    are) and the open pixel at its end.  ``html`` is sanitised HTML (nh3
    writes every attribute in double quotes, entities escaped)."""
    if not html:
        return html
    kept = set(keep)

    def wrap(match):
        url = html_lib.unescape(match.group(2))
        if url in kept or not trackable(url):
            return match.group(0)
        tracked = click_url(config, campaign_id, person_id, url, email_id)
        return f"{match.group(1)}{html_lib.escape(tracked, quote=True)}{match.group(3)}"

    pixel = (f'<img src="{html_lib.escape(open_url(config, campaign_id, person_id, email_id), quote=True)}"'
             ' width="1" height="1" alt="" style="display:block;border:0">')
    return _HREF.sub(wrap, html) + pixel
