"""The help centre's pages (/help): public knowledge base articles as web
pages without signing in.  Pages that need no script under a strict
Content-Security-Policy; everything the service sends escaped except the
article's sanitised body and the search's <mark>; internal or unpublished
articles a 404 page; votes rate limited like the API's public votes; left
out of the OpenAPI document."""

import random
import re

import pytest

from gateway.app import create_app
from gateway.routes.help import description, marked
from shared.schemas.errors import NotFound, Unavailable
from tests.gateway.conftest import assert_safe_html, random_ip

ARTICLE_ID = "6a6a6a6a-1111-4c1e-9a55-2f9f5f0d1a01"
OTHER_ID = "6a6a6a6a-1111-4c1e-9a55-2f9f5f0d1a02"
CATEGORY_ID = "8c8c8c8c-3333-4c1e-9a55-2f9f5f0d1a03"
EMPTY_CATEGORY_ID = "8c8c8c8c-3333-4c1e-9a55-2f9f5f0d1a04"
CATEGORIES = {"items": [
    {"id": EMPTY_CATEGORY_ID, "name": "Nothing yet", "slug": "nothing-yet", "description": None, "position": 0,
     "articles": 0},
    {"id": CATEGORY_ID, "name": "Billing & <Invoices>", "slug": "billing", "description": "Paying us.",
     "position": 1, "articles": 2},
]}
ARTICLE = {"id": ARTICLE_ID, "slug": "reset-your-password", "title": "Reset <your> password",
           "body_html": "<h2>Steps</h2><p>Open <strong>Settings</strong> &amp; choose <em>Reset</em>.</p>",
           "tags": ["login"], "category_id": CATEGORY_ID, "language": "de",
           "published_at": "2026-11-30T09:15:00+00:00", "helpful_yes": 3, "helpful_no": 1}


def hit(article_id=ARTICLE_ID, slug="reset-your-password", title="Reset <your> password", category_id=CATEGORY_ID,
        **extra):
    return {"id": article_id, "slug": slug, "title": title, "tags": [], "category_id": category_id,
            "language": "en", "published_at": "2026-11-30T09:15:00+00:00", "title_highlight": None, "snippet": None,
            **extra}


PAGE = {"items": [hit(), hit(OTHER_ID, "pay-by-card", "Pay by card"),
                  hit("6a6a6a6a-1111-4c1e-9a55-2f9f5f0d1a03", "other", "Loose ends", None)],
        "page": 1, "next_page": None}


@pytest.fixture
def served(fake_rpc):
    fake_rpc.answers.update({("support", "list_kb_categories"): CATEGORIES,
                             ("support", "search_public_articles"): PAGE,
                             ("support", "read_public_article"): ARTICLE,
                             ("support", "vote_public_article"): {"helpful_yes": 4, "helpful_no": 1}})
    return fake_rpc


def assert_safe_page(response, status):
    html = assert_safe_html(response, status)
    assert "base-uri 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if status != 200:
        assert response.headers["Cache-Control"] == "no-store"
    return html


def tags_in(html):
    """The tag names used in an HTML text."""
    return set(re.findall(r"<([a-z0-9]+)[\s>]", html))


# The front page and search ------------------------------------------------------------------

def test_the_front_page_lists_the_newest_articles_by_category(client, served):
    html = assert_safe_page(client.get("/help"), 200)
    assert '<html lang="en">' in html and "<title>Help centre</title>" in html
    assert 'role="search"' in html and '<label for="q">' in html and 'name="q"' in html
    assert "Newest articles" in html and 'href="/help/reset-your-password"' in html
    assert 'href="/help?category=billing"' in html and "Billing &amp; &lt;Invoices&gt;" in html
    assert "Nothing yet" not in html, "a category without public articles is not shown"
    assert "Other articles" in html and "Loose ends" in html
    assert "Reset &lt;your&gt; password" in html
    [search] = [args for _, method, args in served.calls if method == "search_public_articles"]
    assert search == ({"page": 1, "limit": 100},)


