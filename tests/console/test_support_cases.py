"""The support agent's screens, checked against the API: an agent's day
(the queue sorted by SLA time left, the most urgent case opened from the
keyboard, a reply with a suggested article, an internal note, pending with
its clock paused, resolved); a sales rep reads the case and the account's
"Cases" section but changes nothing; bad input shows the server's reason
next to its field; the queue's filters live in the URL; a duplicate is
merged into another case; the support person's start page and the team's
figures; the account page's support at a glance (the customer-360 overview)."""

import re

import psycopg
from playwright.sync_api import expect

from tests.console import harness


def _h1(page):
    return page.get_by_role("heading", level=1)


def _status(page):
    return page.locator(".case-head .badge").first


def _sla(page):
    return page.get_by_role("region", name="SLA")


def test_an_agents_day(signed_in, api, seeded):
    # An urgent case of the support person: its policy (24 h a day, first response within an hour) makes
    # it the most urgent of the seeded ones.
    case = harness.open_case(api, seeded, "Password reset link expired", "urgent")
    first = api.get("/cases", owner_id=seeded.support_agent, sort="due", limit=1)["items"][0]
    assert first["id"] == case["id"], first["number"]

    # The queue: the support person's own cases, least time left first, the clock visible.
    page = signed_in("support", "/cases")
    expect(_h1(page)).to_have_text("Cases")
    queue = page.get_by_role("table", name="Cases")
    rows = queue.locator("tbody tr")
    expect(rows.first).to_contain_text(case["number"])
    expect(rows.first.locator(".clock")).to_contain_text(re.compile(r"First response: \d+ (min|h)"))
    expect(page.get_by_role("link", name="My cases")).to_have_attribute("aria-current", "true")
    for subject, _priority, _account, owned in harness.SUPPORT_CASES:
        if owned:
            expect(queue).to_contain_text(subject)
        else:
            expect(queue).not_to_contain_text(subject)

    # The most urgent case, from the keyboard: j focuses the first case, Enter opens it.
    page.keyboard.press("j")
    expect(queue.locator("a.case-link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/console/cases/{case['id']}$"))
    harness.settled(page)
    expect(_h1(page)).to_have_text(f"{case['number']} Password reset link expired")
    expect(page).to_have_title(f"{case['number']} Password reset link expired · CRM")
    expect(_status(page)).to_have_text("New")
    expect(_sla(page)).to_contain_text("First response")

    # A reply with a link to the suggested article.
    reply = page.get_by_role("form", name="Reply to the customer")
    suggestions = reply.get_by_role("complementary", name="Suggested articles")
    expect(suggestions).to_contain_text(harness.SUPPORT_ARTICLE)
    box = reply.get_by_label(re.compile(r"^Reply"))
    box.fill("Hello Grace, here is how to get a new link:")
    box.press("End")
    suggestions.get_by_role("button", name=f"Insert a link to “{harness.SUPPORT_ARTICLE}” into the reply").click()
    expect(box).to_have_value(re.compile(rf"how to get a new link:\n{harness.SUPPORT_ARTICLE}: http"))
    reply.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent to grace@example.com")
    conversation = page.get_by_role("list", name="Conversation")
    expect(conversation.locator(".message-reply")).to_contain_text(harness.SUPPORT_ARTICLE)
    expect(_status(page)).to_have_text("Open")  # the first public reply opens a new case

    # An internal note, visibly different and never sent.
    note = page.get_by_role("form", name="Internal note")
    note.get_by_label("Note (not sent to the customer)").fill("Their SSO proxy strips the token; check with IT.")
    note.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_have_text("Note added.")
    expect(conversation.locator(".message-note")).to_contain_text("Their SSO proxy strips the token")
    expect(conversation.locator(".message-note")).to_contain_text("Not sent to the customer")

    messages = api.get(f"/cases/{case['id']}/messages")["items"]
    kinds = {m["kind"]: m for m in messages}
    assert "/" in kinds["reply"]["body"] and harness.SUPPORT_ARTICLE in kinds["reply"]["body"]
    assert kinds["note"]["author"] == harness.PEOPLE["support"][0]

    # Waiting on the customer: the clock stands still and says so.
    page.get_by_role("button", name="Set pending (waiting on the customer)").click()
    expect(_status(page)).to_have_text("Pending")
    expect(_sla(page).locator(".clock-paused").first).to_contain_text("paused")
    assert api.get(f"/cases/{case['id']}")["status"] == "pending"

    # Resolved.
    page.get_by_role("button", name="Resolve").click()
    expect(_status(page)).to_have_text("Resolved")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    assert api.get(f"/cases/{case['id']}")["status"] == "resolved"
    expect(page.get_by_role("region", name="History")).to_contain_text("resolved")


