"""Each role's main journeys through the console, checked against the API:
a sales rep from a lead to a forecast, a support agent finding a customer,
a marketer importing leads, an admin running the suite."""

import re
import uuid
from datetime import date

from playwright.sync_api import expect

from tests.console import harness


def _h1(page):
    return page.get_by_role("heading", level=1)


def test_sales_from_a_new_lead_to_the_forecast(signed_in, api, base_url):
    page = signed_in("sales", "/leads")
    # Filter by a status count.
    page.get_by_role("list", name="Leads by status").get_by_role("link", name=re.compile(r"^Qualified \d")).click()
    expect(page).to_have_url(re.compile(r"status=qualified"))
    harness.settled(page)
    badges = page.locator("table.list tbody td[data-label='Status']")
    expect(badges.first).to_have_text("Qualified")
    assert set(badges.all_inner_texts()) == {"Qualified"}

    # Create a lead.
    page.get_by_role("link", name="New lead").click()
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quist")
    page.get_by_label("Company").fill("Quist Freight")
    page.get_by_label("Email").fill("nora@quist.example")
    page.get_by_role("button", name="Create lead").click()
    expect(_h1(page)).to_have_text("Nora Quist")
    lead_id = page.url.rsplit("/", 1)[-1]

    # Edit a field in place.
    details = page.get_by_role("region", name="Details")
    details.get_by_role("button", name="Edit details").click()
    page.get_by_label("Job title").fill("Head of Logistics")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(details.locator(".fact", has_text="Job title")).to_contain_text("Head of Logistics")

    # Qualify, then convert: the opportunity's page opens.
    page.get_by_role("button", name="Qualify", exact=True).click()
    expect(page.locator(".page-head .badge")).to_have_text("Qualified")
    page.get_by_role("button", name="Convert…").click()
    form = page.get_by_role("form", name="Convert the lead")
    form.get_by_label("Opportunity name").fill("Quist Freight fleet deal")
    form.get_by_label("Amount").fill("2500")
    form.get_by_label("Currency").fill("EUR")
    form.get_by_label("Expected close date").fill(date.today().isoformat())
    form.get_by_role("button", name="Convert", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/opportunities/[0-9a-f-]{36}$"))
    expect(_h1(page)).to_have_text("Quist Freight fleet deal")
    opportunity_id = page.url.rsplit("/", 1)[-1]
    assert api.get(f"/leads/{lead_id}")["status"] == "converted"

    # Log a call on it.
    harness.settled(page)
    page.get_by_role("button", name="Log a call, meeting, note or task").click()
    log = page.get_by_role("form", name="Log an activity")
    log.get_by_label("Subject").fill("Intro call with Nora")
    log.get_by_role("button", name="Save call").click()
    expect(page.get_by_role("region", name="Activities").get_by_text("Intro call with Nora")).to_be_visible()
    [call] = api.get("/activities", opportunity_id=opportunity_id)["items"]
    assert call["kind"] == "call" and call["subject"] == "Intro call with Nora"

    # Move it on the board.
    stage_before = api.get(f"/opportunities/{opportunity_id}")["stage"]
    harness.visit(page, base_url, "/pipeline")
    card = page.get_by_role("article", name="Quist Freight fleet deal")
    mover = card.get_by_role("form", name="Move Quist Freight fleet deal")
    [stage] = mover.get_by_label("Move to stage").select_option(index=0)
    assert stage != stage_before
    mover.get_by_role("button", name=re.compile("^Move Quist Freight fleet deal to")).click()
    column = page.locator(f"section.board-column[aria-labelledby='stage-{stage}']")
    expect(column.get_by_role("article", name="Quist Freight fleet deal")).to_be_visible()
    expect(page.get_by_role("article", name="Quist Freight fleet deal")).to_have_count(1)
    # The card shows in its new column while the move is saved; the status says once it is.
    expect(page.get_by_role("status").filter(has_text="Moved “Quist Freight fleet deal” to")).to_be_visible()
    harness.settled(page)
    assert api.get(f"/opportunities/{opportunity_id}")["stage"] == stage

    # The forecast counts it.
    harness.visit(page, base_url, "/forecast")
    expect(_h1(page)).to_have_text(re.compile(r"^Forecast"))
    expect(page.get_by_role("list", name="Totals")).to_be_visible()


def test_support_finds_a_customer_and_cannot_change_it(signed_in, base_url, seeded):
    page = signed_in("support", "/")
    search = page.get_by_role("searchbox", name="Search leads, accounts, contacts and deals")
    search.fill("Globex")
    search.press("Enter")
    expect(_h1(page)).to_have_text("Search results for “Globex”")
    page.get_by_role("link", name=harness.ACCOUNT, exact=True).click()
    expect(_h1(page)).to_have_text(harness.ACCOUNT)
    harness.settled(page)
    expect(page.get_by_role("link", name=" ".join(harness.CONTACT))).to_be_visible()
    # The timeline is there to read; support may not log activities or edit the account.
    expect(page.get_by_text("Kick-off call with Grace")).to_be_visible()
    expect(page.get_by_role("button", name="Log a call, meeting, note or task")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)


def test_marketing_imports_a_csv_and_lists_leads_by_source(signed_in, api, base_url):
    page = signed_in("marketing", "/leads/import")
    tag = uuid.uuid4().hex[:6]
    rows = ["first_name,last_name,email,company,source,country"]
    rows += [f"Imported{n},Lead{tag},imp{n}.{tag}@example.net,Import Co {n},event,DE" for n in range(40)]
    rows += [f"Broken,Country{tag},broken.{tag}@example.net,Bad Co,event,XX",
             f"Broken,Email{tag},not-an-email,Bad Co,event,DE"]
    page.get_by_label("CSV file", exact=True).set_input_files(
        files=[{"name": f"event-{tag}.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode()}])
    page.get_by_role("button", name="Import").click()
    progress = page.get_by_role("region", name="Import progress")
    expect(progress.get_by_role("heading", level=2)).to_have_text(f"event-{tag}.csv: done", timeout=30000)
    expect(progress).to_contain_text("42 of 42 rows · 40 created · 2 failed")
    expect(page.get_by_role("progressbar", name="Rows processed")).to_have_attribute("value", "42")
    failed = page.get_by_role("table", name="Rows not imported").locator("tbody tr")
    expect(failed).to_have_count(2)
    expect(failed.first).to_contain_text("country")
    assert len(api.get("/leads", q=f"Lead{tag}", limit=100)["items"]) == 40

    # The lead list by source: only event leads, the imported ones among them.
    harness.visit(page, base_url, "/leads")
    page.get_by_label("Source").select_option("event")
    page.get_by_label("Name, email or company").fill(f"Lead{tag}")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"source=event"))
    harness.settled(page)
    sources = page.locator("table.list tbody td[data-label='Source']")
    expect(sources.first).to_have_text("Event")
    assert set(sources.all_inner_texts()) == {"Event"}
    expect(page.get_by_role("link", name="All 40")).to_be_visible()


def test_admin_creates_a_user_sets_a_missing_rate_and_previews_scoring(signed_in, api, base_url):
    page = signed_in("admin", "/admin/users")
    page.get_by_role("link", name="New user").click()
    username = f"nina-{uuid.uuid4().hex[:4]}"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Nina New")
    page.get_by_label("Role").select_option("marketing")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_role("button", name="Create user").click()
    expect(_h1(page)).to_have_text(re.compile(f"^Nina New\\b.*{username}"))
    [user] = [u for u in api.get("/users")["items"] if u["username"] == username]
    assert user["role"] == "marketing" and user["has_password"] is True

    # The forecast warns of the missing CHF rate; the admin sets it from there.
    harness.visit(page, base_url, "/forecast")
    page.get_by_role("link", name=f"Set the {harness.NO_RATE_CURRENCY} rate now").click()
    expect(_h1(page)).to_have_text("Exchange rates")
    expect(page.get_by_label("Currency")).to_have_value(harness.NO_RATE_CURRENCY)
    page.get_by_label(re.compile(r"^Rate \(")).fill("1.05")
    page.get_by_role("button", name="Save rate").click()
    expect(page.get_by_role("status")).to_be_visible()
    rates = api.get("/exchange-rates")["items"]
    assert any(rate["currency"] == harness.NO_RATE_CURRENCY for rate in rates)
    harness.visit(page, base_url, "/forecast")
    expect(page.get_by_text(f"There is no {harness.NO_RATE_CURRENCY} exchange rate")).to_have_count(0)

    # Scoring rules: change a rule's points, preview the effect, save.
    harness.visit(page, base_url, "/admin/scoring")
    points = page.get_by_role("spinbutton").first
    before = int(points.input_value() or 0)
    after = before + 7 if before < 93 else before - 7
    points.fill(str(after))
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("table")).to_be_visible()
    expect(preview.locator("tbody tr").first).to_be_visible()  # the newest leads, scored both ways
    assert api.get("/leads/scoring-rules")["rules"][0]["points"] == before  # a preview saves nothing
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    saved = api.get("/leads/scoring-rules")
    assert saved["rules"][0]["points"] == after and saved["changed_by"] == harness.PEOPLE["admin"][0]
