"""Marketing's screens, checked against the API: a marketer builds a segment
whose live count follows each condition added and saves it (a taken name is
refused with the server's reason); a campaign is created, costed, launched
and sent to a segment (the person without consent is not mailed and the send
says why), a response is recorded, and once an order of the responder's
account is placed the campaign page shows its funnel and ROI by every
attribution model; the contact page shows the consent given; a sales user
reads it all but sees no action that writes; the screens pass axe and fit a
phone."""

import re
import time
import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.console import harness
from tests.console.campaign_screens import CAMPAIGN_SCREEN_NAMES, campaign_screens

GRACE = "grace@example.com"  # the seeded contact at the seeded account (harness.CONTACT)
ALAN = "alan@example.com"  # the seeded contact at the other account


def _h1(page):
    return page.get_by_role("heading", level=1)


def _eventually(read, done, timeout=30, what="the API"):
    """``read()`` again until ``done(answer)`` (the campaigns service learns of records through events)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never got there: {answer}")
        time.sleep(0.3)


def _count(api, rule):
    return api.post("/campaigns/segments/count", {"rule": rule})["count"]


def _no_serious_violations(page, where):
    violations = harness.axe_violations(page)
    assert not violations, f"axe-core on {where}:\n{harness.describe_violations(violations)}"


def _fits_a_phone(page, where):
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > harness.PHONE["width"]:
        wide = page.evaluate("""(limit) => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > limit).slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
                             harness.PHONE["width"])
        raise AssertionError(f"{where} scrolls sideways on a phone: {width} px wide; {wide}")


def _people_known(api, seeded):
    """Waits until campaigns' people include the seeded leads and both seeded contacts."""
    leads = len(seeded.leads)
    _eventually(lambda: _count(api, {"field": "kind", "op": "eq", "value": "lead"}), lambda n: n >= leads,
                what="the people projection's leads")
    _eventually(lambda: _count(api, {"field": "email", "op": "in", "value": [GRACE, ALAN]}), lambda n: n == 2,
                what="the people projection's contacts")


def _row(page, number):
    return page.locator(f'li.rule-row[aria-label="Condition {number}"]')


def test_build_a_segment_with_its_live_count(signed_in, api, seeded, base_url):
    _people_known(api, seeded)
    everyone = _count(api, {"all": []})
    leads_rule = {"field": "kind", "op": "eq", "value": "lead"}
    referral_rule = {"field": "lead_source", "op": "eq", "value": "referral"}
    leads = _count(api, leads_rule)
    referrals = _count(api, {"all": [leads_rule, referral_rule]})
    assert everyone > leads > referrals > 0

    page = signed_in("marketing", "/segments")
    page.get_by_role("link", name="New segment").click()
    expect(_h1(page)).to_have_text("New segment")
    count = page.locator(".live-count-value")
    # No condition: everyone marketing can reach.
    expect(count).to_have_text(f"{everyone} people match")

    # A condition: only leads. The count follows a moment after the edit.
    page.get_by_role("button", name="Add condition").first.click()
    row = _row(page, 1)
    row.get_by_label("Field").select_option(label="Contact or lead")
    expect(row.get_by_label("Operator")).to_have_value("eq")
    row.get_by_label("Value of Contact or lead").select_option("lead")
    expect(count).to_have_text(f"{leads} people match")

    # A second condition, unfinished: not counted (and said so) until it has its value.
    page.get_by_role("button", name="Add condition").first.click()
    row = _row(page, 2)
    row.get_by_label("Field").select_option(label="Lead source")
    expect(page.locator(".live-count")).to_contain_text("1 unfinished condition not counted yet")
    expect(count).to_have_text(f"{leads} people match")
    row.get_by_label("Value of Lead source").select_option("referral")
    expect(count).to_have_text(f"{referrals} people match")
    _no_serious_violations(page, "/segments/new with two conditions")

    # A nested "none of" group removes the referral leads again: nobody is left.
    page.get_by_role("button", name="Add group").first.click()
    group = page.locator("fieldset.rule-group.depth-1")
    group.get_by_label("How group conditions combine (level 2)").select_option("none")
    nested = group.locator('li.rule-row[aria-label="Condition 1"]')
    nested.get_by_label("Field").select_option(label="Lead source")
    nested.get_by_label("Value of Lead source").select_option("referral")
    expect(count).to_have_text("0 people match")
    group.get_by_role("button", name="Remove this group").click()
    expect(count).to_have_text(f"{referrals} people match")

    # Saving without a name says what to write; then it is saved with the rule as built.
    page.get_by_role("button", name="Create segment").click()
    expect(page.get_by_text("Name the segment")).to_be_visible()
    name = f"Referral leads {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create segment").click()
    expect(page).to_have_url(re.compile(r"/console/segments/[0-9a-f-]{36}$"))
    harness.settled(page)
    segment_id = page.url.rsplit("/", 1)[-1]
    expect(_h1(page)).to_have_text(name)
    expect(page.get_by_role("status")).to_have_text("Segment created.")
    stored = api.get(f"/campaigns/segments/{segment_id}")
    assert stored["member_count"] == referrals
    members = page.get_by_role("table", name="Members")
    expect(members.locator("tbody tr")).to_have_count(referrals)
    expect(members).to_contain_text(harness.LEAD_NAMES[1])  # a referral lead of the seed
    expect(page.get_by_role("list", name="Joined and left").locator("li")).to_have_count(referrals)
    expect(page.get_by_role("region", name="Rule")).to_contain_text("Lead source is Referral")

    # The same name again: the server's reason, next to the name.
    harness.visit(page, base_url, "/segments/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create segment").click()
    refused = page.locator(".field.invalid, .alert.error").first
    expect(refused).to_contain_text(re.compile("name|taken|exists|already", re.I))
    expect(page).to_have_url(re.compile(r"/console/segments/new$"))


