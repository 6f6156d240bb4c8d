"""Segments (rule trees with a live count and a join/leave history), static lists and suppression lists."""

from flask import Blueprint, g

from gateway.auth import requires
from gateway.csv_upload import CsvRows, UploadBroken, batches, open_upload, text_of
from gateway.openapi import operation
from gateway.problems import HttpProblem
from gateway.resources import call
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.campaigns.segments import (
    SegmentCreateSchema,
    SegmentHistoryPageSchema,
    SegmentHistoryQuerySchema,
    SegmentMemberPageSchema,
    SegmentPageSchema,
    SegmentQuerySchema,
    SegmentRuleCountResultSchema,
    SegmentRuleCountSchema,
    SegmentSchema,
    SegmentUpdateSchema,
    StaticListChangedSchema,
    StaticListCreateSchema,
    StaticListImportResultSchema,
    StaticListMemberPageSchema,
    StaticListPageSchema,
    StaticListPeopleSchema,
    StaticListQuerySchema,
    StaticListSchema,
    StaticListUpdateSchema,
    SuppressionAddedSchema,
    SuppressionCreateSchema,
    SuppressionImportResultSchema,
    SuppressionPageSchema,
    SuppressionQuerySchema,
    SuppressionSchema,
)
from shared.schemas.common import PageQuerySchema, email_address

bp = Blueprint("segments", __name__, url_prefix="/api/v1")
SEGMENT_TAGS = ["campaigns-segments"]
LIST_TAGS = ["campaigns-lists"]
SUPPRESSION_TAGS = ["campaigns-suppressions"]
SEGMENT = "/campaigns/segments/<uuid:segment_id>"
LIST = "/campaigns/lists/<uuid:list_id>"
EMAIL = {"email": email_address(metadata={"description": "The address (any letter case)."})}
# The CSV the document promises is taken: a header naming the email column, then rows.
CSV_PATTERN = r"^email\r?\n[A-Za-z0-9][A-Za-z0-9.@_+-]{0,60}(\r?\n[A-Za-z0-9][A-Za-z0-9.@_+-]{0,60}){0,20}\r?\n?$"
CSV_FILE = {
    "type": "string", "pattern": CSV_PATTERN, "contentMediaType": "text/csv",
    "description": "CSV text, UTF-8 (a BOM is fine). The first row names the columns, one of them `email` (any "
                   "letter case; other columns are ignored); then the rows. A file of addresses alone, with no "
                   "header, is taken too. An empty file, or a header without an `email` column, is refused (400). "
                   "Rows that are no address or match nobody are reported back with their line, not refused.",
}
UPLOAD_CONTENT = {
    "text/csv": {"schema": CSV_FILE},
    "multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": {"file": CSV_FILE},
                   "additionalProperties": False},
        "encoding": {"file": {"contentType": "text/csv"}},
    },
}
ROWS_PER_CALL = 2000


def _unusable(detail):
    return HttpProblem(400, detail, title="Unusable file", errors={"file": [detail]})


def _csv_rows():
    """The uploaded CSV's rows as ``{"line", "email"}``, in batches."""
    # Under an Idempotency-Key the idempotency layer opened the upload to fingerprint it as it streams.
    rows = CsvRows(text_of(g.crm_upload if g.get("crm_upload") is not None else open_upload()))
    try:
        first = next(rows, None)
        if first is None:
            raise _unusable("The file is empty.")
        header = [cell.strip().lower() for cell in first]
        if "email" in header:
            column, pending = header.index("email"), []
        elif len(first) == 1 and "@" in first[0]:
            column, pending = 0, [{"line": rows.line, "email": first[0].strip()}]
        else:
            raise _unusable("The first row must name the columns, one of them 'email' (or the file lists "
                            "addresses alone, one a line).")

        def numbered():
            yield from pending
            for row in rows:
                yield {"line": rows.line, "email": row[column].strip() if column < len(row) else ""}

        yield from batches(numbered(), ROWS_PER_CALL)
    except UploadBroken as exc:
        raise HttpProblem(exc.status, exc.detail, title="Unusable file", errors={"file": [exc.detail]}) from None


def _imported(method, *args):
    """Sends the rows batch by batch and adds up the answers."""
    total = None
    for batch in _csv_rows():
        answer = call("campaigns", method, *args, {"rows": batch}, actor())
        if total is None:
            total = answer
            continue
        for key, value in answer.items():
            if key == "rows_not_taken":
                total[key] = (total[key] + value)[:1000]
            else:
                total[key] += value
    if total is None:
        raise _unusable("The file has a header row but no data rows.")
    return total


