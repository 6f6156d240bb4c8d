"""Listing leads: filters, keyset pagination that stays stable while leads
are added, counts by status and source."""

import pytest

from shared.schemas.errors import ValidationFailed
from tests.leads.conftest import unique


@pytest.fixture
def book(leads):
    """Six leads sharing a unique tag in their company name, in creation order."""
    tag = unique("tag")
    owner = unique("owner-")
    specs = [
        {"first_name": "Alan", "source": "referral", "title": "CTO", "owner": owner},
        {"first_name": "Barbara", "source": "partner", "owner": owner},
        {"first_name": "Claude", "source": "manual"},
        {"first_name": "Dorothy", "source": "manual", "industry": "Software", "company_size": 5000},
        {"first_name": "Edsger", "source": "web_form"},
        {"first_name": "Frances", "source": "event"},
    ]
    created = []
    for index, spec in enumerate(specs):
        created.append(leads.create_lead({"last_name": f"Person{index}", "email": f"p{index}.{tag}@example.org",
                                          "company": f"{tag.upper()} Holdings", **spec}, "tester"))
    created[2] = leads.update_lead(created[2]["id"], {"status": "working"}, "tester")
    created[3] = leads.update_lead(created[3]["id"], {"status": "qualified"}, "tester")
    created[4] = leads.update_lead(created[4]["id"], {"status": "disqualified"}, "tester")
    return tag, owner, created


def ids(page):
    return [lead["id"] for lead in page["items"]]


def newest_first(leads):
    return [lead["id"] for lead in sorted(leads, key=lambda lead: (lead["created_at"], lead["id"]), reverse=True)]


def test_list_is_newest_first_and_q_searches_name_email_and_company(leads, book):
    tag, _, created = book
    assert ids(leads.list_leads({"q": tag})) == newest_first(created)
    assert ids(leads.list_leads({"q": tag.lower()})) == newest_first(created)  # company is upper case
    assert ids(leads.list_leads({"q": f"p3.{tag}"})) == [created[3]["id"]]  # email
    assert ids(leads.list_leads({"q": "dorothy person3"})) == [created[3]["id"]]  # first and last name
    assert ids(leads.list_leads({"q": f"{tag}%"})) == []  # LIKE wildcards are plain characters
    assert ids(leads.list_leads({"q": f"{tag[:4]}_{tag[5:]}"})) == []


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": ["working"]}, [2]),
    ({"status": ["new", "qualified"]}, [0, 1, 3, 5]),
    ({"source": ["manual"]}, [2, 3]),
    ({"source": ["referral", "partner"], "status": ["new"]}, [0, 1]),
])
def test_list_filters_by_status_and_source(leads, book, query, expected):
    tag, _, created = book
    assert ids(leads.list_leads({"q": tag, **query})) == newest_first([created[index] for index in expected])


def test_list_filters_by_owner(leads, book):
    tag, owner, created = book
    assert ids(leads.list_leads({"owner": owner})) == newest_first(created[:2])
    assert ids(leads.list_leads({"owner": owner, "source": ["partner"]})) == [created[1]["id"]]


