"""Signed links of the consent pages (itsdangerous)."""


def unsubscribe_url(config, email_norm, purpose="marketing_email", campaign_id=None):
    """The one-click unsubscribe address for this recipient (``/u/<token>``)."""
    raise NotImplementedError


def preferences_url(config, email_norm):
    """The preference page for this address (``/preferences/<token>``)."""
    raise NotImplementedError