# Segments

@bp.get("/campaigns/segments")
@requires("campaigns:read")
@operation("List segments", tags=SEGMENT_TAGS, query=SegmentQuerySchema, response=SegmentPageSchema)
def list_segments(query):
    return listing("campaigns", "list_segments", query)


@bp.post("/campaigns/segments")
@requires("campaigns:write")
@operation("Create a dynamic segment", tags=SEGMENT_TAGS, body=SegmentCreateSchema, response=SegmentSchema,
           status=201, headers={"Location": "The segment's URL.", "ETag": "The segment's version."}, problems=(409,),
           description="Its members are computed at once (and their joins recorded), then kept current as people "
                       "change: no rebuild job. 422 names the rule's bad node; 409 when the name is taken.")
def create_segment(body):
    return create("campaigns", "create_segment", body, "segments.get_segment", "segment_id")


@bp.post("/campaigns/segments/count")
@requires("campaigns:read")
@operation("Count the people a rule selects (the live count while editing)", tags=SEGMENT_TAGS,
           body=SegmentRuleCountSchema, response=SegmentRuleCountResultSchema,
           description="Nothing is stored. 422 names the rule's bad node, or says the rule is too slow to count.")
def count_rule(body):
    return call("campaigns", "count_segment_rule", body.wire())


@bp.get(SEGMENT)
@requires("campaigns:read")
@operation("Get a segment", tags=SEGMENT_TAGS, response=SegmentSchema, headers={"ETag": "The segment's version."})
def get_segment(segment_id):
    return versioned(call("campaigns", "get_segment", str(segment_id)))


