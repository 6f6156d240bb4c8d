"""A property: whatever the order of consents, withdrawals, suppressions and
sends, nobody without consent, suppressed, or over the frequency cap ever
receives a marketing email, and everyone else does (through the real
service, database and SMTP server; small data)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.campaigns import sending_fixtures
from tests.campaigns.sending_fixtures import (
    address,
    campaign,
    members,
    person,
    received,
    set_consent,
    suppress,
    template,
    wait_finished,
)

smtp, sender_service, sending = sending_fixtures.smtp, sending_fixtures.sender_service, sending_fixtures.sending
CAP = 3  # sending_fixtures.SENDER_ENV

STEPS = st.lists(st.one_of(
    st.tuples(st.just("grant"), st.integers(0, 1)),
    st.tuples(st.just("withdraw"), st.integers(0, 1)),
    st.tuples(st.just("pending"), st.integers(0, 1)),
    st.tuples(st.just("suppress"), st.integers(0, 1)),
    st.tuples(st.just("send"), st.just(None)),
), min_size=1, max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_nobody_who_may_not_be_mailed_is_mailed(sending, db, smtp, steps):
    emails = [address("p"), address("q")]
    people = [person(db, email) for email in emails]
    template_id = template(db)
    consent = dict.fromkeys(emails)
    suppressed = set()
    expected = dict.fromkeys(emails, 0)
    for action, who in steps:
        if action == "send":
            campaign_id = campaign(db)
            members(db, campaign_id, people)
            send = sending.create_email_send(campaign_id, {"template_id": template_id,
                                                           "audience": {"kind": "members"}}, "mia")
            wait_finished(db, send["id"])
            for email in emails:
                if consent[email] == "granted" and email not in suppressed and expected[email] < CAP:
                    expected[email] += 1
            assert received(smtp, emails) == {email: n for email, n in expected.items() if n}
            continue
        email = emails[who]
        if action == "suppress":
            suppress(db, email)
            suppressed.add(email)
        else:
            status = {"grant": "granted", "withdraw": "withdrawn", "pending": "pending_confirmation"}[action]
            set_consent(db, email, status)
            consent[email] = status