def test_sales_reads_a_case_and_the_accounts_cases_but_changes_nothing(signed_in, seeded):
    subject = harness.SUPPORT_CASES[0][0]
    case_id = seeded.case_subjects[subject]
    page = signed_in("sales", f"/cases/{case_id}")
    expect(_h1(page)).to_contain_text(subject)
    expect(page.get_by_role("region", name="Conversation")).to_be_visible()
    expect(page.get_by_text("You can read this case; the support team works it.")).to_be_visible()
    for name in ("Send reply", "Add note", "Resolve", "Edit details", "Merge into another case"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("form", name="Reply to the customer")).to_have_count(0)

    # The account's page lists its open cases and links to its queue.
    page = signed_in("sales", f"/accounts/{seeded.accounts[harness.ACCOUNT]}")
    section = page.get_by_role("region", name="Cases")
    expect(section.get_by_role("list", name=f"Open cases of {harness.ACCOUNT}")).to_contain_text(subject)
    expect(section.get_by_role("link", name="New case")).to_have_count(0)
    section.get_by_role("link", name=f"All cases of {harness.ACCOUNT}").click()
    expect(page).to_have_url(re.compile(rf"/console/cases\?view=all&account_id={seeded.accounts[harness.ACCOUNT]}$"))
    harness.settled(page)
    expect(page.get_by_role("table", name="Cases")).to_contain_text(subject)
    expect(page.get_by_role("table", name="Cases")).not_to_contain_text(harness.SUPPORT_CASES[2][0])  # Initech's


def test_bad_input_shows_the_servers_reason_next_to_the_field(signed_in, api, seeded):
    page = signed_in("support", f"/cases/new?account_id={seeded.accounts[harness.ACCOUNT]}")
    form = page.get_by_role("form", name="New case")
    form.get_by_label("Subject").fill("Printer on fire")
    email = form.get_by_label("Contact email")
    email.fill("not-an-email")
    form.get_by_role("button", name="Open case").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby").split()
    error = page.locator(f"[id='{described[-1]}']")
    expect(error).to_have_class(re.compile("field-error"))
    expect(error).not_to_be_empty()
    assert not api.get("/cases", q="Printer on fire")["items"]  # nothing half-written

    # Fixed, it opens the case and shows it.
    email.fill("ops@globex.example")
    form.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/console/cases/[0-9a-f-]{36}$"))
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Case CASE-\d{6,} opened"))


def test_the_queues_filters_and_view_live_in_the_url(signed_in, seeded):
    page = signed_in("support", "/cases?view=all")
    expect(page.get_by_role("link", name="All cases")).to_have_attribute("aria-current", "true")
    queue = page.get_by_role("table", name="Cases")
    expect(queue).to_contain_text(harness.SUPPORT_CASES[2][0])  # not the support person's, but all are shown
    form = page.get_by_role("search", name="Filter cases")
    form.get_by_label("Priority").select_option("low")
    form.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"priority=low"))
    harness.settled(page)
    expect(queue).to_contain_text(harness.SUPPORT_CASES[2][0])
    expect(queue).not_to_contain_text(harness.SUPPORT_CASES[0][0])
    counts = page.get_by_role("list", name="Cases by status")
    expect(counts.get_by_role("link").first).to_have_text(re.compile(r"^All \d+$"))
    page.go_back()
    harness.settled(page)
    expect(queue).to_contain_text(harness.SUPPORT_CASES[0][0])

    # Nobody's cases: those without an owner (the second line's).
    page.get_by_role("link", name="Nobody's").click()
    expect(page).to_have_url(re.compile(r"view=unassigned"))
    harness.settled(page)
    expect(queue).to_contain_text(harness.SUPPORT_CASES[2][0])
    expect(queue).not_to_contain_text(harness.SUPPORT_CASES[0][0])


def test_a_duplicate_is_merged_into_another_case(signed_in, api, seeded):
    original = harness.open_case(api, seeded, "VPN drops every hour", "normal")
    duplicate = harness.open_case(api, seeded, "VPN keeps disconnecting", "normal")
    page = signed_in("support", f"/cases/{duplicate['id']}")
    page.get_by_role("button", name="Merge into another case").click()
    form = page.get_by_role("form", name="Merge into another case")
    form.get_by_label("Merge into").fill(original["number"])
    form.get_by_role("button", name=re.compile(rf"^{original['number']}")).click()
    form.get_by_role("button", name=f"Merge {duplicate['number']} into {original['number']}").click()
    expect(page).to_have_url(re.compile(rf"/console/cases/{original['id']}$"))
    expect(page.get_by_role("status")).to_have_text(f"{duplicate['number']} was merged into {original['number']}.")
    assert api.get(f"/cases/{duplicate['id']}")["merged_into"] == original["id"]


