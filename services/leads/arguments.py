"""RPC arguments every area of the leads service loads the same way."""

from shared.kit.validation import load_uuid, whole_number


def load_id(value):
    return load_uuid(value, "lead or job id")


def bounded(limit, maximum=500):
    return max(1, min(whole_number(limit or 50, "limit", 1), maximum))
