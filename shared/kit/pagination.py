"""Keyset pagination: opaque cursors that carry the last row's sort key.

A list describes its sort once, as a ``KeysetOrder`` (the sort columns with
their SQL types, all ascending or all descending, the last one unique), and
gets a page with ``keyset_page``::

    NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)

    rows, next_cursor = keyset_page(conn, "SELECT * FROM leads", where, params, NEWEST_FIRST, cursor, limit)

A cursor is URL-safe base64 without padding.  A list with several sorts
names each one (``name``, what its ``sort`` parameter says); a named
order's cursors start with its name, so a cursor of one sort is refused by
another instead of paging it wrongly.  ``both_ways`` makes the two sorts of
one column::

    SORTS = {**both_ways("created_at", "created_at", "timestamptz"), **both_ways("name", "sort_name", "text")}
"""

import base64
import re
import uuid
from datetime import date, datetime

from shared.schemas.errors import ValidationFailed

SEPARATOR = "|"
# A NULL first column in a cursor of an order with ``nulls_last`` (no type's part looks like it).
NULL_PART = "~"
# What a sort's name looks like (``-created_at``).
SORT_NAME = re.compile(r"^-?[a-z][a-z0-9_]*$")


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
    "date": (date.isoformat, date.fromisoformat),
    "bigint": (str, _integer(64)),
    "integer": (str, _integer(32)),
    "text": (_encode_text, _decode_text),
}


def _invalid_cursor():
    return ValidationFailed("The cursor is not one this API returned.", {"cursor": ["Invalid cursor."]})


def _cursor_of_another_sort():
    return ValidationFailed(
        "The cursor continues another sort: send it with the sort it came from, or leave it out to start this "
        "sort from its first page.", {"cursor": ["The cursor belongs to another sort."]})


class KeysetOrder:
    """The sort of a keyset-paged list: ``columns`` are (column, SQL type)
    pairs, most significant first, the last unique; all ascending, or all
    descending (a row comparison has one direction).  The columns are in the
    selected rows under their own names.

    ``name``: the sort's name; its cursors start with it, and a cursor of
    another name is refused.  ``nulls_last``: the first column may be NULL;
    those rows come after all the others in either direction, in the order of
    the other columns (the first column's index, on all the columns, serves
    both parts)."""

    def __init__(self, *columns, descending=False, name=None, nulls_last=False):
        unknown = [sql_type for _, sql_type in columns if sql_type not in TYPES]
        if not columns or unknown:
            raise ValueError(f"keyset columns need a type of {sorted(TYPES)}: {columns}")
        if name is not None and not SORT_NAME.match(name):
            raise ValueError(f"a sort's name is lower-case letters, digits and _, after an optional -: {name!r}")
        if nulls_last and len(columns) < 2:
            raise ValueError("nulls_last needs a column after the first to order the NULL rows by")
        self.columns = columns
        self.name = name
        self.descending = descending
        self.nulls_last = nulls_last
        direction = " DESC" if descending else ""
        self.order_by = ", ".join(f"{column}{direction}" for column, _ in columns)
        # The rows after the cursor's in this order (a NULL first column is never after one).
        self.after = self._after(columns)
        # With nulls_last: the NULL rows after a cursor's NULL row.
        self.after_null = self._after(columns[1:]) if nulls_last else None

    def _after(self, columns):
        names = ", ".join(column for column, _ in columns)
        placeholders = ", ".join(f"%s::{sql_type}" for _, sql_type in columns)
        return f"({names}) {'<' if self.descending else '>'} ({placeholders})"

    def _part(self, index, value):
        if value is None and index == 0 and self.nulls_last:
            return NULL_PART
        return TYPES[self.columns[index][1]][0](value)

    def _value(self, index, part):
        if part == NULL_PART and index == 0 and self.nulls_last:
            return None
        return TYPES[self.columns[index][1]][1](part)

    def cursor(self, row):
        """The cursor of the rows after ``row``."""
        # Each part ends with the separator, so no cursor is empty (that asks for the first page).
        parts = [self._part(index, row[column]) for index, (column, _) in enumerate(self.columns)]
        text = "".join(part + SEPARATOR for part in ([self.name] if self.name else []) + parts)
        # URL-safe base64 without its padding: only characters a URL carries as they are.
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def values(self, cursor):
        """The typed sort key in a cursor this API returned; 422 on ``cursor``
        for anything else (a cursor of another sort says so)."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            parts = base64.urlsafe_b64decode(padded.encode()).decode().split(SEPARATOR)[:-1]
            if self.name:
                if not parts or parts[0] != self.name:
                    # Another sort's name, then a key: a cursor of that sort.
                    another = len(parts) > 1 and SORT_NAME.match(parts[0]) and all(parts[1:])
                    raise _cursor_of_another_sort() if another else _invalid_cursor()
                parts = parts[1:]
            # zip(strict=True): a ValueError unless there is a part for each column.
            key = {column: self._value(index, part)
                   for index, ((column, _), part) in enumerate(zip(self.columns, parts, strict=True))}
        except (AttributeError, TypeError, ValueError):  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise _invalid_cursor() from None
        # Only the very text this API writes for these values.
        if self.cursor(key) != cursor:
            raise _invalid_cursor()
        return list(key.values())

    def steps(self, cursor):
        """The queries of a page after ``cursor`` (None: the first page), in
        order: ``(conditions, params)`` each, read until the page is full."""
        key = self.values(cursor) if cursor else None
        if not self.nulls_last:
            return [([self.after], key)] if key else [([], [])]
        first = self.columns[0][0]
        if key is None:
            return [([f"{first} IS NOT NULL"], []), ([f"{first} IS NULL"], [])]
        if key[0] is None:
            return [([f"{first} IS NULL", self.after_null], key[1:])]
        return [([self.after], key), ([f"{first} IS NULL"], [])]


def both_ways(sort, column, sql_type, tie=("id", "uuid"), nulls_last=False):
    """The two sorts of one column, ``tie`` (unique) breaking ties: ``sort``
    ascending and ``-sort`` descending, each named so."""
    return {sort: KeysetOrder((column, sql_type), tie, name=sort, nulls_last=nulls_last),
            f"-{sort}": KeysetOrder((column, sql_type), tie, descending=True, name=f"-{sort}",
                                    nulls_last=nulls_last)}


def keyset_page(conn, select_sql, where, params, order, cursor, limit):
    """``(rows, next_cursor)``: up to ``limit`` rows of ``select_sql`` (a
    ``SELECT ... FROM ...`` with no WHERE) that meet every condition of
    ``where`` (SQL with ``%s`` placeholders for ``params``), after
    ``cursor`` (None: from the start) in ``order`` (a KeysetOrder);
    ``next_cursor`` is None on the last page.  With ``nulls_last`` a page
    may take two statements: the rows with a key, then those without."""
    rows = []
    for conditions, values in order.steps(cursor):  # a cursor is checked before any query
        step_where = [*where, *conditions]
        sql = select_sql + (" WHERE " + " AND ".join(step_where) if step_where else "")
        rows += conn.execute(f"{sql} ORDER BY {order.order_by} LIMIT %s",
                             (*params, *values, limit + 1 - len(rows))).fetchall()
        if len(rows) > limit:
            rows = rows[:limit]
            return rows, order.cursor(rows[-1])
    return rows, None
