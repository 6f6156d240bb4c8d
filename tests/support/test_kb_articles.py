"""Knowledge base articles over RPC: create, change, the review flow, every
publish kept as a version with diffs, edits of a published article on a
draft copy while the published text stays readable, archive and restore,
If-Match, categories, public reading, votes and views, links to cases,
and bad input refused with nothing written."""

import uuid

import pytest

from shared.schemas.errors import DuplicateFound, IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from shared.schemas.support import kb
from tests.services import unique
from tests.support.kb_support import new_article, new_case, published_article

# Writing ----------------------------------------------------------------------------

def test_a_new_article_is_a_rendered_draft(support):
    title = f"Réinitialiser le mot de passe {unique()}"
    article = support.create_article({"title": f"  {title} ", "body": "Open **Settings**.\n\n<script>x</script>",
                                      "tags": ["Password", " login ", "password"], "language": "fr",
                                      "visibility": "public"}, "ann")
    assert article["title"] == title and article["status"] == "draft" and article["version"] == 1
    assert article["slug"].startswith("reinitialiser-le-mot-de-passe-")
    assert article["body_html"] == "<p>Open <strong>Settings</strong>.</p>\n<p>&lt;script&gt;x&lt;/script&gt;</p>\n"
    assert article["tags"] == ["password", "login"] and article["language"] == "fr"
    assert (article["author"], article["created_by"]) == ("ann", "ann")
    assert article["draft"] is None and article["published_number"] is None
    assert article["actions"] == ["update", "submit"]
    assert article["stats"] == {"helpful_yes": 0, "helpful_no": 0, "views": 0}
    assert support.get_article(article["id"]) == article


def test_slugs_are_unique(support):
    title = f"Same title {unique()}"
    first, second = new_article(support, title), new_article(support, title)
    assert second["slug"] == first["slug"] + "-2"
    with pytest.raises(DuplicateFound) as raised:
        new_article(support, slug=first["slug"])
    assert raised.value.extra["existing_id"] == first["id"] and "slug" in raised.value.errors
    with pytest.raises(DuplicateFound):
        support.update_article(second["id"], {"slug": first["slug"]}, "ann")


@pytest.mark.parametrize("data, field", [
    ({"body": "x"}, "title"),
    ({"title": "   ", "body": "x"}, "title"),
    ({"title": "t" * 201, "body": "x"}, "title"),
    ({"title": "T"}, "body"),
    ({"title": "T", "body": "x", "language": "english"}, "language"),
    ({"title": "T", "body": "x", "language": "xx"}, "language"),
    ({"title": "T", "body": "x", "visibility": "everyone"}, "visibility"),
    ({"title": "T", "body": "x", "slug": "Not A Slug"}, "slug"),
    ({"title": "T", "body": "x", "tags": ["a,b"]}, "tags"),
    ({"title": "T", "body": "x", "tags": [f"t{i}" for i in range(21)]}, "tags"),
    ({"title": "T", "body": "x", "status": "published"}, "status"),
    ({"title": "T", "body": "x", "category_id": "nope"}, "category_id"),
    ({"title": "T", "body": "x", "category_id": "8b0f2c57-0d8e-4a8e-9d7e-2b1c2f4c1a11"}, "category_id"),
])
def test_bad_articles_are_refused_and_nothing_is_written(support, db, data, field):
    before = db.scalar("SELECT count(*) FROM articles")
    with pytest.raises(ValidationFailed) as raised:
        support.create_article(data, "ann")
    assert field in raised.value.errors
    assert db.scalar("SELECT count(*) FROM articles") == before


def test_changing_a_draft_renders_it_again_and_checks_the_version(support):
    article = new_article(support, body="old")
    changed = support.update_article(article["id"], {"body": "*new*", "tags": ["A"]}, "bob", 1)
    assert changed["body_html"] == "<p><em>new</em></p>\n" and changed["tags"] == ["a"] and changed["version"] == 2
    with pytest.raises(PreconditionFailed) as raised:
        support.update_article(article["id"], {"title": "Lost update"}, "ann", 1)
    assert raised.value.extra["current_version"] == 2
    assert support.get_article(article["id"])["title"] == article["title"]
    with pytest.raises(ValidationFailed):
        support.update_article(article["id"], {}, "ann")
    with pytest.raises(NotFound):
        support.update_article("not-an-id", {"title": "x"}, "ann")


# The review flow and versions ----------------------------------------------------------