def test_an_agent_changes_the_priority_in_place(signed_in, api, seeded):
    case = harness.open_case(api, seeded, "Label printer offline", "low")
    page = signed_in("support", f"/cases/{case['id']}")
    page.get_by_role("button", name="Edit details").click()
    form = page.get_by_role("form", name="Edit details")
    form.get_by_label("Priority").select_option("high")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator(".case-head .badge.pr-high")).to_have_text("High")
    assert api.get(f"/cases/{case['id']}")["priority"] == "high"


def test_the_support_persons_start_page_and_the_teams_figures(signed_in, seeded):
    page = signed_in("support", "/")
    mine = page.get_by_role("region", name="My open cases, most urgent first")
    expect(mine).to_contain_text(harness.SUPPORT_CASES[0][0])
    expect(page.get_by_role("region", name="Overdue cases")).to_be_visible()

    page = signed_in("support", "/support")
    expect(_h1(page)).to_have_text("Support figures")
    expect(page.get_by_role("group", name="Key figures")).to_contain_text("Open now")
    expect(page.get_by_role("region", name="Backlog by age").locator("canvas")).to_be_visible()
    expect(page.get_by_role("region", name="Per team", exact=True)).to_contain_text(harness.SUPPORT_TEAM)


def test_the_queue_on_a_phone(signed_in, seeded):
    page = signed_in("support", "/cases", viewport=harness.PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= harness.PHONE["width"], f"the queue scrolls sideways on a phone: {width} px wide"
    first = page.get_by_role("table", name="Cases").locator("tbody tr").first
    expect(first.locator("td[data-label='Time left']")).to_be_visible()


def test_a_new_case_found_by_its_contact_takes_the_contacts_account(signed_in, api, seeded):
    page = signed_in("support", "/cases/new")
    form = page.get_by_role("form", name="New case")
    form.get_by_label("Contact", exact=True).fill("Grace")
    form.get_by_role("button", name=re.compile(" ".join(harness.CONTACT))).click()
    expect(form.get_by_label("Contact email")).to_have_value("grace@example.com")
    form.get_by_label("Subject").fill("Cannot print invoices")
    form.get_by_label("Priority").select_option("high")
    form.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/console/cases/[0-9a-f-]{36}$"))
    harness.settled(page)
    case = api.get(f"/cases/{page.url.rsplit('/', 1)[-1]}")
    assert case["account_id"] == seeded.accounts[harness.ACCOUNT]
    assert case["contact_id"] == seeded.contacts[" ".join(harness.CONTACT)]
    assert case["priority"] == "high"
    expect(page.locator(".case-head")).to_contain_text(harness.ACCOUNT)


SURVEY_LINK = re.compile(r"https?://\S+/survey/(\S+)")


def _breach_and_answer(console_stack, api, seeded):
    """On the account: an urgent case whose SLA clocks are breached (as the sweep would mark them) and a
    resolved case whose survey the contact answered with a low score (which opens a follow-up task)."""
    breached = harness.open_case(api, seeded, "Payment page times out", "urgent", owner=False)
    answered = harness.open_case(api, seeded, "Wrong VAT on the last invoice", "normal", owner=False)
    api.post(f"/cases/{answered['id']}/status", {"status": "resolved"})
    with psycopg.connect(console_stack.database_url, autocommit=True, options="-c search_path=support") as conn:
        marked = conn.execute("UPDATE case_sla SET breached_at = now() WHERE case_id = %s AND NOT stopped"
                              " RETURNING id", (breached["id"],)).fetchall()
        assert marked, "the urgent case has no running SLA clock"
        (text,) = conn.execute("SELECT text FROM outgoing_mail WHERE case_id = %s AND kind = 'survey'",
                               (answered["id"],)).fetchone()
    token = SURVEY_LINK.search(text).group(1)
    api.post(f"/public/surveys/{token}", {"csat": 2, "comment": "It took a week to fix."})
    return breached, answered


def test_the_accounts_support_at_a_glance(signed_in, api, seeded, console_stack, base_url):
    breached, answered = _breach_and_answer(console_stack, api, seeded)
    account_id = seeded.accounts[harness.ACCOUNT]
    support = api.get(f"/accounts/{account_id}/overview")["support"]
    assert support["open_cases"]["breached"] >= 1 and support["csat"]["last_answer"]["case_id"] == answered["id"]
    assert support["open_tasks"]["total"] >= 1

    page = signed_in("sales", f"/accounts/{account_id}")
    section = page.get_by_role("region", name="Cases")
    glance = section.locator("dl.support-facts")
    expect(glance).to_have_attribute("aria-label", "Support at a glance")
    open_cases = support["open_cases"]
    expect(glance).to_contain_text(f"Open cases{open_cases['total']}")
    chips = section.get_by_role("list", name="Open cases by priority")
    expect(chips.get_by_role("listitem").first).to_have_text(f"Urgent {open_cases['by_priority']['urgent']}")
    link = glance.get_by_role("link", name=re.compile(r"^\d+ open cases? breached$"))
    expect(link).to_have_text(re.compile(rf"^{open_cases['breached']} open cases? breached$"))
    expect(link).to_have_css("color", "rgb(179, 38, 30)")  # --danger
    expect(glance).to_contain_text(f"Oldest open{open_cases['oldest']['number']} · open for")
    expect(glance).to_contain_text(f"Last {support['window_days']} days{support['cases_opened_recently']} case")
    average = f"{support['csat']['average']:.1f} / 5"
    expect(glance).to_contain_text(f"CSAT{average}")
    expect(glance).to_contain_text(f"Last: 2 / 5 on {answered['number']}")
    expect(glance.locator("blockquote")).to_have_text("It took a week to fix.")
    expect(glance).to_contain_text(f"Follow-up tasks{support['open_tasks']['total']} open")

    # The breached count opens the account's breached cases in the queue.
    link.click()
    expect(page).to_have_url(re.compile(rf"/console/cases\?view=all&account_id={account_id}&sla=breached$"))
    harness.settled(page)
    expect(page.get_by_role("table", name="Cases")).to_contain_text(breached["subject"])

    # The last answer links to its case.
    page.go_back()
    harness.settled(page)
    section.get_by_role("link", name=answered["number"]).click()
    expect(page).to_have_url(re.compile(rf"/console/cases/{answered['id']}$"))


def _overview_says(page, **changes):
    """The page's overview answers with ``changes`` (a service down, a part not permitted)."""
    def rewrite(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), **changes})
    page.route(re.compile(r"/api/v1/accounts/[0-9a-f-]+/overview$"), rewrite)


