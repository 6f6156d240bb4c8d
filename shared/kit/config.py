"""Configuration: one YAML file per component, overridden by the environment.

Values may be written as ``${NAME}`` or ``${NAME:default}``; the environment
variable wins, the default applies otherwise.  A value that is entirely a
placeholder is typed after substitution (bools and numbers), so ``${DB_POOL_MAX:10}``
yields an int.  Secrets (passwords inside ``DATABASE_URL`` or ``AMQP_URI``)
only ever come from the environment.
"""

import os
import re

import yaml

from shared.kit.paths import config_path

_PLACEHOLDER = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<default>[^}]*))?\}")

REQUIRED_KEYS = ("SERVICE_NAME", "AMQP_URI", "DATABASE_URL", "DB_SCHEMA")


class ConfigError(Exception):
    pass


def _lookup(match, environ):
    name, default = match.group("name"), match.group("default")
    if name in environ:
        return environ[name]
    if default is None:
        raise ConfigError(f"environment variable {name} must be set")
    return default


def _scalar(text):
    """Type a substituted value: bools and numbers, anything else stays text."""
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _substitute(value, environ):
    if isinstance(value, dict):
        return {key: _substitute(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, environ) for item in value]
    if not isinstance(value, str):
        return value
    whole = _PLACEHOLDER.fullmatch(value)
    if whole:
        return _scalar(_lookup(whole, environ))
    return _PLACEHOLDER.sub(lambda match: _lookup(match, environ), value)


def load_config(path, environ=None):
    """Load a YAML config file and apply environment substitution."""
    environ = os.environ if environ is None else environ
    with open(path) as handle:
        raw = yaml.safe_load(handle) or {}
    config = _substitute(raw, environ)
    missing = [key for key in REQUIRED_KEYS if not config.get(key)]
    if missing:
        raise ConfigError(f"{path}: missing keys {', '.join(missing)}")
    return config


def load_component_config(name, environ=None):
    """Load ``<component>/config.yaml``, or the file named by ``CRM_CONFIG``."""
    environ = os.environ if environ is None else environ
    return load_config(environ.get("CRM_CONFIG") or config_path(name), environ)
