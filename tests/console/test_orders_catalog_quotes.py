"""The catalog and quote screens' journeys, checked against the API: an admin
adds a product, its price (with volume tiers in a book) and a tax rate; a
sales rep builds a two-line quote from an opportunity and watches the
server's totals change as the lines change, saves, sends and accepts it; a
bad quantity is refused next to its field; the readonly role sees no
button that writes."""

import re
import uuid

from playwright.sync_api import expect

from tests.console import harness


def _h1(page):
    return page.get_by_role("heading", level=1)


def _status(page):
    return page.locator(".page-head .badge").first


def _standard_book(seeded):
    return next(iter(seeded.price_books.values()))


def test_admin_adds_a_product_a_price_with_tiers_and_a_tax_rate(signed_in, api, base_url, seeded):
    tag = uuid.uuid4().hex[:6].upper()
    sku, name = f"WID-{tag}", f"Widget {tag}"
    page = signed_in("admin", "/products")
    page.get_by_role("link", name="New product").click()
    expect(_h1(page)).to_have_text("New product")
    page.get_by_label("SKU").fill(sku)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Family").fill("Hardware")
    page.get_by_role("button", name="Create product").click()
    expect(page).to_have_url(re.compile(r"/console/products/[0-9a-f-]{36}$"))
    expect(_h1(page)).to_have_text(name)
    product_id = page.url.rsplit("/", 1)[-1]

    # A taken SKU is refused next to the field.
    harness.visit(page, base_url, "/products/new")
    page.get_by_label("SKU").fill(sku.lower())
    page.get_by_label("Name", exact=True).fill("Another widget")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_label("SKU")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/products/new$"))

    # Edit in place, then price it in the standard book.
    harness.visit(page, base_url, f"/products/{product_id}")
    details = page.get_by_role("region", name="Details")
    details.get_by_role("button", name="Edit details").click()
    page.get_by_label("Family").fill("Gadgets")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(details.locator(".fact", has_text="Family")).to_contain_text("Gadgets")
    price_form = page.get_by_role("form", name="Add price")
    expect(price_form.get_by_label("Price book")).to_have_value(_standard_book(seeded))
    price_form.get_by_label("Currency").fill("EUR")
    price_form.get_by_label("Unit price").fill("49.90")
    price_form.get_by_role("button", name="Save price").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved: {sku}")
    expect(page.get_by_role("region", name="Prices")).to_contain_text("49.90")
    [price] = api.get(f"/price-books/{_standard_book(seeded)}/prices", product_id=product_id)["items"]
    assert price["currency"] == "EUR" and re.fullmatch(r"49\.90*", price["unit_price"])
    assert api.get(f"/products/{product_id}")["family"] == "Gadgets"

    # A USD price with a volume tier, from the price book's page (the product picked by SKU).
    harness.visit(page, base_url, f"/price-books/{_standard_book(seeded)}")
    form = page.get_by_role("form", name="Add price")
    form.get_by_label("Product").fill(sku)
    form.get_by_role("button", name=re.compile(f"^{sku}")).click()
    form.get_by_label("Currency").fill("USD")
    form.get_by_label("Unit price").fill("55")
    form.get_by_role("button", name="Add a tier").click()
    form.get_by_label("Tier 1: from quantity").fill("10")
    form.get_by_label("Tier 1: unit price").fill("50")
    form.get_by_role("button", name="Save price").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved: {sku}")
    row = page.get_by_role("region", name="Prices").locator("tr", has_text=sku).filter(has_text="USD")
    expect(row).to_contain_text("from 10")
    usd = api.get(f"/price-books/{_standard_book(seeded)}/prices", product_id=product_id, currency="USD")["items"]
    assert [(t["min_quantity"], t["unit_price"][:5]) for t in usd[0]["tiers"]] == [("10", "50.00")]

    # A tax rate for a country, then closed.
    harness.visit(page, base_url, "/tax-rates")
    add = page.get_by_role("form", name="Add a rate")
    add.get_by_label("Tax category").select_option("reduced")
    add.get_by_label("Country").fill("FR")
    add.get_by_label("Rate (%)").fill("5.5")
    add.get_by_label("Valid from").fill("2024-01-01")
    add.get_by_role("button", name="Save rate").click()
    expect(page.get_by_role("status")).to_contain_text("reduced in FR at 5.5 %")
    row = page.locator("table.list tbody tr", has_text="FR").filter(has_text="Reduced")
    expect(row).to_contain_text("5.5 %")
    row.get_by_role("button", name=re.compile("^Close")).click()
    row.get_by_label("Last day").fill("2030-12-31")
    row.get_by_role("button", name="Close rate").click()
    expect(page.get_by_role("status")).to_contain_text("Closed")
    [rate] = api.get("/tax-rates", country="FR", tax_category="reduced")["items"]
    assert rate["valid_to"] == "2030-12-31"