def test_a_search_shows_highlighted_snippets_and_escapes_everything_else(client, served):
    served.answers[("support", "search_public_articles")] = {"items": [hit(
        title_highlight="Reset <mark>password</mark> <img src=x onerror=alert(1)>",
        snippet="Type your &lt;b&gt; <mark>password</mark> <script>alert(2)</script> again")],
        "page": 1, "next_page": 2}
    query = '"reset password" -<script>alert(3)</script>'
    response = client.get("/help", query_string={"q": query})
    html = assert_safe_page(response, 200)
    main = html.split("<main", 1)[1]
    assert tags_in(main) & {"img", "script", "b"} == set()
    assert "Reset <mark>password</mark> &lt;img src=x onerror=alert(1)&gt;" in html
    assert "Type your &lt;b&gt; <mark>password</mark> &lt;script&gt;alert(2)&lt;/script&gt; again" in html
    echoed = "&#34;reset password&#34; -&lt;script&gt;alert(3)&lt;/script&gt;"
    assert f'value="{echoed}"' in html, "the query is kept in the box, escaped"
    assert "&lt;script&gt;alert(3)" in html.split("<h1>", 1)[1].split("</h1>")[0]
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="next"' in html and "page=2" in html and "q=%22reset" in html
    [search] = [args for _, method, args in served.calls if method == "search_public_articles"]
    assert search == ({"page": 1, "limit": 20, "q": query},)


def test_the_help_centre_answers_with_a_trailing_slash_too(client, served):
    assert_safe_page(client.get("/help/", follow_redirects=True), 200)


def test_a_search_without_results_says_so(client, served):
    served.answers[("support", "search_public_articles")] = {"items": [], "page": 1, "next_page": None}
    html = assert_safe_page(client.get("/help?q=nothing+here"), 200)
    assert "No article matches your search" in html


def test_a_category_lists_its_articles(client, served):
    html = assert_safe_page(client.get("/help?category=billing&page=2&utm_source=mail"), 200)
    assert "<h1>Billing &amp; &lt;Invoices&gt;</h1>" in html and "Paying us." in html
    assert 'rel="prev"' in html and 'href="/help?category=billing"' in html
    [search] = [args for _, method, args in served.calls if method == "search_public_articles"]
    assert search == ({"page": 2, "limit": 20, "category_id": CATEGORY_ID},)


@pytest.mark.parametrize("path", ["/help?category=no-such", "/help?category=Bad%20Slug", "/help?page=3"])
def test_an_unknown_category_or_page_is_a_404_page(client, served, path):
    html = assert_safe_page(client.get(path), 404)
    assert "Page not found" in html and '<meta name="robots" content="noindex">' in html
    assert "search_public_articles" not in served.methods()


@pytest.mark.parametrize("query", [{"q": "x" * 201}, {"page": "0"}, {"page": "two"}, {"page": "1001"},
                                   {"q": "nul\x00byte"}])
def test_bad_searches_are_422_pages_before_the_service(client, served, query):
    html = assert_safe_page(client.get("/help", query_string=query), 422)
    assert 'role="alert"' in html and 'name="q"' in html
    assert served.calls == []


@pytest.mark.parametrize(("method", "path"), [("search_public_articles", "/help?q=password"),
                                              ("list_kb_categories", "/help?category=billing"),
                                              ("read_public_article", "/help/reset-your-password")])
def test_the_service_unavailable_is_a_page_not_json(client, served, method, path):
    served.answers[("support", method)] = Unavailable("The support service is down.")
    html = assert_safe_page(client.get(path), 503)
    assert "unavailable" in html


def test_the_front_page_without_categories_lists_the_articles(client, served):
    served.answers[("support", "list_kb_categories")] = Unavailable("Down.")
    html = assert_safe_page(client.get("/help"), 200)
    assert "<h2 id=\"newest\">Articles</h2>" in html and "Loose ends" in html and "Other articles" not in html


# An article -----------------------------------------------------------------------------------

def test_an_article_is_a_page_in_its_language(client, served):
    response = client.get("/help/reset-your-password")
    html = assert_safe_page(response, 200)
    assert response.headers["Cache-Control"].startswith("public")
    assert '<html lang="de">' in html
    assert "<title>Reset &lt;your&gt; password · Help centre</title>" in html
    assert "<h1>Reset &lt;your&gt; password</h1>" in html
    assert ARTICLE["body_html"] in html, "the service's sanitised body is shown as HTML"
    assert '<meta name="description" content="Steps Open Settings &amp; choose Reset.">' in html
    assert '<time datetime="2026-11-30">2026-11-30</time>' in html
    assert 'href="/help?category=billing">Billing &amp; &lt;Invoices&gt;</a>' in html
    assert '<link rel="canonical" href="http://localhost/help/reset-your-password">' in html
    assert '<form method="post" action="/help/reset-your-password/vote#helpful">' in html
    assert 'name="helpful" value="yes"' in html and 'name="helpful" value="no"' in html
    assert 'lang="en"' in html, "the page's own words are marked as English"
    related = html.split('id="related"', 1)[1]
    assert 'href="/help/pay-by-card"' in related and "/help/reset-your-password" not in related
    calls = [(method, args) for _, method, args in served.calls]
    assert calls[0] == ("read_public_article", ("reset-your-password",))
    assert ("search_public_articles", ({"category_id": CATEGORY_ID, "limit": 6, "page": 1},)) in calls


