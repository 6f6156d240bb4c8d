"""JSON for what the kit writes (outbox bodies, jsonb parameters, RPC
replies): orjson, which is fast, with the standard library as the fallback
for what orjson refuses, above all integers beyond 64 bits.  PostgreSQL
returns a large jsonb number such as ``-1.5889545014284868e+128`` as a
129-digit integer; orjson alone would fail on every later write of the
record that holds it."""

import json

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps_bytes(value):
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(value):
    return dumps_bytes(value).decode()

