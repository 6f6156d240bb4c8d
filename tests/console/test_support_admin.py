"""The support administration screens' journeys, checked against the API: an
admin makes a calendar (time zone, weekly hours, a holiday region with the
year's holidays listed) and an SLA policy on it, reorders the policies,
makes a team with a member and a routing rule and tests a case against the
rules; bad input is refused next to its field; the pages are the admin's
only (a sales user is told so, and has no links to them); the screens pass
axe and fit a phone."""

import re
import uuid
from datetime import date

from playwright.sync_api import expect

from tests.console import harness


def _h1(page):
    return page.get_by_role("heading", level=1)


def test_admin_makes_a_calendar_and_an_sla_policy_on_it(signed_in, api, base_url):
    tag = uuid.uuid4().hex[:6]
    name = f"Munich office {tag}"
    page = signed_in("admin", "/admin")
    page.get_by_role("link", name="Calendars").click()
    expect(_h1(page)).to_have_text("Calendars")
    page.get_by_role("link", name="New calendar").click()
    expect(_h1(page)).to_have_text("New calendar")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Friday").fill("09:00-12:00, 13:00-15:00")
    page.get_by_label("Country").fill("DE")
    page.get_by_label("Region").fill("BY")
    # The year's public holidays of the region, from the API, while typing.
    holidays = page.get_by_role("list", name=f"Public holidays in {date.today().year}")
    expect(holidays).to_contain_text("Christmas")
    page.get_by_role("button", name="Add a date").click()
    page.get_by_label("Date of date 1").fill(f"{date.today().year}-12-24")
    page.get_by_label("Name of date 1").fill("Christmas Eve")
    page.get_by_label("Closed of date 1").uncheck()
    page.get_by_label("Hours of date 1").fill("09:00-12:00")
    page.get_by_role("button", name="Create calendar").click()
    expect(page).to_have_url(re.compile(r"/admin/support/calendars/[0-9a-f-]{36}$"))
    harness.settled(page)
    calendar_id = page.url.rsplit("/", 1)[-1]
    expect(_h1(page)).to_have_text(name)
    calendar = api.get(f"/support/calendars/{calendar_id}")
    assert calendar["time_zone"] == "Europe/Berlin"
    assert calendar["weekly_hours"]["fri"] == [["09:00", "12:00"], ["13:00", "15:00"]]
    assert "sat" not in calendar["weekly_hours"] or calendar["weekly_hours"]["sat"] == []
    assert (calendar["holiday_country"], calendar["holiday_subdivision"]) == ("DE", "BY")
    assert calendar["dates"] == [{"date": f"{date.today().year}-12-24", "hours": [["09:00", "12:00"]],
                                  "name": "Christmas Eve"}]

    # An SLA policy counting in it.
    policy_name = f"Bavarian urgent {tag}"
    harness.visit(page, base_url, "/admin/support/sla-policies/new")
    page.get_by_label("Name").fill(policy_name)
    page.get_by_label("Calendar").select_option(calendar_id)
    page.get_by_role("group", name="Priority").get_by_label("Urgent").check()
    page.get_by_label("First response: hours").fill("1")
    page.get_by_label("First response: minutes").fill("30")
    page.get_by_label("Resolution: hours").fill("8")
    page.get_by_label("Warn at (% of the target)").fill("75")
    page.get_by_role("button", name="Create policy").click()
    expect(page).to_have_url(re.compile(r"/admin/support/sla-policies$"))
    row = page.get_by_role("row", name=re.compile(policy_name))
    expect(row).to_contain_text("1 h 30 min")
    expect(row).to_contain_text("8 h")
    expect(row).to_contain_text(name)
    policy = next(p for p in api.get("/support/sla-policies")["items"] if p["name"] == policy_name)
    assert (policy["priorities"], policy["first_response_minutes"], policy["next_response_minutes"],
            policy["resolution_minutes"], policy["warn_percent"], policy["calendar_id"]) == (
        ["urgent"], 90, None, 480, 75, calendar_id)

    # Moved up one place: the API's order follows.
    before = [p["id"] for p in sorted(api.get("/support/sla-policies")["items"], key=lambda p: p["position"])]
    index = before.index(policy["id"])
    page.get_by_role("button", name=f"Move “{policy_name}” up").click()
    expect(page.get_by_role("status")).to_contain_text(f"is now number {index}")
    after = [p["id"] for p in sorted(api.get("/support/sla-policies")["items"], key=lambda p: p["position"])]
    assert after.index(policy["id"]) == index - 1


