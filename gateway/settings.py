"""The gateway's settings: gateway/config.yaml with environment overrides,
completed with defaults and typed."""

from shared.kit.config import load_component_config

DEFAULTS = {
    "DB_SCHEMA": "gateway",
    "DB_POOL_MIN": 1,
    "DB_POOL_MAX": 10,
    "LOG_LEVEL": "INFO",
    "RPC_POOL_SIZE": 8,
    "RPC_TIMEOUT": 30,
    "WEB_FORM_RATE_LIMIT": 20,
    "LOGIN_RATE_LIMIT": 10,
    # Campaign email opens and clicks counted per minute per client IP.
    "TRACKING_RATE_LIMIT": 600,
    "TRUSTED_PROXY_HOPS": 0,
    "TOKEN_CACHE_SECONDS": 10,
    "LOGIN_TOKEN_HOURS": 12,
    # A console session (the crm_session cookie) lasts this long.
    "SESSION_HOURS": 12,
    # Mark the session cookies Secure even on plain HTTP requests (a TLS
    # proxy in front that TRUSTED_PROXY_HOPS does not cover).
    "SESSION_COOKIE_SECURE": False,
    "MAX_BODY_BYTES": 1024 * 1024,
    "IMPORT_MAX_BYTES": 512 * 1024 * 1024,
    # An Idempotency-Key whose first request has run this long without
    # finishing (a crashed process) may be taken over by a repeat.
    "IDEMPOTENCY_CLAIM_SECONDS": 600,
    # How long a request waits for a database connection before a 503.
    "DB_WAIT_SECONDS": 5,
}
INTEGERS = ("DB_POOL_MIN", "DB_POOL_MAX", "RPC_POOL_SIZE", "WEB_FORM_RATE_LIMIT", "LOGIN_RATE_LIMIT",
            "TRACKING_RATE_LIMIT", "TRUSTED_PROXY_HOPS", "LOGIN_TOKEN_HOURS", "MAX_BODY_BYTES", "IMPORT_MAX_BYTES",
            "IDEMPOTENCY_CLAIM_SECONDS", "SESSION_HOURS")
NUMBERS = ("RPC_TIMEOUT", "TOKEN_CACHE_SECONDS", "DB_WAIT_SECONDS")
BOOLEANS = ("SESSION_COOKIE_SECURE",)


class SettingsError(ValueError):
    pass


def load_settings(config=None):
    """``config`` (a dict, e.g. from tests) or gateway/config.yaml, with defaults."""
    settings = {**DEFAULTS, **(load_component_config("gateway") if config is None else config)}
    try:
        for key in INTEGERS:
            settings[key] = int(settings[key])
        for key in NUMBERS:
            settings[key] = float(settings[key])
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"gateway setting {key}={settings[key]!r} is not a number") from exc
    for key in BOOLEANS:
        settings[key] = _boolean(key, settings[key])
    if settings["SESSION_HOURS"] < 1:
        raise SettingsError(f"gateway setting SESSION_HOURS={settings['SESSION_HOURS']!r} must be at least 1")
    return settings


def _boolean(key, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    raise SettingsError(f"gateway setting {key}={value!r} is not true or false")
