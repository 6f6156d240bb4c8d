"""Signed links of the consent pages (itsdangerous), each kind with its own
salt, so a token of one kind never opens another's page:

- ``/u/<token>``: one-click unsubscribe of an address from a purpose (and
  the campaign whose email carried it); never expires: an unsubscribe link
  must work as long as the email is read.
- ``/preferences/<token>``: the preference page of an address; never expires.
- ``/confirm/<token>``: a double opt-in request's id, timed: good for
  CONFIRM_VALID_DAYS (an older one is ``Expired``, and still names its
  request, so the page can offer to mail a new link).
- the preference page's form token: the address, timed (a day), which the
  form posts back (a form made elsewhere does not carry it).

The secret is CAMPAIGNS_SECRET; the links start with PUBLIC_URL.
"""

import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from shared.schemas.campaigns.consent import PURPOSES

SALTS = {"unsubscribe": "crm.campaigns.consent.unsubscribe", "preferences": "crm.campaigns.consent.preferences",
         "confirm": "crm.campaigns.consent.confirm", "form": "crm.campaigns.consent.preferences-form"}
FORM_VALID_SECONDS = 24 * 3600
MAX_TOKEN = 600


class Expired(Exception):
    """A confirmation link past its validity; ``request_id`` is the request it names."""

    def __init__(self, request_id):
        super().__init__(request_id)
        self.request_id = request_id


def secret(config):
    value = str(config.get("CAMPAIGNS_SECRET") or "")
    if not value:
        raise ValueError("CAMPAIGNS_SECRET is not set: consent links cannot be signed.")
    return value


def public_url(config):
    return str(config.get("PUBLIC_URL") or "http://127.0.0.1:8080").rstrip("/")


def confirm_valid_days(config):
    return int(config.get("CONFIRM_VALID_DAYS") or 7)


def _plain(config, kind):
    return URLSafeSerializer(secret(config), salt=SALTS[kind])


def _timed(config, kind):
    return URLSafeTimedSerializer(secret(config), salt=SALTS[kind])


def _usable(token):
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN


# Unsubscribe ------------------------------------------------------------------

def unsubscribe_token(config, email_norm, purpose="marketing_email", campaign_id=None):
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return _plain(config, "unsubscribe").dumps([email_norm, purpose, str(campaign_id) if campaign_id else None])


def unsubscribe_url(config, email_norm, purpose="marketing_email", campaign_id=None):
    """The one-click unsubscribe address for this recipient (``/u/<token>``)."""
    return f"{public_url(config)}/u/{unsubscribe_token(config, email_norm, purpose, campaign_id)}"


def unsubscribe_of(config, token):
    """``(email_norm, purpose, campaign_id)`` of an unsubscribe token, or
    None when this secret did not sign it (altered, cut, another kind)."""
    if not _usable(token):
        return None
    try:
        email_norm, purpose, campaign_id = _plain(config, "unsubscribe").loads(token)
        if not isinstance(email_norm, str) or purpose not in PURPOSES:
            return None
        return email_norm, purpose, str(uuid.UUID(campaign_id)) if campaign_id else None
    except (BadSignature, ValueError, TypeError, AttributeError):
        return None


# Preferences ------------------------------------------------------------------

def preferences_token(config, email_norm):
    return _plain(config, "preferences").dumps(email_norm)


def preferences_url(config, email_norm):
    """The preference page for this address (``/preferences/<token>``)."""
    return f"{public_url(config)}/preferences/{preferences_token(config, email_norm)}"


def preferences_of(config, token):
    """The address of a preferences token, or None."""
    if not _usable(token):
        return None
    try:
        email_norm = _plain(config, "preferences").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return email_norm if isinstance(email_norm, str) else None


def form_token(config, email_norm):
    return _timed(config, "form").dumps(email_norm)


def form_token_fits(config, token, email_norm):
    """Whether the preference form's token was given out for this address within FORM_VALID_SECONDS."""
    if not _usable(token):
        return False
    try:
        return _timed(config, "form").loads(token, max_age=FORM_VALID_SECONDS) == email_norm
    except (BadSignature, ValueError, TypeError):
        return False


# Double opt-in confirmation ---------------------------------------------------

def confirm_token(config, request_id, signed_at=None):
    """The confirmation link's token; ``signed_at`` (seconds since the epoch) only for tests of expiry."""
    serializer = _timed(config, "confirm")
    if signed_at is not None:
        signer = serializer.make_signer(serializer.salt)
        signer.get_timestamp = lambda: int(signed_at)
        return signer.sign(serializer.dump_payload(str(request_id))).decode()
    return serializer.dumps(str(request_id))


def confirm_url(config, request_id):
    return f"{public_url(config)}/confirm/{confirm_token(config, request_id)}"


def _request_id(value):
    return str(uuid.UUID(value)) if isinstance(value, str) else None


def confirmation_of(config, token, allow_expired=False):
    """The request id of a confirmation token; None when not signed by this
    secret; ``Expired`` when older than CONFIRM_VALID_DAYS (unless
    ``allow_expired``)."""
    if not _usable(token):
        return None
    serializer = _timed(config, "confirm")
    try:
        return _request_id(serializer.loads(token, max_age=confirm_valid_days(config) * 86400))
    except SignatureExpired as exc:
        try:
            request_id = _request_id(serializer.load_payload(exc.payload))
        except (BadSignature, ValueError, TypeError):
            return None
        if request_id is None:
            return None
        if allow_expired:
            return request_id
        raise Expired(request_id) from None
    except (BadSignature, ValueError, TypeError):
        return None
