"""Domain errors that cross RPC boundaries.

The platform kit registers every subclass of ``CrmError`` with the RPC
runtime (``shared.kit.errors``), so that a caller gets the same exception
class back, not a generic remote error.  The gateway turns ``status`` into
the HTTP status of its problem document.  Arguments are plain JSON types.
"""

import json

PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance", "errors")


class CrmError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail="", errors=None, extra=None, **kwargs):
        # the RPC runtime turns non-string exception arguments into text on the way
        # (2 becomes "2"), so errors and extra travel as JSON strings.
        errors = json.loads(errors) if isinstance(errors, str) else (errors or {})
        extra = {**(json.loads(extra) if isinstance(extra, str) else (extra or {})), **kwargs}
        encoded_errors, encoded_extra = json.dumps(errors, default=str), json.dumps(extra, default=str)
        super().__init__(detail, encoded_errors, encoded_extra)
        self.detail = detail
        self.errors = json.loads(encoded_errors)  # plain JSON types, as the caller will see them
        self.extra = json.loads(encoded_extra)

    def to_problem(self):
        problem = {"title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            problem["errors"] = self.errors
        # An extra never replaces a member of the problem itself (a record's
        # ``status`` given as an extra is the record's, not the answer's).
        problem.update({key: value for key, value in self.extra.items() if key not in PROBLEM_MEMBERS})
        return problem


class ValidationFailed(CrmError):
    status = 422
    title = "Validation failed"


class NotFound(CrmError):
    status = 404
    title = "Not found"


class Conflict(CrmError):
    status = 409
    title = "Conflict"


class DuplicateFound(Conflict):
    title = "Duplicate"


class IllegalTransition(Conflict):
    title = "Illegal status change"


class IllegalStageMove(IllegalTransition):
    title = "Illegal stage move"


class Gone(CrmError):
    """The thing existed but is over for good (an expired survey link)."""

    status = 410
    title = "Gone"


class Forbidden(CrmError):
    status = 403
    title = "Forbidden"


class PreconditionFailed(CrmError):
    status = 412
    title = "Precondition failed"


class Unavailable(CrmError):
    """Another service this one needs did not answer in time; retrying is safe."""

    status = 503
    title = "Service unavailable"
