"""The knowledge base screens' journeys, checked against the API: a support
agent writes an article with the live preview, submits and publishes it,
finds it by search with the words highlighted, edits and publishes it again
and sees the two versions' diff; markup typed into an article is shown as
text in search snippets; bad input is refused next to its field; a sales
user reads articles but sees no action that writes; the screens pass axe
and fit a phone."""

import re
import uuid

from playwright.sync_api import expect

from tests.console import harness


def _h1(page):
    return page.get_by_role("heading", level=1)


def _status(page):
    return page.locator(".page-head .badge").first


def _published_article(api, title, body, visibility="internal", tags=()):
    """An article made and published through the API (as the admin)."""
    article = api.post("/articles", {"title": title, "body": body, "visibility": visibility, "tags": list(tags)})
    article = api.call("POST", f"/articles/{article['id']}/submit", headers={"If-Match": f'"{article["version"]}"'})
    return api.call("POST", f"/articles/{article['id']}/publish", headers={"If-Match": f'"{article["version"]}"'})


def test_write_preview_publish_search_and_diff_two_versions(signed_in, api, base_url):
    word = f"frobnicator{uuid.uuid4().hex[:6]}"
    title = f"Reset the {word}"
    page = signed_in("support", "/kb")
    page.get_by_role("link", name="New article").click()
    expect(_h1(page)).to_have_text("New article")
    page.get_by_label("Title").fill(title)
    text = page.get_by_label("Text (Markdown)")
    text.fill(f"Hold the **{word}** button for ten seconds.\n\n- unplug it\n- wait")
    # The server's rendering shows beside the text a moment after typing stops.
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("strong")).to_have_text(word)
    expect(preview.locator("li")).to_have_count(2)
    page.get_by_label("Tags").fill("devices, Reset")
    page.get_by_label("Visibility").select_option("public")
    # A new category, made in place and chosen.
    category = f"Devices {word[-6:]}"
    page.get_by_role("button", name="New category").click()
    page.get_by_label("New category's name").fill(category)
    page.get_by_role("button", name="Add category").click()
    expect(page.get_by_label("Category", exact=True)).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))
    page.get_by_role("button", name="Create article").click()
    expect(page).to_have_url(re.compile(r"/console/kb/[0-9a-f-]{36}$"))
    harness.settled(page)
    article_id = page.url.rsplit("/", 1)[-1]
    expect(_h1(page)).to_have_text(title)
    expect(_status(page)).to_have_text("Draft")
    expect(page.get_by_role("region", name="Article").locator("strong")).to_have_text(word)
    stored = api.get(f"/articles/{article_id}")
    assert stored["tags"] == ["devices", "reset"] and stored["visibility"] == "public"
    assert stored["category_id"] == next(c["id"] for c in api.get("/kb/categories")["items"] if c["name"] == category)
    expect(page.locator(".page-head")).to_contain_text(category)

    page.get_by_role("button", name="Submit for review").click()
    expect(_status(page)).to_have_text("In review")
    page.get_by_role("button", name="Publish").click()
    expect(_status(page)).to_have_text("Published")
    assert api.get(f"/articles/{article_id}")["published_number"] == 1

    # Found by search, the word highlighted (title and snippet).
    harness.visit(page, base_url, f"/kb?q={word}")
    hits = page.get_by_role("list", name="Articles")
    expect(hits.get_by_role("link", name=title)).to_be_visible()
    expect(hits.locator("mark").first).to_have_text(re.compile(word, re.I))

    # An edit of the published article, published again: two versions and their diff.
    hits.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Edit article").click()
    expect(_h1(page)).to_have_text(f"Edit “{title}”")
    text = page.get_by_label("Text (Markdown)")
    text.fill(f"Hold the **{word}** button for twenty seconds.\n\n- unplug it\n- wait")
    expect(page.get_by_role("region", name="Preview")).to_contain_text("twenty seconds")
    page.get_by_role("button", name="Save article").click()
    expect(page).to_have_url(re.compile(rf"/console/kb/{article_id}$"))
    expect(page.get_by_role("status")).to_contain_text("draft")
    # Readers still see the published text.
    expect(page.get_by_role("region", name="Article")).to_contain_text("ten seconds")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("region", name="Article")).to_contain_text("twenty seconds")
    assert api.get(f"/articles/{article_id}")["published_number"] == 2

    page.get_by_role("link", name="Version history").click()
    expect(page).to_have_url(re.compile(rf"/kb/{article_id}/versions$"))
    expect(page.get_by_role("list", name="Versions").locator("li")).to_have_count(2)
    diff = page.get_by_role("table", name="Changes from version 1 to version 2")
    expect(diff.locator("tr.diff-remove")).to_contain_text("ten seconds")
    expect(diff.locator("tr.diff-add")).to_contain_text("twenty seconds")


