"""The orders screens' journeys across roles, checked against the API: a
sales rep turns an accepted quote into an order, submits and ships it; the
finance person invoices it, issues the invoice and records a partial then
the full payment; each role sees only the actions it may take; a payment
above the balance is refused next to its amount; finance's start page lists
the overdue invoices to chase and the drafts to issue."""

import re

from playwright.sync_api import expect

from tests.console import harness


def _h1(page):
    return page.get_by_role("heading", level=1)


def _status(page):
    return page.locator(".page-head .badge").first


def _draft_quote(api, seeded, quantity="2"):
    """A draft quote of the seed's account for the seeded product (made through the API)."""
    return api.post("/quotes", {"account_id": seeded.accounts[harness.ACCOUNT], "currency": "EUR",
                                "lines": [{"product_id": seeded.products[harness.ORDER_PRODUCT],
                                           "quantity": quantity}]})


def test_quote_to_order_to_invoice_to_payment_across_roles(signed_in, api, seeded):
    quote = _draft_quote(api, seeded)

    # Sales sends and accepts the quote, and makes its order.
    page = signed_in("sales", f"/quotes/{quote['id']}")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_role("button", name="Create order", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/orders/[0-9a-f-]{36}$"))
    harness.settled(page)
    order_id = page.url.rsplit("/", 1)[-1]
    order = api.get(f"/orders/{order_id}")
    expect(_h1(page)).to_have_text(f"Order {order['number']}")
    expect(_status(page)).to_have_text("Draft")
    lines = page.get_by_role("table", name=f"Lines of order {order['number']}")
    expect(lines).to_contain_text(harness.ORDER_PRODUCT)

    # ... submits it and ships everything in one shipment.
    page.get_by_role("button", name="Submit order").click()
    expect(_status(page)).to_have_text("Submitted")
    page.get_by_role("button", name="New shipment").click()
    form = page.get_by_role("form", name="New shipment")
    expect(form.get_by_label(re.compile(harness.ORDER_PRODUCT))).to_have_value("2")
    form.get_by_label("Carrier").fill("DHL")
    form.get_by_label("Tracking number").fill("JD014600006281")
    form.get_by_role("button", name="Record shipment").click()
    expect(page.get_by_role("status")).to_contain_text("recorded")
    expect(_status(page)).to_have_text("Shipped")
    expect(page.get_by_role("region", name="Shipments")).to_contain_text("JD014600006281")
    # Sales may not invoice.
    expect(page.get_by_role("button", name=re.compile("^Create invoice"))).to_have_count(0)
    assert api.get(f"/orders/{order_id}")["status"] == "shipped"

    # Finance invoices the order, issues the invoice, and records a partial then the full payment.
    page = signed_in("finance", f"/orders/{order_id}")
    expect(page.get_by_role("button", name="Submit order")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Mark shipment"))).to_have_count(0)
    page.get_by_role("button", name="Create invoice for the order").click()
    expect(page).to_have_url(re.compile(r"/console/invoices/[0-9a-f-]{36}$"))
    expect(_h1(page)).to_have_text("Draft invoice")
    invoice_id = page.url.rsplit("/", 1)[-1]
    gross = api.get(f"/invoices/{invoice_id}")["totals"]["gross_total"]
    assert gross == "285.60"  # 2 x 120.00 + 19 % tax
    page.get_by_role("button", name="Issue invoice").click()
    expect(_h1(page)).to_have_text(re.compile(r"^Invoice INV-\d{4}-\d{6}$"))
    expect(_status(page)).to_have_text("Issued")

    page.get_by_role("button", name="Record payment").click()
    form = page.get_by_role("form", name="Record a payment")
    amount = form.get_by_label("Amount (EUR)")
    expect(amount).to_have_value(gross)  # the balance
    amount.fill("100.00")
    form.get_by_label("Reference").fill("Bank 1")
    form.get_by_role("button", name="Record payment").click()
    expect(_status(page)).to_have_text("Partly paid")
    totals = page.locator("table.totals")
    expect(totals.locator("tr", has_text="Balance")).to_contain_text("185.60")

    page.get_by_role("button", name="Record payment").click()
    form = page.get_by_role("form", name="Record a payment")
    expect(form.get_by_label("Amount (EUR)")).to_have_value("185.60")
    form.get_by_role("button", name="Record payment").click()
    expect(_status(page)).to_have_text("Paid")
    expect(totals.locator("tr", has_text="Balance")).to_contain_text("0.00")
    expect(page.get_by_role("table", name=re.compile("^Payments of"))).to_contain_text("Bank 1")
    invoice = api.get(f"/invoices/{invoice_id}")
    assert (invoice["status"], invoice["balance"], invoice["paid_total"]) == ("paid", "0.00", gross)
    assert len(invoice["payments"]) == 2


def test_each_role_sees_only_the_order_actions_it_may_take(signed_in, api, seeded, base_url):
    quote = _draft_quote(api, seeded, quantity="1")
    api.post(f"/quotes/{quote['id']}/send", {})
    invoice_id = next(iter(seeded.invoices.values()))
    order_id = next(iter(seeded.orders.values()))

    # Finance: no quote-writing buttons anywhere, no order moves; invoice actions yes.
    page = signed_in("finance", "/quotes")
    expect(_h1(page)).to_have_text("Quotes")
    expect(page.get_by_role("link", name="New quote")).to_have_count(0)
    harness.visit(page, base_url, f"/quotes/{quote['id']}")
    for name in ("Send", "Accept", "Reject…", "Revise", "Create order", "Edit draft"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    harness.visit(page, base_url, f"/accounts/{seeded.accounts[harness.ACCOUNT]}")
    section = page.get_by_role("region", name="Orders", exact=True)
    expect(section.get_by_text("Lifetime revenue")).to_be_visible()
    expect(section.get_by_role("link", name="New quote")).to_have_count(0)
    expect(section.get_by_role("link", name="New order")).to_have_count(0)
    harness.visit(page, base_url, f"/orders/{order_id}")
    expect(page.get_by_role("link", name="New return")).to_have_count(0)
    expect(page.get_by_role("button", name="Create invoice for the order")).to_be_visible()

    # Sales: order actions, but no invoice actions.
    page = signed_in("sales", f"/invoices/{invoice_id}")
    expect(_status(page)).to_have_text(re.compile("Partly paid|Overdue"))
    for name in ("Record payment", "Credit note", "Issue invoice"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    harness.visit(page, base_url, f"/orders/{order_id}")
    expect(page.get_by_role("link", name="New return")).to_be_visible()

    # Readonly: reads, changes nothing.
    page = signed_in("readonly", f"/orders/{order_id}")
    expect(page.get_by_role("region", name="Actions")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices")).to_be_visible()


def test_a_payment_above_the_balance_is_refused_next_to_its_amount(signed_in, api, seeded):
    invoice_id = next(iter(seeded.invoices.values()))
    before = api.get(f"/invoices/{invoice_id}")
    page = signed_in("finance", f"/invoices/{invoice_id}")
    page.get_by_role("button", name="Record payment").click()
    form = page.get_by_role("form", name="Record a payment")
    amount = form.get_by_label("Amount (EUR)")
    expect(amount).to_have_value(before["balance"])
    amount.fill("99999.00")
    form.get_by_role("button", name="Record payment").click()
    expect(amount).to_have_attribute("aria-invalid", "true")
    error = form.locator(".field.invalid", has=page.get_by_label("Amount (EUR)")).locator(".field-error")
    expect(error).to_contain_text(before["balance"])  # the server's reason names the balance
    expect(form.get_by_role("alert")).to_have_count(0)  # and it is on the field, not in the form's alert
    after = api.get(f"/invoices/{invoice_id}")
    assert (after["balance"], len(after["payments"])) == (before["balance"], len(before["payments"]))


def test_a_direct_order_is_priced_live_and_its_errors_sit_on_their_line(signed_in, api, seeded):
    page = signed_in("sales", f"/orders/new?account_id={seeded.accounts[harness.ACCOUNT]}")
    expect(_h1(page)).to_have_text("New order")
    page.get_by_label("Find product of line 1").fill(harness.ORDER_PRODUCT_SKU)
    product = f"{harness.ORDER_PRODUCT_SKU} · {harness.ORDER_PRODUCT}"
    page.get_by_label("Product of line 1", exact=True).select_option(label=product)
    quantity = page.get_by_label("Quantity of line 1")
    quantity.fill("2")
    totals = page.get_by_role("table", name="Totals of these lines")
    expect(totals.locator("tr", has_text="Total")).to_contain_text("285.60")  # priced by the server: 2 x 120.00 + 19 %

    # A quantity the server cannot read is said next to it, and the totals wait for a good one.
    quantity.fill("two")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(totals).to_have_count(0)
    quantity.fill("3")
    expect(totals.locator("tr", has_text="Total")).to_contain_text("428.40")

    page.get_by_label("Customer reference").fill("PO-9")
    page.get_by_role("button", name="Create draft order").click()
    expect(page).to_have_url(re.compile(r"/console/orders/[0-9a-f-]{36}$"))
    expect(_status(page)).to_have_text("Draft")
    order = api.get(f"/orders/{page.url.rsplit('/', 1)[-1]}")
    assert (order["status"], order["customer_reference"], order["totals"]["gross_total"]) == ("draft", "PO-9", "428.40")
    assert [line["quantity"] for line in order["lines"]] == ["3"]


def test_sales_edits_a_draft_orders_lines_and_address_priced_live(signed_in, api, seeded, base_url):
    order = api.post("/orders", {
        "account_id": seeded.accounts[harness.ACCOUNT], "currency": "EUR",
        "lines": [{"product_id": seeded.products[harness.ORDER_PRODUCT], "quantity": "2", "discount_amount": "10.00"}],
        "shipping_address": {"street": "1 Globex Way", "city": "Berlin", "postal_code": "10115", "country": "DE"}})
    assert order["totals"]["gross_total"] == "273.70"  # (2 x 120.00 - 10.00) + 19 %

    # Readonly reads the draft but is offered no edit.
    page = signed_in("readonly", f"/orders/{order['id']}")
    expect(_h1(page)).to_have_text(f"Order {order['number']}")
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)

    page = signed_in("sales", f"/orders/{order['id']}")
    page.get_by_role("link", name="Edit draft").click()
    expect(page).to_have_url(re.compile(rf"/console/orders/{order['id']}/edit$"))
    expect(_h1(page)).to_have_text(f"Edit order {order['number']}")
    trail = page.get_by_role("navigation", name="Breadcrumb")
    expect(trail.get_by_role("link", name=order["number"])).to_be_visible()
    expect(trail).to_contain_text("Edit")
    expect(page).to_have_title(re.compile("^Edit order"))
    quantity = page.get_by_label("Quantity of line 1")
    expect(quantity).to_have_value("2")
    live = page.locator(".live-totals")
    expect(live.get_by_role("table", name="Totals of these lines")).to_contain_text("273.70")

    # The discount amount of line 1 is kept; the totals follow each change (priced by the server).
    quantity.fill("3")
    expect(live).to_contain_text("416.50")  # (3 x 120.00 - 10.00) + 19 %
    page.get_by_role("button", name="Add a line").click()
    page.get_by_label("Name of line 2").fill("Setup")
    page.get_by_label("Quantity of line 2").fill("1")
    page.get_by_label("Unit price of line 2").fill("50.00")
    expect(live).to_contain_text("476.00")  # (350.00 + 50.00) + 19 %
    page.get_by_label("Shipping city").fill("Hamburg")
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(rf"/console/orders/{order['id']}$"))
    expect(page.locator(".alert.ok")).to_have_text("Saved.")
    after = api.get(f"/orders/{order['id']}")
    assert after["status"] == "draft"
    assert [(line["name"], line["quantity"], line["discount_amount"]) for line in after["lines"]] == [
        (harness.ORDER_PRODUCT, "3", "10.00"), ("Setup", "1", None)]
    assert after["totals"]["gross_total"] == "476.00"
    assert after["shipping_address"]["city"] == "Hamburg"
    lines = page.get_by_role("table", name=f"Lines of order {order['number']}")
    expect(lines.locator("tbody tr")).to_have_count(2)
    expect(lines).to_contain_text("Setup")
    totals = page.get_by_role("table", name=f"Totals of order {order['number']}")
    expect(totals.locator("tr", has_text="Total")).to_contain_text(after["totals"]["gross_total"])
    expect(page.get_by_text("Hamburg").first).to_be_visible()

    # A quantity the server refuses is said next to it; a stale edit (someone saved meanwhile) says to reload.
    page.get_by_role("link", name="Edit draft").click()
    quantity = page.get_by_label("Quantity of line 2")
    expect(quantity).to_have_value("1")
    quantity.fill("0")
    page.get_by_role("button", name="Save draft").click()
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/edit$"))
    quantity.fill("2")
    api.patch(f"/orders/{order['id']}", {"notes": "Changed meanwhile"}, after["version"])
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="Reload the page")).to_be_visible()
    assert api.get(f"/orders/{order['id']}")["totals"]["gross_total"] == "476.00"


def test_finance_credits_part_of_an_invoice_and_reads_the_credit_note(signed_in, api, seeded):
    order = api.post("/orders", {"account_id": seeded.accounts[harness.ACCOUNT], "currency": "EUR",
                                 "lines": [{"product_id": seeded.products[harness.ORDER_PRODUCT], "quantity": "2"}]})
    api.post(f"/orders/{order['id']}/submit", {})
    invoice = api.post("/invoices", {"order_id": order["id"]})
    invoice = api.post(f"/invoices/{invoice['id']}/issue", {})
    page = signed_in("finance", f"/invoices/{invoice['id']}")
    page.get_by_role("button", name="Credit note", exact=True).click()
    form = page.get_by_role("form", name="Issue a credit note")
    form.get_by_label("Some lines or quantities").check()
    form.get_by_label(f"Credit of {harness.ORDER_PRODUCT} ({harness.ORDER_PRODUCT_SKU})").fill("1")
    form.get_by_label("Reason").fill("One licence was never used")
    form.get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Credit note CN-\d{4}-\d{6} issued"))
    expect(page.locator("table.totals tr", has_text="Balance")).to_contain_text("142.80")  # 285.60 - 142.80
    page.get_by_role("region", name="Credit notes").get_by_role("link", name=re.compile("^CN-")).click()
    expect(_h1(page)).to_have_text(re.compile(r"^Credit note CN-\d{4}-\d{6}$"))
    expect(page.get_by_role("table", name=re.compile("^Lines of credit note"))).to_contain_text(harness.ORDER_PRODUCT)
    expect(page.get_by_text("One licence was never used")).to_be_visible()
    assert api.get(f"/invoices/{invoice['id']}")["credited_total"] == "142.80"


def test_finance_starts_with_the_invoices_to_chase_and_the_drafts_to_issue(signed_in, api, seeded):
    order = api.post("/orders", {"account_id": seeded.accounts[harness.ACCOUNT], "currency": "EUR",
                                 "lines": [{"product_id": seeded.products[harness.ORDER_PRODUCT], "quantity": "2"}]})
    api.post(f"/orders/{order['id']}/submit", {})
    draft = api.post("/invoices", {"order_id": order["id"]})
    overdue = api.get("/invoices", overdue="true", sort="due_date", limit=8)["items"]
    issued_number = next(iter(seeded.invoices))  # issued and partly paid today: not due yet

    page = signed_in("finance", "/")
    chase = page.get_by_role("region", name="Invoices to chase")
    drafts = page.get_by_role("region", name="Drafts to issue")
    expect(chase).to_be_visible()
    expect(drafts).to_be_visible()
    # The overdue invoices, as the API lists them (soonest due first), each with its balance.
    if overdue:
        first = chase.get_by_role("listitem").first
        expect(first.get_by_role("link", name=overdue[0]["number"])).to_be_visible()
        expect(first).to_contain_text(overdue[0]["balance"])
    else:
        expect(chase).to_contain_text("No invoice is overdue.")
    expect(chase.get_by_role("link", name=issued_number)).to_have_count(0)
    # The new draft comes first (newest first), with its total and order, and opens the invoice.
    first = drafts.get_by_role("listitem").first
    expect(first).to_contain_text("285.60")  # 2 x 120.00 + 19 % tax
    expect(first).to_contain_text(f"order {order['number']}")
    expect(first).to_contain_text(harness.ACCOUNT)
    expect(drafts.get_by_role("link", name=issued_number)).to_have_count(0)
    first.get_by_role("link", name="Draft invoice").click()
    expect(page).to_have_url(re.compile(f"/console/invoices/{draft['id']}$"))
    expect(_h1(page)).to_have_text("Draft invoice")

    # Sales (who may not bill) starts with its own day: no finance blocks.
    page = signed_in("sales", "/")
    expect(page.get_by_role("region", name="My tasks and meetings due")).to_be_visible()
    expect(page.get_by_role("region", name="Invoices to chase")).to_have_count(0)
    expect(page.get_by_role("region", name="Drafts to issue")).to_have_count(0)


def test_the_lists_status_links_show_the_apis_counts(signed_in, api, seeded, base_url):
    """Quotes, orders and invoices: each status link says how many the list
    shows under its other filters (as /counts answers), and invoices add
    "Overdue (n)", a link to overdue=true."""
    account_id = seeded.accounts[harness.ACCOUNT]
    _draft_quote(api, seeded)
    quotes = api.get("/quotes/counts", account_id=account_id)
    page = signed_in("sales", f"/quotes?account_id={account_id}")
    links = page.get_by_role("list", name="Quotes by status")
    expect(links.get_by_role("link", name=f"All {quotes['total']:,}", exact=True)).to_be_visible()
    expect(links.get_by_role("link", name=f"Draft {quotes['by_status']['draft']:,}", exact=True)).to_be_visible()
    expect(links.get_by_role("link", name=f"Expired {quotes['by_status']['expired']:,}", exact=True)).to_be_visible()
    links.get_by_role("link", name=re.compile("^Draft ")).click()
    expect(page).to_have_url(re.compile("status=draft"))
    expect(page).to_have_url(re.compile(f"account_id={account_id}"))

    orders = api.get("/orders/counts")
    harness.visit(page, base_url, "/orders")
    links = page.get_by_role("list", name="Orders by status")
    expect(links.get_by_role("link", name=f"All {orders['total']:,}", exact=True)).to_be_visible()
    for status in ("draft", "submitted", "cancelled"):
        name = f"{status.capitalize()} {orders['by_status'][status]:,}"
        expect(links.get_by_role("link", name=name, exact=True)).to_be_visible()

    invoices = api.get("/invoices/counts")
    page = signed_in("finance", "/invoices")
    links = page.get_by_role("list", name="Invoices by status")
    expect(links.get_by_role("link", name=f"All {invoices['total']:,}", exact=True)).to_be_visible()
    expect(links.get_by_role("link", name=f"Issued {invoices['by_status']['issued']:,}", exact=True)).to_be_visible()
    overdue = links.get_by_role("link", name=f"Overdue ({invoices['overdue']:,})", exact=True)
    expect(overdue).to_be_visible()
    overdue.click()
    expect(page).to_have_url(re.compile("overdue=true"))
    expect(page.get_by_role("list", name="Invoices by status").get_by_role(
        "link", name=f"Overdue ({invoices['overdue']:,})", exact=True)).to_have_attribute("aria-current", "true")