def test_sales_builds_a_quote_with_live_totals_sends_and_accepts_it(signed_in, api, base_url, seeded):
    globex = seeded.accounts[harness.ACCOUNT]
    deal = api.post("/opportunities", {"account_id": globex, "name": f"Globex quote deal {uuid.uuid4().hex[:4]}",
                                       "amount": "1000.00", "currency": "EUR", "expected_close_date": "2030-01-31"})
    page = signed_in("sales", f"/opportunities/{deal['id']}")
    block = page.get_by_role("region", name="Quotes")
    expect(block).to_contain_text("No quotes yet.")
    block.get_by_role("link", name="New quote").click()
    expect(page).to_have_url(re.compile(r"/console/quotes/new\?"))
    expect(_h1(page)).to_have_text("New quote")
    expect(page.get_by_label("Opportunity")).to_have_value(deal["id"])
    expect(page.get_by_label("Tax country")).to_have_value("DE")  # the account's country
    totals = page.locator(".live-totals")

    page.get_by_label("Find product of line 1").fill(harness.ORDER_PRODUCT_SKU)
    page.get_by_label("Product of line 1", exact=True).select_option(
        label=f"{harness.ORDER_PRODUCT_SKU} · {harness.ORDER_PRODUCT}")
    expect(totals).to_contain_text(re.compile(r"142\.80"))  # 120.00 + 19 % tax, priced by the server
    page.get_by_label("Quantity of line 1").fill("2")
    expect(totals).to_contain_text(re.compile(r"285\.60"))

    page.get_by_role("button", name="Add a line").click()
    page.get_by_label("Find product of line 2").fill("SEED-TRAINING")
    page.get_by_label("Product of line 2", exact=True).select_option(label="SEED-TRAINING · Training day")
    expect(totals).to_contain_text(re.compile(r"1,?416\.10"))  # (240.00 + 950.00) + 19 %
    expect(totals).to_contain_text(re.compile(r"1,?190\.00"))

    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/console/quotes/[0-9a-f-]{36}$"))
    quote_id = page.url.rsplit("/", 1)[-1]
    quote = api.get(f"/quotes/{quote_id}")
    expect(_h1(page)).to_have_text(f"Quote {quote['number']}")
    expect(_status(page)).to_have_text("Draft")
    assert quote["opportunity_id"] == deal["id"] and quote["account_id"] == globex
    assert [line["quantity"].rstrip("0").rstrip(".") for line in quote["lines"]] == ["2", "1"]
    assert quote["totals"]["gross_total"] == "1416.10" and quote["totals"]["net_total"] == "1190.00"
    expect(page.get_by_role("table", name=f"Totals of {quote['number']}")).to_contain_text(re.compile(r"1,?416\.10"))
    expect(page.get_by_role("link", name="Customer document (HTML)")).to_have_attribute(
        "href", f"/api/v1/quotes/{quote_id}/document.html")

    page.get_by_role("button", name="Send", exact=True).click()
    expect(_status(page)).to_have_text("Sent")
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(_status(page)).to_have_text("Accepted")
    expect(page.get_by_role("button", name="Create order")).to_be_visible()
    assert api.get(f"/quotes/{quote_id}")["status"] == "accepted"

    # The opportunity's page lists it.
    harness.visit(page, base_url, f"/opportunities/{deal['id']}")
    block = page.get_by_role("region", name="Quotes")
    expect(block.get_by_role("link", name=re.compile(quote["number"]))).to_be_visible()


def test_a_bad_quantity_shows_its_error_next_to_the_field(signed_in, seeded):
    page = signed_in("sales", f"/quotes/new?account_id={seeded.accounts[harness.ACCOUNT]}")
    expect(page.get_by_label("Tax country")).to_have_value("DE")
    page.get_by_label("Find product of line 1").fill(harness.ORDER_PRODUCT_SKU)
    page.get_by_label("Product of line 1", exact=True).select_option(
        label=f"{harness.ORDER_PRODUCT_SKU} · {harness.ORDER_PRODUCT}")
    expect(page.locator(".live-totals")).to_contain_text(re.compile(r"142\.80"))
    quantity = page.get_by_label("Quantity of line 1")
    quantity.fill("0")
    # The live pricing refuses it, next to the quantity.
    expect(quantity).to_have_attribute("aria-invalid", "true")
    field = page.locator(".field", has=quantity)
    expect(field.locator(".field-error")).to_contain_text(re.compile(r"\S"))
    # Saving is refused the same way, and nothing is stored.
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/quotes/new\?"))
    expect(quantity).to_have_attribute("aria-invalid", "true")
    quantity.fill("3")
    expect(quantity).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".live-totals")).to_contain_text(re.compile(r"428\.40"))