def test_markup_in_an_article_shows_as_text_in_snippets(signed_in, api, base_url):
    word = f"zorblax{uuid.uuid4().hex[:6]}"
    _published_article(api, f"Markup {word}", f"The {word} page says <img src=x onerror=alert(1)> and <b>bold</b>.")
    page = signed_in("support", f"/kb?q={word}")
    snippet = page.locator(".kb-snippet").first
    expect(snippet).to_contain_text("<img src=x onerror=alert(1)>")
    expect(snippet.locator("mark").first).to_have_text(re.compile(word, re.I))
    assert snippet.locator("img, b").count() == 0
    page.get_by_role("link", name=f"Markup {word}").click()
    body = page.get_by_role("region", name="Article")
    expect(body).to_contain_text("<b>bold</b>")
    assert body.locator("img, b, script").count() == 0


def test_filters_live_in_the_query_string(signed_in, api, base_url):
    word = f"quuxinator{uuid.uuid4().hex[:6]}"
    _published_article(api, f"Public {word}", f"About {word}.", visibility="public")
    _published_article(api, f"Internal {word}", f"About {word} for agents.", visibility="internal")
    page = signed_in("support", "/kb")
    # Searched from the keyboard: the words, then Enter.
    form = page.get_by_role("search", name="Search articles")
    form.get_by_label("Search", exact=True).fill(word)
    form.get_by_label("Search", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(rf"q={word}"))
    hits = page.get_by_role("list", name="Articles")
    expect(hits.locator("> li")).to_have_count(2)
    form.get_by_label("Visibility").select_option("public")
    form.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"visibility=public"))
    expect(hits.locator("> li")).to_have_count(1)
    expect(hits).to_contain_text(f"Public {word}")
    # Back restores the unfiltered list.
    page.go_back()
    expect(hits.locator("> li")).to_have_count(2)


def test_bad_input_is_refused_next_to_its_field(signed_in):
    page = signed_in("support", "/kb/new")
    page.get_by_label("Text (Markdown)").fill("Some text.")
    page.get_by_role("button", name="Create article").click()
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.invalid", has=title)).to_contain_text("Give the article a title")
    # The server's reason: a tag longer than 50 characters.
    title.fill("A title")
    page.get_by_label("Tags").fill("x" * 60)
    page.get_by_role("button", name="Create article").click()
    tags = page.get_by_label("Tags")
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/kb/new$"))


def test_a_sales_user_reads_but_sees_no_write_actions(signed_in, api, base_url):
    word = f"plumbus{uuid.uuid4().hex[:6]}"
    article = _published_article(api, f"How a {word} is made", f"Everyone has a {word}.")
    page = signed_in("sales", "/kb")
    expect(_h1(page)).to_have_text("Knowledge base")
    expect(page.get_by_role("link", name="New article")).to_have_count(0)
    harness.visit(page, base_url, f"/kb/{article['id']}")
    expect(_h1(page)).to_have_text(f"How a {word} is made")
    expect(page.get_by_role("region", name="Article")).to_contain_text(f"Everyone has a {word}.")
    for name in ("Edit article", "Archive", "Publish", "Submit for review"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("link", name="Version history")).to_be_visible()


def test_kb_screens_pass_axe_and_fit_a_phone(signed_in, api, base_url):
    word = f"gizmo{uuid.uuid4().hex[:6]}"
    article = _published_article(api, f"Gizmo {word}", f"The {word}.\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    for path in ("/kb", f"/kb?q={word}", f"/kb/{article['id']}", f"/kb/{article['id']}/versions", "/kb/new"):
        page = signed_in("support", path)
        assert page.locator("main h1").count() == 1, f"{path}: not one <h1>"
        assert page.title().endswith(" · CRM"), f"{path}: tab title {page.title()!r}"
        assert page.get_by_role("navigation", name="Breadcrumb").count() == 1, f"{path}: no breadcrumbs"
        violations = harness.axe_violations(page)
        assert not violations, f"{path}: {harness.describe_violations(violations)}"
        page.close()
        phone = signed_in("support", path, viewport=harness.PHONE)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= harness.PHONE["width"], f"{path} is {width}px wide on a phone"
        phone.close()