def test_an_article_by_id_points_to_its_slug(client, served):
    html = assert_safe_page(client.get(f"/help/{ARTICLE_ID}"), 200)
    assert 'rel="canonical" href="http://localhost/help/reset-your-password"' in html
    assert served.calls[0][1:] == ("read_public_article", (ARTICLE_ID,))


def test_an_article_without_category_or_related_articles_still_shows(client, served):
    served.answers[("support", "read_public_article")] = {**ARTICLE, "category_id": None, "language": "en"}
    served.answers[("support", "list_kb_categories")] = Unavailable("Down.")
    html = assert_safe_page(client.get("/help/reset-your-password"), 200)
    assert '<html lang="en">' in html and 'id="related"' not in html and "Was this helpful?" in html


def test_what_the_service_sends_is_escaped_on_the_article_page(client, served):
    served.answers[("support", "read_public_article")] = {
        **ARTICLE, "title": '"><script>alert(1)</script>', "language": '"><script>',
        "published_at": "<b>2026</b>"}
    html = assert_safe_page(client.get("/help/reset-your-password"), 200)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and '<html lang="en">' in html


def test_a_long_body_gives_a_short_description():
    text = description("<p>" + "word " * 100 + "</p>")
    assert len(text) <= 161 and text.endswith("word…")
    assert description("<p>a &lt;b&gt;</p>") == "a <b>"


def test_an_internal_or_unpublished_article_is_a_404_page(client, served):
    served.answers[("support", "read_public_article")] = NotFound("No public article 'internal-notes'.")
    html = assert_safe_page(client.get("/help/internal-notes"), 404)
    assert "Page not found" in html and "internal-notes" not in html and "<form" in html


@pytest.mark.parametrize("reference", ["bad%20slug", "a" * 121, "x.y", "%3Cscript%3E"])
def test_a_reference_of_the_wrong_shape_is_a_404_page_before_the_service(client, served, reference):
    assert_safe_page(client.get(f"/help/{reference}"), 404)
    assert_safe_page(client.post(f"/help/{reference}/vote", data={"helpful": "yes"}), 404)
    assert served.calls == []


# Was this helpful? ------------------------------------------------------------------------------

def test_a_vote_is_thanked_on_the_same_page(client, served):
    response = client.post("/help/reset-your-password/vote", data={"helpful": "no"},
                           environ_base={"REMOTE_ADDR": random_ip()})
    html = assert_safe_page(response, 200)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Thank you for your feedback" in html and 'name="helpful"' not in html and 'role="status"' in html
    assert ARTICLE["body_html"] in html
    calls = [(method, args) for _, method, args in served.calls]
    assert calls[0] == ("vote_public_article", ("reset-your-password", {"helpful": False}))


@pytest.mark.parametrize("form", [{}, {"helpful": "maybe"}, {"helpful": ["yes", "no"]}])
def test_a_vote_without_a_clear_answer_asks_again(client, served, form):
    html = assert_safe_page(client.post("/help/reset-your-password/vote", data=form,
                                        environ_base={"REMOTE_ADDR": random_ip()}), 422)
    assert 'role="alert"' in html and 'name="helpful" value="yes"' in html
    assert "vote_public_article" not in served.methods()


def test_a_vote_on_an_article_that_is_not_public_is_a_404_page(client, served):
    served.answers[("support", "vote_public_article")] = NotFound("No public article 'internal-notes'.")
    assert_safe_page(client.post("/help/internal-notes/vote", data={"helpful": "yes"},
                                 environ_base={"REMOTE_ADDR": random_ip()}), 404)


@pytest.fixture
def vote_limited_app(rate_limited_app):
    return rate_limited_app({("support", "read_public_article"): ARTICLE, ("support", "vote_public_article"): {}},
                            KB_VOTE_RATE_LIMIT=2)