def test_the_review_flow_publishes_a_version_and_an_event(support, db, events):
    article = new_article(support, body="Step one.")
    with pytest.raises(IllegalTransition) as raised:
        support.publish_article(article["id"], "ann")
    assert raised.value.extra["allowed"] == ["update", "submit"]

    in_review = support.submit_article(article["id"], "ann", 1)
    assert in_review["status"] == "in_review" and in_review["actions"] == ["withdraw", "publish"]
    with pytest.raises(IllegalTransition):
        support.update_article(article["id"], {"body": "sneaky"}, "ann")
    published = support.publish_article(article["id"], "rev")
    assert published["status"] == "published" and published["published_number"] == 1
    assert published["published_by"] == "rev" and published["published_at"]
    assert published["actions"] == ["update", "archive"]

    [version] = support.article_versions(article["id"])["items"]
    assert (version["number"], version["title"], version["body"], version["published_by"]) == (
        1, article["title"], "Step one.", "rev")
    events.settle(db, [article["id"]])
    [event] = events.of("article.published", article["id"])
    assert event.data["first"] is True
    assert event.data["article"]["published_number"] == 1 and event.data["article"]["slug"] == article["slug"]


def test_editing_a_published_article_works_on_a_draft_copy(support, db, events):
    article = published_article(support, title=f"Printer jams {unique()}", body="Open the tray.",
                                visibility="public")
    edited = support.update_article(article["id"], {"body": "Open the **back** tray.", "title": "Printer jams (v2)"},
                                    "ann", article["version"])
    # readers still see the published text; the edit is the draft copy
    assert edited["status"] == "published" and edited["body"] == "Open the tray."
    assert edited["draft"]["body"] == "Open the **back** tray." and edited["draft"]["status"] == "draft"
    assert edited["draft"]["body_html"] == "<p>Open the <strong>back</strong> tray.</p>\n"
    assert edited["version"] == article["version"] + 1
    assert support.read_public_article(article["slug"])["title"] == article["title"]
    assert support.diff_article_versions(article["id"], 1, "draft")["diff"].splitlines()[2:] == [
        "@@ -1,3 +1,3 @@", f"-# {article['title']}", "+# Printer jams (v2)", " ", "-Open the tray.",
        "+Open the **back** tray."]

    again = support.update_article(article["id"], {"tags": ["paper"]}, "bob")
    assert again["draft"]["title"] == "Printer jams (v2)" and again["draft"]["tags"] == ["paper"]
    submitted = support.submit_article(article["id"], "ann")
    assert submitted["status"] == "published" and submitted["draft"]["status"] == "in_review"
    republished = support.publish_article(article["id"], "rev")
    assert republished["draft"] is None and republished["published_number"] == 2
    assert republished["title"] == "Printer jams (v2)" and republished["tags"] == ["paper"]
    assert "<strong>back</strong>" in republished["body_html"]
    assert support.read_public_article(article["id"])["title"] == "Printer jams (v2)"

    assert [v["number"] for v in support.article_versions(article["id"])["items"]] == [2, 1]
    diff = support.diff_article_versions(article["id"], 1, 2)
    assert diff["changed"] and diff["from"] == 1 and diff["to"] == "2"
    assert diff["diff"].startswith("--- version 1\n+++ version 2\n")
    assert not support.diff_article_versions(article["id"], 2, 2)["changed"]
    with pytest.raises(NotFound):
        support.diff_article_versions(article["id"], 1, 3)
    with pytest.raises(NotFound):
        support.diff_article_versions(article["id"], 1, "draft")
    with pytest.raises(ValidationFailed):
        support.diff_article_versions(article["id"], 0, "latest")
    events.settle(db, [article["id"]])
    assert [e.data["first"] for e in events.of("article.published", article["id"])] == [True, False]


def test_withdraw_archive_and_restore(support):
    article = published_article(support, visibility="public")
    support.update_article(article["id"], {"body": "pending edit"}, "ann")
    support.submit_article(article["id"], "ann")
    withdrawn = support.withdraw_article(article["id"], "ann")
    assert withdrawn["draft"]["status"] == "draft"
    archived = support.archive_article(article["id"], "ann")
    assert archived["status"] == "archived" and archived["archived_at"] and archived["actions"] == ["restore"]
    with pytest.raises(NotFound):
        support.read_public_article(article["slug"])
    with pytest.raises(IllegalTransition):
        support.archive_article(article["id"], "ann")
    restored = support.restore_article(article["id"], "ann")
    assert restored["status"] == "draft" and restored["body"] == "pending edit" and restored["draft"] is None
    assert restored["archived_at"] is None and restored["published_number"] == 1
    support.submit_article(article["id"], "ann")
    assert support.publish_article(article["id"], "rev")["published_number"] == 2


