"""Keyset pagination: opaque cursors that carry the last row's sort key.

A list describes its sort once, as a ``KeysetOrder`` (the sort columns with
their SQL types, all ascending or all descending, the last one unique), and
gets a page with ``keyset_page``::

    NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)

    rows, next_cursor = keyset_page(conn, "SELECT * FROM leads", where, params, NEWEST_FIRST, cursor, limit)
"""

import base64
import uuid
from datetime import datetime

from shared.schemas.errors import ValidationFailed

SEPARATOR = "|"


def _aware_datetime(text):
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a timestamptz cursor part without a time zone")
    return value


def _integer(bits):
    def load(text):
        value = int(text)
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            raise ValueError(f"out of range for a {bits}-bit integer")
        return value
    return load


def _encode_text(value):
    return base64.urlsafe_b64encode(value.encode()).decode()


def _decode_text(text):
    value = base64.urlsafe_b64decode(text.encode()).decode()
    if "\x00" in value:
        raise ValueError("PostgreSQL text holds no NUL")
    return value


# SQL type -> (the cursor part of a row's value, the value of a cursor part).
# A part never contains the separator (text is base64: a name may hold it).
TYPES = {
    "timestamptz": (datetime.isoformat, _aware_datetime),
    "uuid": (str, uuid.UUID),
    "bigint": (str, _integer(64)),
    "integer": (str, _integer(32)),
    "text": (_encode_text, _decode_text),
}


def _invalid_cursor():
    return ValidationFailed("The cursor is not one this API returned.", {"cursor": ["Invalid cursor."]})


class KeysetOrder:
    """The sort of a keyset-paged list: ``columns`` are (column, SQL type)
    pairs, most significant first, the last unique; all ascending, or all
    descending (a row comparison has one direction).  The columns are in the
    selected rows under their own names."""

    def __init__(self, *columns, descending=False):
        unknown = [sql_type for _, sql_type in columns if sql_type not in TYPES]
        if not columns or unknown:
            raise ValueError(f"keyset columns need a type of {sorted(TYPES)}: {columns}")
        self.columns = columns
        names = ", ".join(column for column, _ in columns)
        placeholders = ", ".join(f"%s::{sql_type}" for _, sql_type in columns)
        direction = " DESC" if descending else ""
        self.order_by = ", ".join(f"{column}{direction}" for column, _ in columns)
        # The rows after the cursor's in this order.
        self.after = f"({names}) {'<' if descending else '>'} ({placeholders})"

    def cursor(self, row):
        """The cursor of the rows after ``row``."""
        # Each part ends with the separator, so no cursor is empty (that asks for the first page).
        text = "".join(TYPES[sql_type][0](row[column]) + SEPARATOR for column, sql_type in self.columns)
        return base64.urlsafe_b64encode(text.encode()).decode()

    def values(self, cursor):
        """The typed sort key in a cursor this API returned; 422 on ``cursor``
        for anything else."""
        try:
            parts = base64.urlsafe_b64decode(cursor.encode()).decode().split(SEPARATOR)[:-1]
            # zip(strict=True): a ValueError unless there is a part for each column.
            key = {column: TYPES[sql_type][1](part)
                   for (column, sql_type), part in zip(self.columns, parts, strict=True)}
        except (AttributeError, TypeError, ValueError):  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise _invalid_cursor() from None
        # Only the very text this API writes for these values.
        if self.cursor(key) != cursor:
            raise _invalid_cursor()
        return list(key.values())


def keyset_page(conn, select_sql, where, params, order, cursor, limit):
    """``(rows, next_cursor)``: up to ``limit`` rows of ``select_sql`` (a
    ``SELECT ... FROM ...`` with no WHERE) that meet every condition of
    ``where`` (SQL with ``%s`` placeholders for ``params``), after
    ``cursor`` (None: from the start) in ``order`` (a KeysetOrder);
    ``next_cursor`` is None on the last page."""
    where, params = list(where), list(params)
    if cursor:
        where.append(order.after)
        params += order.values(cursor)
    sql = select_sql + (" WHERE " + " AND ".join(where) if where else "")
    rows = conn.execute(f"{sql} ORDER BY {order.order_by} LIMIT %s", (*params, limit + 1)).fetchall()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, order.cursor(rows[-1])
    return rows, None
