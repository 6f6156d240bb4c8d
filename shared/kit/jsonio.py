"""JSON for what the kit writes (outbox bodies, jsonb parameters, RPC
replies): orjson, which is fast, with the standard library as the fallback
for what orjson refuses, above all integers beyond 64 bits.  PostgreSQL
returns a large jsonb number such as ``-1.5889545014284868e+128`` as a
129-digit integer; orjson alone would fail on every later write of the
record that holds it."""

import json

import orjson
from kombu.utils import json as kombu_json

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps_bytes(value):
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(value):
    return dumps_bytes(value).decode()



# Plain JSON types only: a datetime, a Decimal or a big integer is left to
# kombu's encoder, which marks its type the way nameko's clients decode it.
_MESSAGE_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _not_plain(value):
    raise TypeError(type(value).__name__)


def dumps_message(value):
    """A message body (RPC request or reply) as kombu's JSON serializer
    would write it, in most cases much faster."""
    try:
        return orjson.dumps(value, option=_MESSAGE_OPTIONS, default=_not_plain)
    except TypeError:
        return kombu_json.dumps(value).encode()


def loads_message(data):
    """A message body written by kombu's JSON serializer (or dumps_message)."""
    return kombu_json.loads(data)
