"""The survey link's token: the survey's id signed with SURVEY_SECRET
(itsdangerous, URL-safe), so a link cannot be guessed or altered.  How long
it is good for and whether it was used are the database's to say (the
survey row's ``expires_at`` and ``status``): a token has no clock of its
own, and single use must hold across replicas."""

import uuid

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "crm.support.survey"


def _serializer(secret):
    if not secret:
        raise ValueError("SURVEY_SECRET is not set: survey links cannot be signed.")
    return URLSafeSerializer(str(secret), salt=SALT)


def sign(secret, survey_id):
    """The token of the survey's link."""
    return _serializer(secret).dumps(str(survey_id))


def survey_id_of(secret, token):
    """The survey id the token carries, or None when it is not a token this
    secret signed (tampered, truncated, another key)."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = _serializer(secret).loads(token)
        return str(uuid.UUID(value))
    except (BadSignature, ValueError, TypeError, AttributeError):
        return None


def link(public_url, token):
    return f"{str(public_url).rstrip('/')}/survey/{token}"
