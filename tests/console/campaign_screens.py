"""Marketing's screens for `make screenshots` and the browser tests: an
email template, a segment of the seeded leads, a static list and a launched
campaign with a cost and members, made through the API (after harness.seed),
and the screens that show them with their titles and breadcrumb trails."""

from tests.console import harness

CAMPAIGN_SCREEN_NAMES = ["campaigns", "campaign", "new-campaign", "segments", "segment", "new-segment", "static-lists",
                         "suppressions", "templates", "template"]


def campaign_screens(api):
    """Marketing's screens with records of their own, made through the API: an email template, a segment
    of the seeded leads, a static list and a launched campaign with a cost."""
    template = api.post("/campaigns/templates", {
        "name": "Spring invitation", "subject": "Hello {{ person.first_name|default('there') }}",
        "html": "<h1>Spring webinar</h1><p>Dear {{ person.first_name }}, join us on 12 March.</p>"
                "<p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>"})
    segment = api.post("/campaigns/segments", {"name": "Qualified leads", "rule": {"all": [
        {"field": "kind", "op": "eq", "value": "lead"}, {"field": "lead_status", "op": "in", "value": ["qualified"]}]}})
    static = api.post("/campaigns/lists", {"name": "Trade fair visitors"})
    campaign = api.post("/campaigns", {"name": "Spring webinar", "type": "webinar", "budget": "5000.00",
                                       "expected_revenue": "20000.00", "starts_on": "2027-03-01"})
    api.post(f"/campaigns/{campaign['id']}/costs", {"incurred_on": "2027-02-01", "amount": "1200.00",
                                                     "category": "media"})
    api.post(f"/campaigns/{campaign['id']}/members", {"segment_id": segment["id"]})
    api.call("POST", f"/campaigns/{campaign['id']}/launch", headers={"If-Match": f'"{campaign["version"]}"'})
    screen = harness.Screen
    return [
        screen("campaigns", "/campaigns", "Campaigns", ("Home", "Campaigns")),
        screen("campaign", f"/campaigns/{campaign['id']}", "Spring webinar", ("Home", "Campaigns", "Spring webinar")),
        screen("new-campaign", "/campaigns/new", "New campaign", ("Home", "Campaigns", "New campaign")),
        screen("segments", "/segments", "Segments", ("Home", "Segments")),
        screen("segment", f"/segments/{segment['id']}", "Qualified leads", ("Home", "Segments", "Qualified leads")),
        screen("new-segment", "/segments/new", "New segment", ("Home", "Segments", "New segment")),
        screen("static-lists", f"/segments/lists/{static['id']}", "Trade fair visitors",
               ("Home", "Segments", "Static lists", "Trade fair visitors")),
        screen("suppressions", "/segments/suppressions", "Suppression list", ("Home", "Segments", "Suppression list")),
        screen("templates", "/campaigns/templates", "Email templates", ("Home", "Campaigns", "Email templates")),
        screen("template", f"/campaigns/templates/{template['id']}", "Spring invitation",
               ("Home", "Campaigns", "Email templates", "Spring invitation")),
    ]
