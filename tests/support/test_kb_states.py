"""The life of an article as pure rules: draft -> in_review -> published ->
archived, withdraw back to draft, restore to draft; a published article's
edit (its draft copy) has the same life; illegal moves are 409s naming what
is allowed."""

import pytest

from services.support.kb import states
from shared.schemas.errors import IllegalTransition


@pytest.mark.parametrize("status, draft, allowed", [
    ("draft", None, ["update", "submit"]),
    ("in_review", None, ["withdraw", "publish"]),
    ("published", None, ["update", "archive"]),
    ("published", "draft", ["update", "submit", "archive"]),
    ("published", "in_review", ["withdraw", "publish", "archive"]),
    ("archived", None, ["restore"]),
    ("archived", "draft", ["restore"]),
])
def test_actions(status, draft, allowed):
    assert states.actions(status, draft) == allowed


@pytest.mark.parametrize("status, draft, action, target", [
    ("draft", None, "submit", "in_review"),
    ("in_review", None, "withdraw", "draft"),
    ("in_review", None, "publish", "published"),
    ("published", "draft", "submit", "in_review"),
    ("published", "in_review", "publish", "published"),
    ("published", None, "archive", "archived"),
    ("archived", None, "restore", "draft"),
])
def test_legal_moves(status, draft, action, target):
    assert states.check(status, draft, action, "article 'x'") == target


@pytest.mark.parametrize("status, draft, action, hint", [
    ("draft", None, "publish", "submit it for review first"),
    ("draft", None, "archive", "submit it for review first"),
    ("in_review", None, "update", "withdraw it from review"),
    ("in_review", None, "submit", "withdraw it from review"),
    ("published", None, "publish", "change it first"),
    ("published", None, "submit", "change it first"),
    ("published", "in_review", "update", "withdraw it from review"),
    ("archived", None, "publish", "restore it first"),
    ("archived", None, "update", "restore it first"),
    ("draft", None, "restore", "submit it for review first"),
])
def test_illegal_moves_say_why_and_what_is_allowed(status, draft, action, hint):
    with pytest.raises(IllegalTransition) as raised:
        states.check(status, draft, action, "article 'x'")
    error = raised.value
    assert error.status == 409 and hint in error.detail and "article 'x'" in error.detail
    assert error.extra["current"] == status
    assert error.extra["allowed"] == states.actions(status, draft)


def test_every_status_can_reach_published_and_back():
    """From any status a chain of legal actions reaches published (no dead end)."""
    def reach(status, draft, seen):
        if status == "published" and draft is None:
            return True
        for action in states.actions(status, draft):
            if action == "update":
                nxt = (status, "draft" if status == "published" else draft)
            elif action == "publish":
                nxt = ("published", None)
            elif action == "archive":
                nxt = ("archived", draft)
            elif action == "restore":
                nxt = ("draft", None)
            elif status == "published":
                nxt = (status, states.TARGETS[action])
            else:
                nxt = (states.TARGETS[action], draft)
            if nxt not in seen and reach(*nxt, seen | {nxt}):
                return True
        return False

    for status in ("draft", "in_review", "archived"):
        assert reach(status, None, {(status, None)})