def test_list_filters_by_score_range(leads, book):
    tag, _, created = book
    scores = sorted({lead["score"] for lead in created})
    assert len(scores) >= 3
    low, middle, high = scores[0], scores[len(scores) // 2], scores[-1]
    for query, keep in [
        ({"score_min": middle}, lambda score: score >= middle),
        ({"score_max": middle}, lambda score: score <= middle),
        ({"score_min": low + 1, "score_max": high - 1}, lambda score: low < score < high),
        ({"score_min": high, "score_max": high}, lambda score: score == high),
    ]:
        expected = newest_first([lead for lead in created if keep(lead["score"])])
        assert ids(leads.list_leads({"q": tag, **query})) == expected, query


def test_list_filters_by_created_range(leads, book):
    tag, _, created = book
    start, end = created[1]["created_at"], created[4]["created_at"]
    assert ids(leads.list_leads({"q": tag, "created_from": start})) == newest_first(created[1:])
    assert ids(leads.list_leads({"q": tag, "created_to": end})) == newest_first(created[:4])  # end excluded
    assert ids(leads.list_leads({"q": tag, "created_from": start, "created_to": end})) == newest_first(created[1:4])


def test_pages_never_repeat_or_skip_a_lead_while_leads_are_added(leads):
    tag = unique("page")

    def create(number):
        return leads.create_lead({"last_name": f"Paged {number}", "company": f"{tag} AG"}, "tester")

    existing = [create(number) for number in range(13)]
    seen, added, cursor = [], [], None
    for page_number in range(10):
        page = leads.list_leads({"q": tag, "limit": 5, "cursor": cursor})
        assert len(page["items"]) <= 5
        seen += ids(page)
        added += [create(100 + 10 * page_number + extra) for extra in range(3)]  # between pages
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)), "a lead was listed twice"
    assert seen == newest_first(existing), "a lead was skipped or listed out of order"
    assert ids(leads.list_leads({"q": tag, "limit": 500})) == newest_first(existing + added)


def test_the_last_page_has_no_next_cursor(leads):
    tag = unique("page")
    for number in range(4):
        leads.create_lead({"last_name": f"Paged {number}", "company": f"{tag} AG"}, "tester")
    first = leads.list_leads({"q": tag, "limit": 2})
    second = leads.list_leads({"q": tag, "limit": 2, "cursor": first["next_cursor"]})
    assert first["next_cursor"] and len(second["items"]) == 2
    assert second["next_cursor"] is None


def test_counts_by_status_and_source(leads, book):
    tag, _, _ = book
    counts = leads.count_leads({"q": tag})
    assert counts == {
        "total": 6,
        "by_status": {"new": 3, "working": 1, "qualified": 1, "disqualified": 1},
        "by_source": {"referral": 1, "partner": 1, "manual": 2, "web_form": 1, "event": 1},
    }
    assert leads.count_leads({"q": tag, "status": ["new"]})["by_source"] == {"referral": 1, "partner": 1, "event": 1}
    assert leads.count_leads({"q": unique("nobody")}) == {"total": 0, "by_status": {}, "by_source": {}}


@pytest.mark.parametrize(("query", "field"), [
    ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
    ({"cursor": "%%%"}, "cursor"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"status": ["archived"]}, "status"),
    ({"status": "new"}, "status"),
    ({"score_min": 101}, "score_min"),
    ({"created_from": "yesterday"}, "created_from"),
    ({"created_from": "2024-01-01T00:00:00"}, "created_from"),  # no time zone
    ({"sort": "rank"}, "sort"),
])
def test_a_bad_query_is_refused_per_field(leads, query, field):
    with pytest.raises(ValidationFailed) as raised:
        leads.list_leads(query)
    assert field in raised.value.errors, raised.value.errors


def test_the_history_pages_newest_first(leads):
    lead = leads.create_lead({"last_name": "Historic", "company": f"{unique('hist')} AG"}, "tester")
    for title in ("One", "Two", "Three", "Four"):
        leads.update_lead(lead["id"], {"title": title}, "tester")
    whole = leads.lead_history(lead["id"])
    assert whole["next_cursor"] is None and len(whole["items"]) >= 4
    assert whole["items"][0]["changes"]["title"][-1] == "Four"

    seen, cursor = [], None
    while True:
        page = leads.lead_history(lead["id"], cursor, 2)
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole["items"]


def test_a_history_cursor_this_api_did_not_return_is_refused(leads):
    lead, _ = (leads.create_lead({"last_name": "Historic", "company": f"{unique('hist')} AG"}, "tester")
               for _ in range(2))
    a_list_cursor = leads.list_leads({"limit": 1})["next_cursor"]  # another list's cursor
    for cursor in ("garbage!", "MTI=", a_list_cursor):
        with pytest.raises(ValidationFailed) as raised:
            leads.lead_history(lead["id"], cursor, 2)
        assert "cursor" in raised.value.errors