def test_the_account_page_when_support_does_not_answer_or_is_not_permitted(signed_in, seeded, base_url):
    account_id = seeded.accounts[harness.ACCOUNT]
    page = signed_in("sales", "/")
    _overview_says(page, support=None, unavailable=["support"])
    harness.visit(page, base_url, f"/accounts/{account_id}")
    section = page.get_by_role("region", name="Cases")
    expect(section.get_by_role("status")).to_have_text(re.compile(r"^Support is not answering"))
    expect(section.locator("dl.support-facts")).to_have_count(0)
    expect(page.get_by_role("region", name="Orders")).to_be_visible()  # the other parts still show

    page = signed_in("sales", "/")
    _overview_says(page, support=None, not_permitted=["support"])
    harness.visit(page, base_url, f"/accounts/{account_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(harness.ACCOUNT)
    expect(page.get_by_role("region", name="Orders")).to_be_visible()
    expect(page.get_by_role("region", name="Cases")).to_have_count(0)


def test_the_accounts_support_on_a_phone_and_a_case_in_recently_opened(signed_in, seeded):
    page = signed_in("support", f"/accounts/{seeded.accounts[harness.ACCOUNT]}", viewport=harness.PHONE)
    expect(page.locator("dl.support-facts")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= harness.PHONE["width"], f"the account page scrolls sideways on a phone: {width} px wide"

    subject = harness.SUPPORT_CASES[1][0]
    case_id = seeded.case_subjects[subject]
    number = next(n for n, i in seeded.cases.items() if i == case_id)
    page = signed_in("support", f"/cases/{case_id}")
    page = signed_in("support", "/")
    opened = page.get_by_role("region", name="Recently opened")
    expect(opened.get_by_role("listitem").first).to_contain_text(f"Case: {number} {subject}")
    opened.get_by_role("link", name=f"{number} {subject}").click()
    expect(page).to_have_url(re.compile(rf"/console/cases/{case_id}$"))