def _place_order(api, seeded):
    """An order of the seeded account (its contact Grace), placed now (``order.placed``)."""
    order = api.post("/orders", {
        "account_id": seeded.accounts[harness.ACCOUNT], "currency": "EUR",
        "lines": [{"product_id": seeded.products[harness.ORDER_PRODUCT], "quantity": "2"}],
        "shipping_address": {"street": "1 Globex Way", "city": "Berlin", "postal_code": "10115", "country": "DE"}})
    api.post(f"/orders/{order['id']}/submit", {})
    return order


def test_send_a_campaign_and_read_its_funnel_and_roi(signed_in, api, seeded, base_url, console_stack):
    _people_known(api, seeded)
    word = uuid.uuid4().hex[:6]
    # Grace agreed to marketing email; Alan did not. A segment of the two, and a template.
    api.post("/campaigns/consent", {"email": GRACE, "purpose": "marketing_email", "status": "granted",
                                    "source": "form", "form_id": "console-test"})
    segment = api.post("/campaigns/segments", {
        "name": f"Grace and Alan {word}", "rule": {"field": "email", "op": "in", "value": [GRACE, ALAN]}})
    template = api.post("/campaigns/templates", {
        "name": f"Invitation {word}", "subject": "Hello {{ person.first_name|default('there') }}",
        "html": "<p>Dear {{ person.first_name }}, join us.</p><p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>",
        "text": "Dear {{ person.first_name }}, join us. Unsubscribe: {{ unsubscribe_url }}"})

    # The template's preview for a real person: the server's rendering in a sandboxed frame.
    page = signed_in("marketing", f"/campaigns/templates/{template['id']}")
    preview = page.get_by_role("region", name="Preview")
    preview.get_by_label("Preview for").fill("Grace")
    preview.get_by_role("button", name=re.compile("Grace Hopper")).click()
    expect(preview.locator(".preview-subject")).to_have_text("Hello Grace")
    expect(page.frame_locator("iframe.preview-frame").locator("p").first).to_have_text("Dear Grace, join us.")
    expect(preview.locator(".preview-text")).to_contain_text("Dear Grace, join us. Unsubscribe: http")

    # A new campaign, through its form: a bad budget is refused next to its field.
    harness.visit(page, base_url, "/campaigns")
    page.get_by_role("link", name="New campaign").click()
    expect(_h1(page)).to_have_text("New campaign")
    name = f"Spring invitation {word}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Budget").fill("12,50")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator(".field.invalid")).to_contain_text("An amount like 1500")
    page.get_by_label("Budget").fill("1000")
    page.get_by_role("button", name="Create campaign").click()
    expect(page).to_have_url(re.compile(r"/console/campaigns/[0-9a-f-]{36}$"))
    harness.settled(page)
    campaign_id = page.url.rsplit("/", 1)[-1]
    expect(_h1(page)).to_have_text(name)
    expect(page.locator(".page-head .badge")).to_have_text("Planned")

    # A cost, then launched.
    costs = page.get_by_role("form", name="Add a cost")
    costs.get_by_label("Amount").fill("200")
    costs.get_by_role("button", name="Add cost").click()
    expect(page.get_by_role("list", name="Costs")).to_contain_text("200.00")
    page.get_by_role("button", name="Launch").click()
    expect(page.locator(".page-head .badge")).to_have_text("Active")
    assert api.get(f"/campaigns/{campaign_id}")["status"] == "active"

    # The send: the template to the segment.
    page.get_by_role("link", name="Send an email").click()
    expect(_h1(page)).to_have_text("New send")
    page.get_by_label("Template").select_option(label=template["name"])
    page.get_by_label("Audience").select_option(f"segment:{segment['id']}")
    page.get_by_role("button", name="Start the send").click()
    expect(page).to_have_url(re.compile(rf"/console/campaigns/{campaign_id}/sends/[0-9a-f-]{{36}}$"))
    harness.settled(page)
    send_id = page.url.rsplit("/", 1)[-1]
    # Alan, without consent, is not mailed, and the send's page says why (read again while it runs).
    recipients = page.get_by_role("table", name="Recipients")
    alan = recipients.locator("tr", has_text=ALAN)
    expect(alan).to_contain_text("Suppressed", timeout=30_000)
    expect(alan).to_contain_text("No consent")
    expect(recipients.locator("tr", has_text=GRACE)).to_have_count(1)
    expect(recipients.locator("tr", has_text=GRACE)).to_contain_text("Sent", timeout=30_000)
    by_status = api.get(f"/campaigns/sends/{send_id}/recipients")["items"]
    assert {r["email"]: (r["status"], r["reason"]) for r in by_status}[ALAN] == ("suppressed", "no_consent")
    # The stack's SMTP server took one email for Grace, with RFC 8058 one-click unsubscribe; none for Alan.
    mailed = [message for envelope, message in console_stack.smtp.messages()
              if message["X-Campaign-Send"] == send_id]
    assert [message["To"].addresses[0].addr_spec for message in mailed] == [GRACE]
    assert mailed[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    _no_serious_violations(page, "the send's page")

    # Grace came to the event: a response recorded on the campaign's page.
    page.get_by_role("link", name=f"back to {name}").click()
    expect(_h1(page)).to_have_text(name)
    page.get_by_role("button", name="Record a response").click()
    form = page.get_by_role("form", name="Record a response")
    form.get_by_label("Email").fill(GRACE)
    form.get_by_role("button", name="Save response").click()
    expect(page.get_by_role("list", name="Responses").locator("li")).to_have_count(1)
    expect(page.get_by_role("list", name="Responses")).to_contain_text("Attended")

    # An order of Grace's account after her response: its revenue is credited to the campaign by every model.
    _place_order(api, seeded)
    roi = _eventually(lambda: api.get(f"/campaigns/{campaign_id}/roi"),
                      lambda r: all(Decimal(m["attributed_revenue"]) > 0 for m in r["models"]), what="the ROI")
    revenues = {m["model"]: Decimal(m["attributed_revenue"]) for m in roi["models"]}
    assert len(set(revenues.values())) == 1, revenues  # one touching campaign: every model credits it all
    page.reload()
    harness.settled(page)
    funnel = page.get_by_role("table", name="Funnel")
    expect(funnel.locator('tr[data-stage="targeted"] td').first).to_have_text("2")
    expect(funnel.locator('tr[data-stage="responded"] td').first).to_have_text("1")
    table = page.get_by_role("table", name="ROI by attribution model")
    expect(table.locator("tbody tr")).to_have_count(5)
    revenue = f"{revenues['linear']:,.2f}"
    for model, shown in (("first_touch", "First touch"), ("last_touch", "Last touch"), ("linear", "Linear"),
                         ("u_shaped", "U-shaped"), ("time_decay", "Time decay")):
        row = table.locator(f'tr[data-model="{model}"]')
        expect(row.locator("th")).to_have_text(shown)
        expect(row.locator("td").nth(0)).to_contain_text(revenue)
        expect(row.locator("td").nth(1)).to_contain_text("200.00")
        expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^-?[\d,.]+ %$"))
    _no_serious_violations(page, "the campaign's page")

    # The contact page shows Grace's consent.
    harness.visit(page, base_url, f"/contacts/{seeded.contacts[' '.join(harness.CONTACT)]}")
    consent = page.get_by_role("region", name="Consent")
    expect(consent.get_by_role("list", name="Consent now")).to_contain_text("Marketing email (email): Granted")

    # Sales reads the campaign but is offered nothing that writes.
    reader = signed_in("sales", f"/campaigns/{campaign_id}")
    expect(_h1(reader)).to_have_text(name)
    expect(reader.get_by_role("table", name="ROI by attribution model")).to_be_visible()
    for action in ("Launch", "Complete", "Abort", "Add cost", "Record a response", "Add members"):
        expect(reader.get_by_role("button", name=action)).to_have_count(0)
    expect(reader.get_by_role("link", name="Send an email")).to_have_count(0)


@pytest.fixture(scope="module")
def screens(api, seeded):
    """Marketing's screens (tests/console/campaign_screens.py), their records made once."""
    _people_known(api, seeded)
    return {screen.name: screen for screen in campaign_screens(api)}


@pytest.mark.parametrize("name", CAMPAIGN_SCREEN_NAMES)
def test_screen_has_its_title_breadcrumbs_fits_a_phone_and_passes_axe(name, screens, signed_in):
    screen = screens[name]
    page = signed_in("marketing", screen.path)
    expect(page.locator("h1")).to_have_count(1)
    expect(page).to_have_title(f"{screen.title} · CRM")
    trail = page.get_by_role("navigation", name="Breadcrumb")
    expect(trail.get_by_role("listitem")).to_have_text(list(screen.crumbs))
    page.wait_for_load_state("networkidle")  # the panels that load by themselves
    _no_serious_violations(page, f"{screen.path} (desktop)")
    page.set_viewport_size(harness.PHONE)
    if name == "new-segment":  # with a condition row, the widest part of the builder
        page.get_by_role("button", name="Add condition").first.click()
        _row(page, 1).get_by_label("Field").select_option(label="Lead score")
    _fits_a_phone(page, screen.path)
    _no_serious_violations(page, f"{screen.path} (390 px)")
