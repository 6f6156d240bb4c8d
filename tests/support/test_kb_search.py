"""Knowledge base search in PostgreSQL: ranked (a word in a title outranks
the same word in bodies), stemmed per language, web search syntax,
highlighted and escaped snippets, filters, pages, public search, and
suggested articles for a case."""

import re
import uuid

import pytest

from shared.schemas.errors import NotFound, ValidationFailed
from tests.support.kb_support import new_article, new_case, published_article


def word():
    """A word no other test's article holds (letters only: one lexeme in
    every language; from a UUID, since the random module is reseeded per test)."""
    return "q" + uuid.uuid4().hex[:12].translate(LETTERS) + "x"
LETTERS = str.maketrans("0123456789", "ghijklmnop")


def ids(answer):
    return [item["id"] for item in answer["items"]]


def test_a_word_in_a_title_outranks_the_same_word_in_bodies(support):
    term = word()
    in_body = published_article(support, title="Long notes", body=f"{term} " * 12 + "and much more text " * 30)
    in_title = published_article(support, title=f"All about {term}", body="Nothing else here.")
    in_tags = published_article(support, title="Tagged", body="Body.", tags=[term])
    answer = support.search_articles({"q": term})
    assert ids(answer) == [in_title["id"], in_tags["id"], in_body["id"]]
    ranks = [item["rank"] for item in answer["items"]]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[2]
    pages = [support.search_articles({"q": term, "limit": 1, "page": page}) for page in (1, 2, 3)]
    assert [ids(page) for page in pages] == [[in_title["id"]], [in_tags["id"]], [in_body["id"]]]
    assert [page["next_page"] for page in pages] == [2, 3, None]
    assert ids(support.search_articles({"q": term, "limit": 2, "page": 2})) == [in_body["id"]]


def test_snippets_are_escaped_with_only_mark_tags(support):
    term = word()
    article = published_article(support, title=f"The <i>{term}</i> guide",
                                body=f"Type `<script>alert('{term}')</script>` if x < 3 & y > 2, then {term} again.")
    [hit] = support.search_articles({"q": term})["items"]
    assert hit["id"] == article["id"]
    assert f"<mark>{term}</mark>" in hit["title_highlight"]
    snippet = hit["snippet"]
    assert f"if x &lt; 3 &amp; y &gt; 2, then <mark>{term}</mark> again" in snippet
    for highlighted in (snippet, hit["title_highlight"]):
        assert set(re.findall(r"<\s*/?\s*(\w+)", highlighted)) == {"mark"}, highlighted


def test_stemming_follows_the_articles_language(support):
    term = word()
    english = published_article(support, title=f"Resetting routers {term}", language="en")
    german = published_article(support, title=f"Passwörter zurücksetzen {term}", language="de")
    assert ids(support.search_articles({"q": f"reset router {term}"})) == [english["id"]]
    assert ids(support.search_articles({"q": f"Passwort {term}"})) == [german["id"]]
    assert ids(support.search_articles({"q": f"Passwort {term}", "language": "de"})) == [german["id"]]
    assert ids(support.search_articles({"q": f"Passwort {term}", "language": "en"})) == []


def test_web_search_syntax(support):
    term = word()
    laser = published_article(support, title=f"Laser printer {term}", body="toner low")
    inkjet = published_article(support, title=f"Inkjet printer {term}", body="the toner is low in colour")
    assert set(ids(support.search_articles({"q": f"{term} printer"}))) == {laser["id"], inkjet["id"]}
    assert ids(support.search_articles({"q": f"{term} -laser"})) == [inkjet["id"]]
    in_body = published_article(support, title=f"Scanner {term}", body="Unlike the laser model, it scans.")
    assert ids(support.search_articles({"q": f"{term} -laser"})) == [inkjet["id"]]  # excluded by its body
    assert in_body["id"] in ids(support.search_articles({"q": f"{term} scanner"}))
    assert ids(support.search_articles({"q": f'{term} "toner low"'})) == [laser["id"]]
    assert set(ids(support.search_articles({"q": f"{term} (laser or inkjet"}))) == {laser["id"], inkjet["id"],
                                                                                  in_body["id"]}
    assert ids(support.search_articles({"q": "the and of"})) == []  # stop words only: no match, no error