@bp.patch(SEGMENT)
@requires("campaigns:write")
@operation("Change a segment", tags=SEGMENT_TAGS, body=SegmentUpdateSchema, response=SegmentSchema,
           headers={"ETag": "The segment's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="A new rule, or switching it back on, computes the members in full again (and of the "
                       "segments naming it), recording who joined and left. Switching off keeps the last members "
                       "and stops the upkeep (409 while an active segment names it).")
def update_segment(segment_id, body, expected_version):
    return patch("campaigns", "update_segment", str(segment_id), body, expected_version)


@bp.delete(SEGMENT)
@requires("campaigns:write")
@operation("Delete a segment", tags=SEGMENT_TAGS, status=204, problems=(409, 412), request_headers=("If-Match",),
           description="With its members and history; 409 while another segment names it.")
def delete_segment(segment_id, expected_version):
    call("campaigns", "delete_segment", str(segment_id), actor(), expected_version)
    return "", 204


@bp.get(f"{SEGMENT}/members")
@requires("campaigns:read")
@operation("A segment's members now", tags=SEGMENT_TAGS, query=PageQuerySchema, response=SegmentMemberPageSchema)
def segment_members(segment_id, query):
    return listing("campaigns", "segment_members", query, str(segment_id))


@bp.get(f"{SEGMENT}/history")
@requires("campaigns:read")
@operation("Who joined and left a segment, newest first", tags=SEGMENT_TAGS, query=SegmentHistoryQuerySchema,
           response=SegmentHistoryPageSchema)
def segment_history(segment_id, query):
    return listing("campaigns", "segment_history", query, str(segment_id))


# Static lists

@bp.get("/campaigns/lists")
@requires("campaigns:read")
@operation("List static lists", tags=LIST_TAGS, query=StaticListQuerySchema, response=StaticListPageSchema)
def list_lists(query):
    return listing("campaigns", "list_static_lists", query)


@bp.post("/campaigns/lists")
@requires("campaigns:write")
@operation("Create a static list", tags=LIST_TAGS, body=StaticListCreateSchema, response=StaticListSchema, status=201,
           headers={"Location": "The list's URL.", "ETag": "The list's version."}, problems=(409,),
           description="409 when the name is taken.")
def create_list(body):
    return create("campaigns", "create_static_list", body, "segments.get_list", "list_id")


@bp.get(LIST)
@requires("campaigns:read")
@operation("Get a static list", tags=LIST_TAGS, response=StaticListSchema, headers={"ETag": "The list's version."})
def get_list(list_id):
    return versioned(call("campaigns", "get_static_list", str(list_id)))


@bp.patch(LIST)
@requires("campaigns:write")
@operation("Rename a static list", tags=LIST_TAGS, body=StaticListUpdateSchema, response=StaticListSchema,
           headers={"ETag": "The list's new version."}, problems=(409, 412), request_headers=("If-Match",))
def update_list(list_id, body, expected_version):
    return patch("campaigns", "update_static_list", str(list_id), body, expected_version)


@bp.delete(LIST)
@requires("campaigns:write")
@operation("Delete a static list", tags=LIST_TAGS, status=204, problems=(409, 412), request_headers=("If-Match",))
def delete_list(list_id, expected_version):
    call("campaigns", "delete_static_list", str(list_id), actor(), expected_version)
    return "", 204


@bp.get(f"{LIST}/members")
@requires("campaigns:read")
@operation("A static list's members", tags=LIST_TAGS, query=PageQuerySchema, response=StaticListMemberPageSchema)
def list_members(list_id, query):
    return listing("campaigns", "static_list_members", query, str(list_id))


@bp.post(f"{LIST}/members")
@requires("campaigns:write")
@operation("Put people on a static list", tags=LIST_TAGS, body=StaticListPeopleSchema, response=StaticListChangedSchema,
           description="Those on it already stay as they were (a repeat adds nothing). 422 naming each id that is "
                       "no person (`person_ids.2`); nothing is added then.")
def add_list_members(list_id, body):
    return call("campaigns", "add_to_static_list", str(list_id), body.wire(), actor())


@bp.post(f"{LIST}/members/remove")
@requires("campaigns:write")
@operation("Take people off a static list", tags=LIST_TAGS, body=StaticListPeopleSchema,
           response=StaticListChangedSchema)
def remove_list_members(list_id, body):
    return call("campaigns", "remove_from_static_list", str(list_id), body.wire(), actor())


@bp.post(f"{LIST}/import")
@requires("campaigns:write")
@operation("Put people on a static list from a CSV of addresses", tags=LIST_TAGS, content=UPLOAD_CONTENT,
           response=StaticListImportResultSchema, problems=(400, 413, 415),
           description="Each row's address is matched to the people who have it (a contact and a lead may share "
                       "one); rows that are no address or match nobody come back in `rows_not_taken` with their "
                       "line, never silently dropped.")
def import_list(list_id):
    return _imported("import_static_list", str(list_id))


import_list.crm_upload = open_upload


# Suppressions

@bp.get("/campaigns/suppressions")
@requires("campaigns:read")
@operation("List suppressed addresses, newest first", tags=SUPPRESSION_TAGS, query=SuppressionQuerySchema,
           response=SuppressionPageSchema)
def list_suppressions(query):
    return listing("campaigns", "list_suppressions", query)


@bp.post("/campaigns/suppressions")
@requires("campaigns:write")
@operation("Suppress an address", tags=SUPPRESSION_TAGS, body=SuppressionCreateSchema,
           response=SuppressionAddedSchema,
           description="It is never mailed again, whatever its consent. Suppressing it again changes nothing "
                       "(`created: false`, the first entry is kept).")
def add_suppression(body):
    return call("campaigns", "add_suppression", body.wire(), actor())


@bp.post("/campaigns/suppressions/import")
@requires("campaigns:write")
@operation("Suppress the addresses of a CSV file", tags=SUPPRESSION_TAGS, content=UPLOAD_CONTENT,
           response=SuppressionImportResultSchema, problems=(400, 413, 415),
           description="Rows that are no address come back in `rows_not_taken` with their line.")
def import_suppressions():
    return _imported("import_suppressions")


import_suppressions.crm_upload = open_upload


@bp.get("/campaigns/suppressions/<email>")
@requires("campaigns:read")
@operation("Is this address suppressed, and why?", tags=SUPPRESSION_TAGS, path=EMAIL, response=SuppressionSchema,
           description="404 when it is not suppressed.")
def get_suppression(email):
    return call("campaigns", "get_suppression", email)


@bp.delete("/campaigns/suppressions/<email>")
@requires("campaigns:write")
@operation("Lift an address's suppression", tags=SUPPRESSION_TAGS, path=EMAIL, status=204,
           description="It may be mailed again where consent allows. 404 when it is not suppressed.")
def remove_suppression(email):
    call("campaigns", "remove_suppression", email, actor())
    return "", 204
