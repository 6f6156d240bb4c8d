"""The survey settings of the running service.

``case_resolved`` is called by the cases area with a connection only, so
the settings it needs (the signing key, the public address, the link's
life) come from here: the config the service was started with when one of
this area's entrypoints registered it (``use``), otherwise the service's
config file with the environment's overrides, which is what the service
itself was started from."""

import functools

from shared.kit.config import load_component_config

_registered = {}


def use(config):
    """Remember the running service's config (its entrypoints call this)."""
    _registered["config"] = config


@functools.cache
def _from_environment():
    return load_component_config("support")


def current(config=None):
    return config or _registered.get("config") or _from_environment()


def secret(config):
    return str(config.get("SURVEY_SECRET") or "")


def valid_days(config):
    return int(config.get("SURVEY_VALID_DAYS") or 14)


def low_csat(config):
    return int(config.get("SURVEY_LOW_CSAT") if config.get("SURVEY_LOW_CSAT") is not None else 2)


def follow_up_hours(config):
    return int(config.get("SURVEY_FOLLOW_UP_HOURS") or 24)


def public_url(config):
    return str(config.get("PUBLIC_URL") or "http://127.0.0.1:8080")
