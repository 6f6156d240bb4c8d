"""The console's foundation in a real browser: one sign-in per browser (tabs
and links share it), a session cookie no script can read, "sign out
everywhere", page titles and breadcrumbs, lists that Back restores, and
actions shown only to the roles that may use them."""

import re

from playwright.sync_api import expect

from tests.console import harness

LEAD = "Ada Lovelace"
OTHER_LEAD = "Charles Babbage"


def _fill_sign_in(page, username):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(harness.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_link_opened_before_signing_in_leads_to_the_record_after_it(new_browser, base_url, seeded):
    page = new_browser().new_page()
    lead = seeded.leads[LEAD]
    page.goto(f"{base_url}/console/leads/{lead}?tab=history")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))
    expect(page.get_by_text("Sign in to open the page you asked for.")).to_be_visible()
    _fill_sign_in(page, harness.PEOPLE["sales"][0])
    expect(page).to_have_url(f"{base_url}/console/leads/{lead}?tab=history")
    expect(page.get_by_role("heading", level=1)).to_have_text(LEAD)


def test_one_sign_in_serves_every_tab_of_the_browser(new_browser, base_url, seeded):
    context = new_browser()
    page = context.new_page()
    harness.sign_in(page, base_url, harness.PEOPLE["sales"][0])
    # A second tab, opened by hand on another page, is signed in too.
    tab = context.new_page()
    harness.visit(tab, base_url, "/leads")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Leads")
    # A record link opened in a new tab (Ctrl+click) goes to that record.
    with context.expect_page() as opened:
        tab.get_by_role("link", name=OTHER_LEAD, exact=True).click(modifiers=["Control"])
    record = opened.value
    record.wait_for_load_state()
    harness.settled(record)
    expect(record).to_have_url(f"{base_url}/console/leads/{seeded.leads[OTHER_LEAD]}")
    expect(record.get_by_role("heading", level=1)).to_have_text(OTHER_LEAD)
    expect(record).to_have_title(f"{OTHER_LEAD} · CRM")


def test_scripts_cannot_read_the_session_cookie(signed_in):
    page = signed_in("sales", "/leads")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["crm_session"]["httpOnly"] is True
    assert cookies["crm_session"]["sameSite"] == "Lax"
    readable = page.evaluate("document.cookie")
    assert "crm_session" not in readable
    assert "crm_csrf=" in readable  # the CSRF token is meant to be read and sent back


def test_sign_out_everywhere_signs_out_another_browser(new_browser, base_url, console_stack):
    username = harness.scratch_user(console_stack.database_url, "sales", prefix="roamer")
    laptop, phone = new_browser().new_page(), new_browser(harness.PHONE).new_page()
    harness.sign_in(laptop, base_url, username)
    harness.sign_in(phone, base_url, username)
    harness.visit(phone, base_url, "/leads")

    laptop.get_by_role("button", name=re.compile(username)).click()
    laptop.get_by_role("button", name="Sign out everywhere").click()
    expect(laptop).to_have_url(f"{base_url}/console/sign-in")
    expect(laptop.get_by_text("You are signed out on every browser.")).to_be_visible()

    # The other browser's next step needs the API: it lands on sign-in, and comes back after it.
    phone.get_by_role("link", name=LEAD, exact=True).click()
    expect(phone).to_have_url(re.compile(r"/console/sign-in\?next="))
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in to CRM")
    # Signing in again works, and leads back to where the person was.
    _fill_sign_in(phone, username)
    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(f"^(Leads|{LEAD})$"))


def test_sign_out_ends_only_this_browser(new_browser, base_url, console_stack):
    username = harness.scratch_user(console_stack.database_url, "readonly", prefix="reader")
    first, second = new_browser().new_page(), new_browser().new_page()
    harness.sign_in(first, base_url, username)
    harness.sign_in(second, base_url, username)
    first.get_by_role("button", name=re.compile(username)).click()
    first.get_by_role("button", name="Sign out", exact=True).click()
    expect(first.get_by_text("You are signed out.")).to_be_visible()
    harness.visit(second, base_url, "/accounts")
    expect(second.get_by_role("heading", level=1)).to_have_text("Accounts")


def test_back_restores_a_filtered_and_sorted_list(signed_in, base_url):
    page = signed_in("sales", "/leads")
    page.get_by_label("Source").select_option("referral")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"source=referral"))
    harness.settled(page)
    page.get_by_role("button", name=re.compile("^Name")).click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    harness.settled(page)
    names = page.locator("table.list tbody tr td[data-label='Name']").all_inner_texts()
    expected = [name for index, name in enumerate(harness.LEAD_NAMES)
                if harness.LEAD_SOURCES[index % len(harness.LEAD_SOURCES)] == "referral"]
    assert names == sorted(expected, key=lambda name: name.split()[-1]), names  # by last name

    page.get_by_role("link", name=names[-1], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(names[-1])
    page.go_back()
    harness.settled(page)
    expect(page).to_have_url(re.compile(r"source=referral.*sort=name|sort=name.*source=referral"))
    expect(page.get_by_label("Source")).to_have_value("referral")
    expect(page.locator("table.list tbody tr td[data-label='Name']")).to_have_text(names)
    name_header = page.locator("th", has=page.get_by_role("button", name=re.compile("^Name")))
    expect(name_header).to_have_attribute("aria-sort", "ascending")


def test_support_sees_no_lead_changes(signed_in, seeded, base_url):
    page = signed_in("support", "/leads")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leads")
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    expect(page.get_by_role("link", name="New lead")).to_have_count(0)
    expect(page.get_by_role("link", name="Import CSV")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)  # no row selection: no bulk actions
    expect(page.get_by_role("region", name="Change the selected leads")).to_have_count(0)
    harness.visit(page, base_url, f"/leads/{seeded.leads[LEAD]}")
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)


def test_readonly_sees_no_edit_buttons(signed_in, seeded, base_url):
    page = signed_in("readonly", f"/leads/{seeded.leads[LEAD]}")
    expect(page.get_by_role("heading", level=1)).to_have_text(LEAD)
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)
    expect(page.get_by_role("button", name="Qualify")).to_have_count(0)
    for path in (f"/accounts/{seeded.accounts[harness.ACCOUNT]}",
                 f"/opportunities/{seeded.opportunities[harness.OPPORTUNITY]}"):
        harness.visit(page, base_url, path)
        expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)
        expect(page.get_by_role("button", name=re.compile("^Log "))).to_have_count(0)


def test_only_admins_have_the_admin_menu(signed_in, base_url):
    admin = signed_in("admin", "/")
    menu = admin.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Admin")).to_be_visible()
    for role in ("sales", "support", "marketing", "readonly"):
        page = signed_in(role, "/")
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    # support and marketing see no sales menu entries either
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Forecast")).to_be_visible()
    support = signed_in("support", "/")
    expect(support.get_by_role("navigation", name="Main").get_by_role("link", name="Forecast")).to_have_count(0)
    # An admin page opened by someone else says so instead of showing it.
    harness.visit(support, base_url, "/admin/users")
    expect(support.get_by_role("heading", level=1)).not_to_have_text("Users")
