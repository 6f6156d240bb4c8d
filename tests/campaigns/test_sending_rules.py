"""The sending area's pure rules: the decision for one email, the retry
pauses and outcomes, and the token bucket that paces a sender."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.campaigns.sending.decide import Decision, Facts, decide, outcome, retry_pause
from services.campaigns.sending.pacing import TokenBucket

OK = Facts(email_norm="ada@example.org", active=True, do_not_email=False, suppressed=False, consent=(True, None),
           recent=0, cap=3)


def facts(**changes):
    return Facts(**{**OK.__dict__, **changes})


@pytest.mark.parametrize(("changes", "reason"), [
    ({"cancelled": True}, "cancelled"),
    ({"email_norm": None}, "no_address"),
    ({"active": False}, "inactive"),
    ({"do_not_email": True}, "do_not_email"),
    ({"suppressed": True}, "suppressed"),
    ({"consent": (False, "withdrawn")}, "withdrawn"),
    ({"consent": (False, "pending_confirmation")}, "pending_confirmation"),
    ({"consent": (False, "something new")}, "no_consent"),
    ({"duplicate": True}, "duplicate_address"),
    ({"recent": 3}, "frequency_cap"),
    ({"suppressed": True, "consent": (False, "no_consent"), "recent": 9}, "suppressed"),
])
def test_each_reason_not_to_mail(changes, reason):
    assert decide(facts(**changes)) == Decision(False, reason)


def test_a_consenting_address_under_the_cap_is_mailed():
    assert decide(OK) == Decision(True)
    assert decide(facts(recent=2)).send
    assert decide(facts(recent=100, cap=0)).send  # 0: no cap


@given(email=st.one_of(st.none(), st.just("a@b.c")), active=st.booleans(), dne=st.booleans(),
       suppressed=st.booleans(), allowed=st.booleans(), recent=st.integers(0, 5), cap=st.integers(0, 4),
       duplicate=st.booleans())
def test_mailed_only_when_every_condition_holds(email, active, dne, suppressed, allowed, recent, cap, duplicate):
    decision = decide(Facts(email, active, dne, suppressed, (allowed, None if allowed else "no_consent"), recent,
                            cap, duplicate))
    assert decision.send == bool(email and active and not dne and not suppressed and allowed and not duplicate
                                 and (cap == 0 or recent < cap))
    assert (decision.reason is None) == decision.send


def test_retry_pauses_double_up_to_the_most():
    assert [retry_pause(attempt, 60, 300) for attempt in (1, 2, 3, 4, 5)] == [60, 120, 240, 300, 300]


def test_outcomes_of_an_attempt():
    assert outcome("sent", 1, 3) == "sent"
    assert outcome("permanent", 1, 3) == "bounced"
    assert outcome("temporary", 2, 3) == "queued"
    assert outcome("temporary", 3, 3) == "failed"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_bucket_allows_its_rate_after_a_burst():
    clock = Clock()
    bucket = TokenBucket(10, burst=2, clock=clock)
    taken = 0
    for _ in range(1000):  # one simulated second in steps of a millisecond
        if bucket.wait() == 0:
            bucket.take()
            taken += 1
        clock.now += 0.001
    assert 10 <= taken <= 12  # the burst of 2, then 10 per second
    assert bucket.wait() == pytest.approx(0.1, abs=0.01) or bucket.wait() == 0
    with pytest.raises(ValueError):
        TokenBucket(0)