def test_moves_check_if_match(support):
    article = new_article(support)
    with pytest.raises(PreconditionFailed):
        support.submit_article(article["id"], "ann", 7)
    with pytest.raises(ValidationFailed):
        support.submit_article(article["id"], "ann", "seven")
    assert support.get_article(article["id"])["status"] == "draft"


# Categories ------------------------------------------------------------------------------

def test_categories(support):
    name = f"Billing {unique()}"
    category = support.create_kb_category({"name": name, "description": "Invoices"}, "admin")
    assert category["slug"] == name.lower().replace(" ", "-") and category["articles"] == 0
    with pytest.raises(DuplicateFound):
        support.create_kb_category({"name": name.upper()}, "admin")
    published_article(support, category_id=category["id"])
    new_article(support, category_id=category["id"])
    listed = {c["id"]: c for c in support.list_kb_categories()["items"]}
    assert listed[category["id"]]["articles"] == 1
    renamed = support.update_kb_category(category["id"], {"name": f"{name} and payments"}, "admin", 1)
    assert renamed["version"] == 2
    with pytest.raises(PreconditionFailed):
        support.update_kb_category(category["id"], {"position": 3}, "admin", 1)
    with pytest.raises(ValidationFailed):
        support.create_kb_category({"name": ""}, "admin")


# Public reading, votes, views ------------------------------------------------------------

def test_only_published_public_articles_are_public(support):
    public = published_article(support, visibility="public")
    internal = published_article(support, visibility="internal")
    draft = new_article(support, visibility="public")
    read = support.read_public_article(public["slug"])
    assert set(read) == {"id", "slug", "title", "body_html", "tags", "category_id", "language", "published_at",
                         "helpful_yes", "helpful_no"}
    assert support.read_public_article(public["id"])["id"] == public["id"]
    for hidden in (internal["slug"], internal["id"], draft["slug"], draft["id"], "no-such-article", "x" * 121):
        with pytest.raises(NotFound):
            support.read_public_article(hidden)
    assert support.get_article(public["id"])["stats"]["views"] == 2


def test_votes_are_counted(support, db):
    article = published_article(support, visibility="public")
    assert support.vote_public_article(article["slug"], {"helpful": True}) == {"helpful_yes": 1, "helpful_no": 0}
    assert support.vote_public_article(article["id"], {"helpful": False, "comment": " Too short "}) == {
        "helpful_yes": 1, "helpful_no": 1}
    assert support.vote_article(article["id"], {"helpful": True}, "ann") == {"helpful_yes": 2, "helpful_no": 1}
    rows = db.all("SELECT helpful, comment, voter, public FROM article_votes WHERE article_id = %s ORDER BY created_at",
                  (article["id"],))
    assert [(r["helpful"], r["comment"], r["voter"], r["public"]) for r in rows] == [
        (True, None, None, True), (False, "Too short", None, True), (True, None, "ann", False)]
    for bad in ({}, {"helpful": "yes"}, {"helpful": 1}, {"helpful": True, "comment": "c" * 2001},
                {"helpful": True, "stars": 5}):
        with pytest.raises(ValidationFailed):
            support.vote_public_article(article["slug"], bad)
    internal = published_article(support)
    with pytest.raises(NotFound):
        support.vote_public_article(internal["id"], {"helpful": True})
    assert support.get_article(article["id"])["stats"]["helpful_yes"] == 2


# Cases -------------------------------------------------------------------------------------