def test_bad_input_shows_the_reason_at_the_field(signed_in, base_url):
    page = signed_in("admin", "/admin/support/calendars/new")
    page.get_by_label("Name").fill(f"Broken {uuid.uuid4().hex[:6]}")
    page.get_by_label("Monday").fill("nine to five")
    page.get_by_role("button", name="Create calendar").click()
    monday = page.get_by_label("Monday")
    expect(monday).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.invalid", has=monday)).to_contain_text("09:00-17:00")
    # The server's reason: a country the holidays library does not know.
    monday.fill("09:00-17:00")
    page.get_by_label("Country").fill("XX")
    page.get_by_role("button", name="Create calendar").click()
    expect(page.get_by_label("Country")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/calendars/new$"))

    # A policy without any target: told at the first target.
    harness.visit(page, base_url, "/admin/support/sla-policies/new")
    page.get_by_label("Name").fill(f"No targets {uuid.uuid4().hex[:6]}")
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_label("First response: hours")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/sla-policies/new$"))


def test_admin_makes_a_team_and_a_routing_rule_and_tests_a_case(signed_in, api, base_url, people):
    tag = uuid.uuid4().hex[:6]
    team = f"Billing {tag}"
    page = signed_in("admin", "/admin/support/teams/new")
    page.get_by_label("Name").fill(team)
    page.get_by_label("Owner of new cases").select_option("fewest_open")
    page.get_by_role("button", name="Create team").click()
    expect(page).to_have_url(re.compile(r"/admin/support/teams/[0-9a-f-]{36}$"))
    harness.settled(page)
    team_id = page.url.rsplit("/", 1)[-1]
    members = page.get_by_role("form", name="Add a member")
    support_user = harness.PEOPLE["support"]
    members.get_by_label("Person").select_option(label=f"{support_user[1]} ({support_user[0]})")
    members.get_by_label("Email for escalations").fill("sue@example.com")
    members.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("table", name=f"Members of {team}")).to_contain_text(support_user[1])
    page.get_by_label("Team lead").select_option(label=support_user[1])
    page.get_by_role("button", name="Save team").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    stored = api.get(f"/support/teams/{team_id}")
    assert stored["assignment_method"] == "fewest_open"
    assert stored["lead_id"] == people[support_user[0]]

    harness.visit(page, base_url, "/admin/support/routing-rules")
    form = page.get_by_role("form", name="New routing rule")
    form.get_by_label("Name").fill(f"Invoices {tag}")
    form.get_by_label("Send to team").select_option(team_id)
    form.get_by_label("Keywords").fill(f"invoice{tag}, refund{tag}")
    form.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_contain_text("added")
    expect(page.get_by_role("row", name=re.compile(f"Invoices {tag}"))).to_contain_text(team)

    test = page.get_by_role("form", name="Test a case")
    test.get_by_label("Subject").fill(f"A question about my invoice{tag}")
    test.get_by_role("button", name="Test").click()
    expect(test.get_by_role("status")).to_contain_text(f"Goes to {team}")


def test_admin_makes_an_escalation_rule(signed_in, api):
    tag = uuid.uuid4().hex[:6]
    page = signed_in("admin", "/admin/support/escalation-rules")
    form = page.get_by_role("form", name="New escalation rule")
    form.get_by_label("Name").fill(f"Urgent breach {tag}")
    # A rule that does nothing is refused with the reason.
    form.get_by_role("button", name="Add rule").click()
    expect(form.get_by_role("alert")).to_contain_text("at least one thing")
    form.get_by_label("On", exact=True).select_option("breach")
    form.get_by_label("Of the clock").select_option("resolution")
    form.get_by_role("group", name="Only for priority").get_by_label("Urgent").check()
    form.get_by_label("Email the team lead").check()
    form.get_by_label("Raise the priority one step").check()
    form.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_contain_text("added")
    row = page.get_by_role("row", name=re.compile(f"Urgent breach {tag}"))
    expect(row).to_contain_text("email the team lead, raise the priority")
    rule = next(r for r in api.get("/support/escalation-rules")["items"] if r["name"] == f"Urgent breach {tag}")
    assert (rule["on_event"], rule["metric"], rule["priorities"], rule["notify_team_lead"], rule["raise_priority"],
            rule["notify_owner"]) == ("breach", "resolution", ["urgent"], True, True, False)


def test_the_mail_page_shows_the_queue_and_the_mailbox(signed_in):
    page = signed_in("admin", "/admin/support/mail")
    expect(_h1(page)).to_have_text("Support mail")
    expect(page.get_by_role("region", name="Outgoing")).to_contain_text("Queued")
    expect(page.get_by_role("region", name="Failures and bounces")).to_be_visible()


def test_the_pages_are_the_admins_only(signed_in, base_url):
    page = signed_in("sales", "/admin/support/sla-policies")
    expect(_h1(page)).to_have_text("Not allowed")
    expect(page.get_by_role("alert")).to_contain_text("Ask an admin")
    harness.visit(page, base_url, "/admin")
    expect(page.get_by_role("link", name="SLA policies")).to_have_count(0)
    expect(page.get_by_role("link", name="Calendars")).to_have_count(0)


def test_admin_screens_pass_axe_and_fit_a_phone(signed_in, api):
    calendar = api.get("/support/calendars")["items"][0]
    policy = api.get("/support/sla-policies")["items"][0]
    paths = ["/admin/support", "/admin/support/sla-policies", f"/admin/support/sla-policies/{policy['id']}",
             "/admin/support/calendars", f"/admin/support/calendars/{calendar['id']}", "/admin/support/teams",
             "/admin/support/teams/new", "/admin/support/routing-rules", "/admin/support/escalation-rules",
             "/admin/support/mail"]
    for path in paths:
        page = signed_in("admin", path)
        assert page.locator("main h1").count() == 1, f"{path}: not one <h1>"
        assert page.title().endswith(" · CRM"), f"{path}: tab title {page.title()!r}"
        assert page.get_by_role("navigation", name="Breadcrumb").count() == 1, f"{path}: no breadcrumbs"
        violations = harness.axe_violations(page)
        assert not violations, f"{path}: {harness.describe_violations(violations)}"
        page.close()
        phone = signed_in("admin", path, viewport=harness.PHONE)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= harness.PHONE["width"], f"{path} is {width}px wide on a phone"
        phone.close()