def test_filters_and_pages(support):
    term = word()
    category = support.create_kb_category({"name": f"Cat {term}"}, "admin")
    public = published_article(support, title=f"Public {term}", visibility="public", tags=["wifi"],
                               category_id=category["id"])
    internal = published_article(support, title=f"Internal {term}", tags=["wifi"])
    draft = new_article(support, title=f"Draft {term}", language="fr")

    def found(**query):
        return set(ids(support.search_articles({"q": term, **query})))

    assert found() == {public["id"], internal["id"], draft["id"]}
    assert found(status=["published"]) == {public["id"], internal["id"]}
    assert found(status=["draft", "in_review"]) == {draft["id"]}
    assert found(visibility="public") == {public["id"]}
    assert found(category_id=category["id"]) == {public["id"]}
    assert found(tag="WiFi") == {public["id"], internal["id"]}
    assert found(language="fr") == {draft["id"]}

    first = support.search_articles({"q": term, "limit": 2})
    second = support.search_articles({"q": term, "limit": 2, "page": 2})
    assert first["next_page"] == 2 and second["next_page"] is None and second["page"] == 2
    assert set(ids(first)) | set(ids(second)) == found()

    listed = support.search_articles({"tag": "wifi", "category_id": category["id"]})
    assert ids(listed) == [public["id"]] and listed["items"][0]["snippet"] is None
    by_title = support.search_articles({"q": term, "sort": "title"})
    assert [item["title"] for item in by_title["items"]] == sorted(item["title"] for item in by_title["items"])

    for bad, field in [({"status": ["gone"]}, "status"), ({"limit": 101}, "limit"), ({"page": 0}, "page"),
                       ({"page": 1001}, "page"), ({"q": "x" * 201}, "q"), ({"sort": "rank"}, "sort"),
                       ({"language": "klingon"}, "language"), ({"colour": "red"}, "colour")]:
        with pytest.raises(ValidationFailed) as raised:
            support.search_articles(bad)
        assert field in raised.value.errors


def test_public_search_shows_published_public_articles_only(support):
    term = word()
    public = published_article(support, title=f"Public {term}", visibility="public")
    published_article(support, title=f"Internal {term}")
    new_article(support, title=f"Draft {term}", visibility="public")
    archived = published_article(support, title=f"Old {term}", visibility="public")
    support.archive_article(archived["id"], "ann")
    answer = support.search_public_articles({"q": term})
    assert ids(answer) == [public["id"]]
    assert set(answer["items"][0]) == {"id", "slug", "title", "tags", "category_id", "language", "published_at",
                                       "title_highlight", "snippet"}
    assert public["id"] in ids(support.search_public_articles({"limit": 100}))
    with pytest.raises(ValidationFailed):
        support.search_public_articles({"status": ["draft"]})


def test_suggested_articles_for_a_case(support, db):
    term = word()
    best = published_article(support, title=f"Paper jams in the {term} printer",
                             body="Open the tray and remove the jammed paper.")
    partial = published_article(support, title=f"{term} toner", body="Replace the cartridge.")
    draft = new_article(support, title=f"Draft about {term} paper jams")
    archived = published_article(support, title=f"Old {term} paper jam notes")
    support.archive_article(archived["id"], "ann")
    case_id = new_case(db, f"My {term} printer keeps jamming", "The paper is stuck, what should I do?")
    support.link_article_case(partial["id"], {"case_id": case_id}, "ann")

    answer = support.suggested_articles(case_id, {"limit": 20})["items"]
    assert answer[0]["id"] == best["id"]  # the most of the case's words, in its title
    items = [item for item in answer if item["id"] in (best["id"], partial["id"])]  # other tests' articles aside
    assert [item["id"] for item in items] == [best["id"], partial["id"]]
    assert items[0]["rank"] > items[1]["rank"] and "<mark>" in (items[0]["snippet"] or "")
    assert [item["linked"] for item in items] == [False, True]
    assert all(item["id"] not in (archived["id"], draft["id"]) for item in answer)  # published only
    assert len(support.suggested_articles(case_id, {"limit": 1})["items"]) == 1
    assert support.suggested_articles(new_case(db, "the and of", None))["items"] == []
    with pytest.raises(NotFound):
        support.suggested_articles("8b0f2c57-0d8e-4a8e-9d7e-2b1c2f4c1a11")
    with pytest.raises(ValidationFailed):
        support.suggested_articles(case_id, {"limit": 21})
