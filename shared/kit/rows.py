"""Database rows: written from dicts (``insert_row``, ``update_row``) and
read as plain JSON types, the form RPC results and events take."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from psycopg.types.json import Jsonb

from shared.schemas.errors import NotFound

LOCKS = {None: "", False: "", True: " FOR UPDATE", "update": " FOR UPDATE", "share": " FOR SHARE"}


def plain(value):
    """A column value as a JSON type: UUIDs and money as strings, dates and
    times as ISO 8601."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def snapshot(row, fields):
    """The named fields of a row (or dict) as JSON types; missing ones are None."""
    return {field: plain(row.get(field)) for field in fields}


def _params(values, json_columns):
    return [Jsonb(value) if column in json_columns else value for column, value in values.items()]


def insert_row(conn, table, values, json_columns=()):
    """Insert ``values`` (column -> value; the others take their defaults)
    into ``table``; returns the row.  ``json_columns`` are stored as jsonb."""
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    return conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING *",
                        _params(values, json_columns)).fetchone()


def update_row(conn, table, row_id, values, json_columns=()):
    """Write ``values`` (column -> value) on the row ``id = row_id`` of a
    versioned table, bump its ``version`` and ``updated_at``; returns the row."""
    assignments = "".join(f"{column} = %s, " for column in values)
    return conn.execute(
        f"UPDATE {table} SET {assignments}version = version + 1, updated_at = now() WHERE id = %s RETURNING *",
        (*_params(values, json_columns), row_id),
    ).fetchone()


def changed_fields(old, new, fields):
    """``{field: [before, after]}`` (JSON types) for each of ``fields`` whose
    value differs between two versions of a row: what a history row keeps."""
    changes = {}
    for field in fields:
        before, after = plain(old.get(field)), plain(new.get(field))
        if before != after:
            changes[field] = [before, after]
    return changes


def get_row(conn, table, row_id, what, lock=None):
    """The row of ``table`` with that id, or NotFound ("No <what> with id ...").
    ``lock``: None/False, True or "update" (FOR UPDATE), or "share" (FOR SHARE)."""
    row = conn.execute(f"SELECT * FROM {table} WHERE id = %s{LOCKS[lock]}", (row_id,)).fetchone()
    if row is None:
        raise NotFound(f"No {what} with id {row_id}.")
    return row