def test_links_between_articles_and_cases(support, db):
    article = published_article(support)
    case_id = new_case(db, "Printer on fire")
    other_case = new_case(db, "Printer smokes")
    linked = support.link_article_case(article["id"], {"case_id": case_id}, "ann")
    support.link_article_case(article["id"], {"case_id": case_id}, "bob")  # once only
    support.link_article_case(article["id"], {"case_id": other_case}, "bob")
    items = support.article_cases(article["id"])["items"]
    assert [item["case_id"] for item in linked["items"]] == [case_id]
    assert {item["case_id"] for item in items} == {case_id, other_case}
    assert next(i for i in items if i["case_id"] == case_id)["subject"] == "Printer on fire"
    [back] = support.case_articles(case_id)["items"]
    assert (back["article_id"], back["title"], back["linked_by"]) == (article["id"], article["title"], "ann")

    assert [i["case_id"] for i in support.unlink_article_case(article["id"], case_id, "ann")["items"]] == [other_case]
    with pytest.raises(NotFound):
        support.unlink_article_case(article["id"], case_id, "ann")
    with pytest.raises(NotFound) as raised:
        support.link_article_case(article["id"], {"case_id": "8b0f2c57-0d8e-4a8e-9d7e-2b1c2f4c1a11"}, "ann")
    assert "case_id" in raised.value.errors
    with pytest.raises(ValidationFailed):
        support.link_article_case(article["id"], {"case_id": "nope"}, "ann")
    with pytest.raises(NotFound):
        support.case_articles("8b0f2c57-0d8e-4a8e-9d7e-2b1c2f4c1a11")


def test_preview_renders_without_storing(support):
    assert support.preview_article({"body": "**b** <img src=x onerror=alert(1)>"}) == {
        "html": "<p><strong>b</strong> &lt;img src=x onerror=alert(1)&gt;</p>\n"}
    with pytest.raises(ValidationFailed):
        support.preview_article({"body": 5})


# Keyed calls, contracts ----------------------------------------------------------------------

def test_a_keyed_publish_repeated_publishes_once(support, rpc_proxy, db, events):
    article = new_article(support)
    support.submit_article(article["id"], "ann")
    key = str(uuid.uuid4())
    answers = []
    for _ in range(2):
        with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
            answers.append(cluster.support.publish_article(article["id"], "rev"))
    assert answers[0] == answers[1] and answers[0]["published_number"] == 1
    assert db.scalar("SELECT count(*) FROM article_versions WHERE article_id = %s", (article["id"],)) == 1
    events.settle(db, [article["id"]])
    assert len(events.of("article.published", article["id"])) == 1


def test_answers_match_the_contracts(support, db):
    category = support.create_kb_category({"name": f"Contracts {unique()}"}, "admin")
    article = published_article(support, category_id=category["id"], visibility="public", tags=["x"])
    edited = support.update_article(article["id"], {"body": "changed"}, "ann")
    case_id = new_case(db, f"Contracts {article['title']}")
    support.link_article_case(article["id"], {"case_id": case_id}, "ann")
    checks = [
        (kb.CategorySchema(), category), (kb.ArticleSchema(), edited),
        (kb.CategoryListSchema(), support.list_kb_categories()),
        (kb.ArticlePageSchema(), support.search_articles({"q": article["title"]})),
        (kb.ArticlePageSchema(), support.search_articles({})),
        (kb.PublicArticlePageSchema(), support.search_public_articles({"q": article["title"]})),
        (kb.PublicArticleSchema(), support.read_public_article(article["slug"])),
        (kb.ArticleVersionListSchema(), support.article_versions(article["id"])),
        (kb.VersionDiffSchema(), support.diff_article_versions(article["id"], 1, "draft")),
        (kb.LinkedCaseListSchema(), support.article_cases(article["id"])),
        (kb.LinkedArticleListSchema(), support.case_articles(case_id)),
        (kb.SuggestedArticleListSchema(), support.suggested_articles(case_id)),
        (kb.VoteResultSchema(), support.vote_article(article["id"], {"helpful": True}, "ann")),
        (kb.PreviewResultSchema(), support.preview_article({"body": "x"})),
    ]
    for schema, answer in checks:
        assert schema.validate(answer) == {}, (type(schema).__name__, answer)


def test_merging_a_case_moves_its_article_links_to_the_survivor(support):
    article, other = published_article(support), published_article(support)
    duplicate = support.create_case({"subject": f"Printer jams {unique()}", "contact_email": "a@example.com"}, "ann")
    survivor = support.create_case({"subject": f"Printer jams again {unique()}", "contact_email": "a@example.com"},
                                   "ann")
    support.link_article_case(article["id"], {"case_id": duplicate["id"]}, "ann")
    support.link_article_case(other["id"], {"case_id": duplicate["id"]}, "ann")
    support.link_article_case(other["id"], {"case_id": survivor["id"]}, "bob")  # linked to both: kept once
    support.merge_case(duplicate["id"], {"target_id": survivor["id"]}, "ann")
    assert support.case_articles(duplicate["id"])["items"] == []
    assert {item["article_id"] for item in support.case_articles(survivor["id"])["items"]} == {article["id"],
                                                                                              other["id"]}
