"""The cases area's settings (REOPEN_DAYS, AUTO_CLOSE_DAYS).

``add_message`` and ``close_stale_resolved`` are called by other areas (the
mail poller, the SLA sweep) with a connection only, so the settings come
from here: the config the running service registered (``use``, called by
this area's entrypoints), else the service's config file with the
environment's overrides, which is what the service was started from."""

import functools

from shared.kit.config import load_component_config

_registered = {}


def use(config):
    """Remember the running service's config."""
    _registered["config"] = config


@functools.cache
def _from_environment():
    return load_component_config("support")


def current():
    return _registered.get("config") or _from_environment()


def reopen_days(config=None):
    """A customer's reply reopens a resolved case within this many days."""
    return int((config or current()).get("REOPEN_DAYS") or 7)


def auto_close_days(config=None):
    """A resolved case closes by itself after this many days."""
    return int((config or current()).get("AUTO_CLOSE_DAYS") or 14)
