"""The life of a knowledge base article, as pure rules (no database).

::

    draft --submit--> in_review --publish--> published --archive--> archived
      ^                  |                      |                      |
      +----withdraw------+                      |                      |
      +--------------------restore-------------------------------------+

A published article stays published while it is edited: the edit is its
*draft copy*, with the same little life (draft --submit--> in_review
--publish--> the article shows it; withdraw sends it back to draft).  Only
a draft (the article's, or its copy's) can be changed; a text under review
is withdrawn first.  Restoring an archived article makes it a draft again
(its last published text, or the copy it had pending), to be reviewed and
published anew.  Each publish keeps a version.
"""

from shared.schemas.errors import IllegalTransition

ACTIONS = ("update", "submit", "withdraw", "publish", "archive", "restore")
# action -> the status the article (or its draft copy) moves to
TARGETS = {"submit": "in_review", "withdraw": "draft", "publish": "published", "archive": "archived",
           "restore": "draft"}
VERBS = {"update": "change", "submit": "submit for review", "withdraw": "withdraw from review",
         "publish": "publish", "archive": "archive", "restore": "restore"}


def working_status(status, draft_status):
    """The status of the text being worked on: the article's before its first
    publish (and after a restore), the draft copy's when a published article
    has one, None for a published article without one or an archived one."""
    if status in ("draft", "in_review"):
        return status
    if status == "published":
        return draft_status
    return None


def actions(status, draft_status=None):
    """What can be done with the article now, in ACTIONS order."""
    if status == "archived":
        return ["restore"]
    working = working_status(status, draft_status)
    found = []
    if working in ("draft", None):
        found.append("update")
    if working == "draft":
        found.append("submit")
    if working == "in_review":
        found += ["withdraw", "publish"]
    if status == "published":
        found.append("archive")
    return [action for action in ACTIONS if action in found]


def _where(status, draft_status):
    if status == "published" and draft_status:
        return f"published, with its edit {draft_status.replace('_', ' ')}"
    return status.replace("_", " ")


def _hint(status, draft_status):
    working = working_status(status, draft_status)
    if status == "archived":
        return "restore it first"
    if working == "in_review":
        return "withdraw it from review to change it, or publish it"
    if working == "draft":
        return "submit it for review first"
    return "change it first (the edit is a draft copy)"


def check(status, draft_status, action, label):
    """IllegalTransition (409, with ``current`` and ``allowed``) unless
    ``action`` is possible now."""
    allowed = actions(status, draft_status)
    if action in allowed:
        return TARGETS.get(action)
    message = (f"Cannot {VERBS[action]} {label}: it is {_where(status, draft_status)}; "
               f"{_hint(status, draft_status)}.")
    raise IllegalTransition(message, errors={"status": [message]}, current=status,
                            target=TARGETS.get(action, status), allowed=allowed)
