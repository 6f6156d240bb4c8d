"""Lists as CSV files: one row per record, the columns of the record's schema
(its own fields first, then who created it, when and its version), cells as
text a spreadsheet reads back as given.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would be taken by a spreadsheet as a formula (CSV injection:
``=HYPERLINK(...)`` in a lead's name), so it is written with a leading
apostrophe (``'=1+1``), which spreadsheets show as text.  ``rows`` pages
through a list with its keyset cursor, so a file of any length is written
with one page in memory at a time.
"""

import csv
import io
import json

from marshmallow import fields

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Written last, in this order.
RECORD_KEEPING = ("created_by", "created_at", "updated_at", "version")
PAGE_SIZE = 500


def columns(schema):
    """The CSV columns of a record schema; a nested object (a document's
    ``totals``) gives a column per field of it (``totals.gross_total``)."""
    names = []
    for name, field in schema().fields.items():
        if isinstance(field, fields.Nested) and not field.many:
            names += [f"{name}.{inner}" for inner in field.schema.fields]
        else:
            names.append(name)
    return [name for name in names if name not in RECORD_KEEPING] + [name for name in RECORD_KEEPING
                                                                      if name in names]


def value_at(item, column):
    """The value of ``column`` in a record (``a.b``: field b of object a)."""
    value = item
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def neutralised(text):
    """``text`` safe to open in a spreadsheet (see the module doc)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value):
    """A JSON value as the text of a cell: empty for null, true/false, a list
    of texts or numbers joined with '; ', other objects and lists as JSON."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list) and all(isinstance(item, str | int | float) and not isinstance(item, bool)
                                         for item in value):
        text = "; ".join(str(item) for item in value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return neutralised(text)


def lines(rows):
    """CSV text of ``rows`` (lists of cells): RFC 4180, quoted where needed,
    CRLF line ends."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def pages(fetch, first=None):
    """The items of every page: ``fetch(cursor)`` gives a page
    (``{"items": [...], "next_cursor": ...}``); ``first`` is the first page
    when it was fetched already."""
    page = first if first is not None else fetch(None)
    while True:
        yield page["items"]
        if not page.get("next_cursor"):
            return
        page = fetch(page["next_cursor"])


def csv_chunks(names, pages_of_items):
    """The CSV file of the records, a chunk per page: the header row first."""
    yield lines([names])
    for items in pages_of_items:
        if items:
            yield lines([cell(value_at(item, name)) for name in names] for item in items)
