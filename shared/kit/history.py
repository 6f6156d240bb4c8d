"""The history of a kind of record: one row per change, written by the
command that makes the change, in its transaction, and read newest first.

A history table has this shape (``<key>`` names the record)::

    CREATE TABLE account_history (
        id          bigserial PRIMARY KEY,
        account_id  uuid NOT NULL REFERENCES accounts (id),
        at          timestamptz NOT NULL DEFAULT now(),
        actor       text,
        action      text NOT NULL,
        changes     jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX account_history_account ON account_history (account_id, id DESC);

``changes`` maps a field to ``[before, after]`` (JSON types); an action may
add keys of its own (a merge names the merged record).

    ACCOUNT_HISTORY = History("account_history", "account_id", ACCOUNT_FIELDS)
    ACCOUNT_HISTORY.created(conn, row, actor)
    ACCOUNT_HISTORY.changed(conn, row, updated, actor)       # the fields that differ, if any
    ACCOUNT_HISTORY.page(conn, account_id, cursor, limit)     # {"items", "next_cursor"}
"""

from psycopg.types.json import Jsonb

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import changed_fields

NEWEST_FIRST = KeysetOrder(("id", "bigint"), descending=True)
# Fields every stored record has that a change never shows (they change with every change, or never).
BOOKKEEPING = ("id", "version", "created_by", "created_at", "updated_at")


class History:
    def __init__(self, table, key, fields=()):
        """``table`` keeps the history of the records its column ``key``
        names; ``fields`` are the record's fields a change shows (its
        ``BOOKKEEPING`` fields are left out)."""
        self.table = table
        self.key = key
        self.fields = tuple(field for field in fields if field not in BOOKKEEPING)

    def add_many(self, conn, entries):
        """entries: ``(record_id, actor, action, changes)`` tuples."""
        entries = [(str(record_id), actor, action, Jsonb(changes or {}))
                   for record_id, actor, action, changes in entries]
        if entries:
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.key}, actor, action, changes) VALUES (%s, %s, %s, %s)",
                    entries)

    def add(self, conn, record_id, actor, action, changes=None):
        self.add_many(conn, [(record_id, actor, action, changes)])

    def created(self, conn, row, actor):
        """The first row of a new record's history (no changes)."""
        self.add(conn, row["id"], actor, "created")

    def changed(self, conn, old, new, actor, action="updated", extra=None):
        """A row for the fields that differ between ``old`` and ``new`` (two
        versions of the record), with ``extra`` keys; none when nothing
        differs and nothing extra is given.  Returns the changes."""
        changes = {**changed_fields(old, new, self.fields), **(extra or {})}
        if changes:
            self.add(conn, new["id"], actor, action, changes)
        return changes

    def page(self, conn, record_id, cursor=None, limit=50):
        """A page of the record's history, newest first, with a keyset
        cursor: ``{"items": [{at, actor, action, changes}], "next_cursor"}``."""
        rows, next_cursor = keyset_page(conn, f"SELECT id, at, actor, action, changes FROM {self.table}",
                                        [f"{self.key} = %s"], [record_id], NEWEST_FIRST, cursor, limit)
        items = [{"at": row["at"].isoformat(), "actor": row["actor"], "action": row["action"],
                  "changes": row["changes"]} for row in rows]
        return {"items": items, "next_cursor": next_cursor}