def test_votes_are_rate_limited_with_the_apis_public_votes(vote_limited_app):
    client, ip, rpc = vote_limited_app.test_client(), random_ip(), vote_limited_app.extensions["gateway"].rpc
    page = client.post("/help/reset-your-password/vote", data={"helpful": "yes"}, environ_base={"REMOTE_ADDR": ip})
    assert page.status_code == 200
    api = client.post("/api/v1/public/articles/reset-your-password/votes", json={"helpful": True},
                      environ_base={"REMOTE_ADDR": ip})
    assert api.status_code == 201, "one count for both ways of voting"
    rpc.calls.clear()
    response = client.post("/help/reset-your-password/vote", data={"helpful": "yes"},
                           environ_base={"REMOTE_ADDR": ip})
    html = assert_safe_page(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60 and "try again" in html
    assert rpc.calls == []
    other = client.post("/help/reset-your-password/vote", data={"helpful": "yes"},
                        environ_base={"REMOTE_ADDR": random_ip()})
    assert other.status_code == 200


# The rest ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    (None, ""),
    ("plain &amp; simple", "plain &amp; simple"),
    ("a <mark>b</mark> c", "a <mark>b</mark> c"),
    ("<mark>open", "<mark>open</mark>"),
    ("close</mark> <mark><mark>twice</mark></mark>", "close <mark>twice</mark>"),
    ('<b>bold</b> <mark class="x">no</mark> "q"', '&lt;b&gt;bold&lt;/b&gt; &lt;mark class="x"&gt;no "q"'),
    ("&lt;script&gt;", "&lt;script&gt;"),
])
def test_only_mark_is_markup_in_highlights(text, expected):
    assert str(marked(text)) == expected


def test_the_pages_are_not_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert not any(path == "/help" or path.startswith("/help/") for path in spec["paths"])


# Through the real support service ---------------------------------------------------------------

@pytest.fixture(scope="module")
def help_live(component_config, gateway_config):
    from services.support.service import SupportService
    from shared.kit.testing import start_container
    from tests.helpers import wait_for

    container = start_container(SupportService, dict(component_config("support")))
    app = create_app({**gateway_config, "RPC_POOL_SIZE": 2, "RPC_TIMEOUT": 20})
    wait_for(lambda: app.test_client().get("/ready").status_code == 200, 20, message="the gateway is not ready")
    yield app
    app.extensions["gateway"].close()
    container.kill()


def test_published_public_articles_are_pages_and_others_are_not(help_live):
    rpc, client = help_live.extensions["gateway"].rpc, help_live.test_client()
    word = f"zq{random.randint(10**6, 10**7)}"

    def published(title, body, **fields):
        article = rpc.call("support", "create_article", {"title": title, "body": body, **fields}, "writer")
        rpc.call("support", "submit_article", article["id"], "writer")
        return rpc.call("support", "publish_article", article["id"], "reviewer")

    public = published(f"Reset the <router> {word}", f"Hold the **button** for {word} seconds.\n\n<script>x</script>",
                       visibility="public", language="fr")
    internal = published(f"Internal {word}", f"Only for agents {word}.")
    draft = rpc.call("support", "create_article", {"title": f"Draft {word}", "body": "Soon.",
                                                    "visibility": "public"}, "writer")

    html = assert_safe_page(client.get(f"/help/{public['slug']}"), 200)
    assert '<html lang="fr">' in html and "Reset the &lt;router&gt;" in html
    assert "<strong>button</strong>" in html and "<script>x" not in html and "&lt;script&gt;x" in html
    for hidden in (internal, draft):
        assert_safe_page(client.get(f"/help/{hidden['slug']}"), 404)
        assert_safe_page(client.get(f"/help/{hidden['id']}"), 404)

    found = assert_safe_page(client.get("/help", query_string={"q": word}), 200)
    assert f"/help/{public['slug']}" in found and f"<mark>{word}</mark>" in found
    assert internal["slug"] not in found and draft["slug"] not in found

    thanks = client.post(f"/help/{public['slug']}/vote", data={"helpful": "yes"},
                         environ_base={"REMOTE_ADDR": random_ip()})
    assert "Thank you" in assert_safe_page(thanks, 200)
    assert rpc.call("support", "get_article", public["id"])["stats"]["helpful_yes"] == 1
    assert_safe_page(client.post(f"/help/{internal['slug']}/vote", data={"helpful": "yes"},
                                 environ_base={"REMOTE_ADDR": random_ip()}), 404)