def test_readonly_sees_no_write_buttons(signed_in, base_url, seeded):
    quote_id = next(iter(seeded.quotes.values()))
    page = signed_in("readonly", "/products")
    expect(_h1(page)).to_have_text("Products")
    expect(page.get_by_role("link", name=harness.ORDER_PRODUCT_SKU)).to_be_visible()
    expect(page.get_by_role("link", name="New product")).to_have_count(0)

    harness.visit(page, base_url, f"/products/{seeded.products[harness.ORDER_PRODUCT]}")
    expect(page.get_by_role("region", name="Prices")).to_contain_text("120.00")
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)
    expect(page.get_by_role("form", name="Add price")).to_have_count(0)

    harness.visit(page, base_url, f"/price-books/{_standard_book(seeded)}")
    expect(page.get_by_role("form", name="Add price")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)

    harness.visit(page, base_url, "/tax-rates")
    expect(page.get_by_role("form", name="Add a rate")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Close"))).to_have_count(0)

    harness.visit(page, base_url, "/quotes")
    expect(page.get_by_role("link", name="New quote")).to_have_count(0)
    harness.visit(page, base_url, f"/quotes/{quote_id}")
    expect(_status(page)).to_have_text("Draft")
    expect(page.get_by_role("link", name="PDF")).to_be_visible()
    for name in ("Send", "Accept", "Reject…", "Revise", "Create order"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)

    harness.visit(page, base_url, f"/opportunities/{seeded.opportunities[harness.OPPORTUNITY]}")
    expect(page.get_by_role("region", name="Quotes")).to_be_visible()
    expect(page.get_by_role("link", name="New quote")).to_have_count(0)


def test_sales_revises_a_sent_quote_edits_the_draft_and_rejects_it(signed_in, api, base_url, seeded):
    quote = api.post("/quotes", {
        "account_id": seeded.accounts[harness.ACCOUNT], "currency": "EUR",
        "lines": [{"product_id": seeded.products[harness.ORDER_PRODUCT], "quantity": "1"}]})
    api.call("POST", f"/quotes/{quote['id']}/send", headers={"If-Match": f'"{quote["version"]}"'})
    page = signed_in("sales", f"/quotes/{quote['id']}")
    expect(_status(page)).to_have_text("Sent")
    page.get_by_role("button", name="Revise", exact=True).click()
    expect(_h1(page)).to_have_text(f"Quote {quote['number']} rev. 2")
    expect(_status(page)).to_have_text("Draft")
    revisions = page.get_by_role("region", name="Revisions")
    expect(revisions.get_by_role("link", name=quote["number"])).to_be_visible()
    expect(revisions).to_contain_text("Superseded")

    # The draft revision is changed in the builder (If-Match), its lines priced anew.
    page.get_by_role("link", name="Edit draft").click()
    expect(_h1(page)).to_have_text(f"Edit {quote['number']} rev. 2")
    expect(page.get_by_label("Quantity of line 1")).to_have_value("1")
    page.get_by_label("Quantity of line 1").fill("4")
    expect(page.locator(".live-totals")).to_contain_text(re.compile(r"571\.20"))  # 480.00 + 19 %
    page.get_by_role("button", name="Save draft").click()
    expect(_h1(page)).to_have_text(f"Quote {quote['number']} rev. 2")
    expect(page.get_by_role("table", name=re.compile("^Totals of"))).to_contain_text(re.compile(r"571\.20"))

    # The customer declines it, with a reason.
    page.get_by_role("button", name="Reject…").click()
    page.get_by_label("Why did the customer decline?").fill("Budget moved to next year")
    page.get_by_role("button", name="Reject quote").click()
    expect(_status(page)).to_have_text("Rejected")
    expect(page.get_by_text("Rejected: Budget moved to next year")).to_be_visible()
    revision_id = page.url.rsplit("/", 1)[-1]
    revised = api.get(f"/quotes/{revision_id}")
    assert revised["status"] == "rejected" and revised["rejection_reason"] == "Budget moved to next year"
    assert revised["totals"]["gross_total"] == "571.20"
    assert api.get(f"/quotes/{quote['id']}")["superseded_by"] == revision_id
