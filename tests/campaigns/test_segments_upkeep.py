"""Segment membership upkeep against the real database: incremental
membership (``people_changed`` after each change) always equals a full
recomputation and an independent evaluation of the rule in Python, whatever
the rules (AND, OR, NOT, nested segments) and the order of changes; nested
segments follow the one they name; cycles are refused; relative dates are
refreshed; the history records each join and leave once."""

import datetime
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.campaigns.segments import commands, store, upkeep
from shared.schemas.errors import Conflict, ValidationFailed

NOW = datetime.datetime.now(datetime.UTC)
COUNTRIES = ("DE", "FR", None)
TITLES = ("CTO", "Head of Sales", "cto office", None)
INDUSTRIES = ("Retail", "Banking", None)
PEOPLE = 8
ACCOUNTS = 3


# An independent evaluation of a rule on a person (the test's oracle) ----------------------------------------------

def _text(value):
    return None if value is None else value.lower()


def holds(node, person, members):
    if "all" in node:
        return all(holds(child, person, members) for child in node["all"])
    if "any" in node:
        return any(holds(child, person, members) for child in node["any"])
    if "not" in node:
        return not holds(node["not"], person, members)
    if "segment" in node:
        return person["id"] in members[node["segment"]]
    value, op, wanted = person[node["field"]], node["op"], node.get("value")
    if op == "is_empty":
        return value is None or value == ""
    if op == "is_not_empty":
        return not (value is None or value == "")
    if op == "within_last_days":
        return value is not None and value >= NOW - datetime.timedelta(days=wanted)
    if op == "more_than_days_ago":
        return value is not None and value < NOW - datetime.timedelta(days=wanted)
    if isinstance(wanted, str) or (isinstance(wanted, list) and wanted and isinstance(wanted[0], str)):
        value = _text(value)
        wanted = [item.lower() for item in wanted] if isinstance(wanted, list) else wanted.lower()
    if op == "eq":
        return value is not None and value == wanted
    if op == "ne":
        return not (value is not None and value == wanted)
    if op == "in":
        return value is not None and value in wanted
    if op == "not_in":
        return not (value is not None and value in wanted)
    if op == "contains":
        return value is not None and wanted in value
    if value is None:
        return False
    if op == "between":
        return wanted[0] <= value <= wanted[1]
    return {"gt": value > wanted, "gte": value >= wanted, "lt": value < wanted, "lte": value <= wanted}[op]


# Rules and changes -------------------------------------------------------------------------------------------------

leaves = st.one_of(
    st.builds(lambda op, value: {"field": "country", "op": op, "value": value},
              st.sampled_from(("eq", "ne")), st.sampled_from(("DE", "de", "FR"))),
    st.builds(lambda op, value: {"field": "country", "op": op, "value": value},
              st.sampled_from(("in", "not_in")), st.lists(st.sampled_from(("DE", "FR", "IT")), min_size=1, max_size=2)),
    st.builds(lambda op: {"field": "country", "op": op}, st.sampled_from(("is_empty", "is_not_empty"))),
    st.builds(lambda op, value: {"field": "lead_score", "op": op, "value": value},
              st.sampled_from(("eq", "ne", "gt", "gte", "lt", "lte")), st.integers(0, 100)),
    st.builds(lambda low, size: {"field": "lead_score", "op": "between", "value": [low, low + size]},
              st.integers(0, 100), st.integers(0, 50)),
    st.builds(lambda op, value: {"field": "title", "op": op, "value": value},
              st.sampled_from(("eq", "contains")), st.sampled_from(("cto", "Sales", "office"))),
    st.builds(lambda op, value: {"field": "account_industry", "op": op, "value": value},
              st.sampled_from(("eq", "ne")), st.sampled_from(("retail", "Banking"))),
    st.builds(lambda op, days: {"field": "last_order_at", "op": op, "value": days},
              st.sampled_from(("within_last_days", "more_than_days_ago")), st.sampled_from((10, 60))),
)


def trees(segments_before):
    base = leaves if not segments_before else st.one_of(
        leaves, st.builds(lambda index: {"segment": index}, st.integers(0, segments_before - 1)))
    return st.recursive(base, lambda children: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(children, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(children, max_size=3)),
        st.builds(lambda item: {"not": item}, children)), max_leaves=6)


rule_sets = st.tuples(trees(0), trees(1), trees(2))
person_changes = st.one_of(
    st.tuples(st.just("country"), st.integers(0, PEOPLE - 1), st.sampled_from(COUNTRIES)),
    st.tuples(st.just("lead_score"), st.integers(0, PEOPLE - 1), st.one_of(st.none(), st.integers(0, 100))),
    st.tuples(st.just("title"), st.integers(0, PEOPLE - 1), st.sampled_from(TITLES)),
    st.tuples(st.just("account_id"), st.integers(0, PEOPLE - 1), st.one_of(st.none(), st.integers(0, ACCOUNTS - 1))),
    st.tuples(st.just("industry"), st.integers(0, ACCOUNTS - 1), st.sampled_from(INDUSTRIES)),
    st.tuples(st.just("last_order_at"), st.integers(0, ACCOUNTS - 1), st.sampled_from((None, 5, 30, 90))),
)


def _with_ids(node, segment_ids):
    if "segment" in node:
        return {"segment": segment_ids[node["segment"]]}
    for key in ("all", "any"):
        if key in node:
            return {key: [_with_ids(child, segment_ids) for child in node[key]]}
    if "not" in node:
        return {"not": _with_ids(node["not"], segment_ids)}
    return node


def _people_state(conn, ids):
    rows = conn.execute(
        "SELECT p.id, p.country, p.lead_score, p.title, a.industry AS account_industry, a.last_order_at"
        " FROM people p LEFT JOIN accounts a ON a.id = p.account_id WHERE p.id = ANY(%s::uuid[])", (ids,)).fetchall()
    return [{**row, "id": str(row["id"]), "country": row["country"]} for row in rows]


def _apply(conn, change, people, accounts):
    """One change to the projection, as the people area makes it; returns the people it touched."""
    what, index, value = change
    if what in ("country", "lead_score", "title"):
        conn.execute(f"UPDATE people SET {what} = %s WHERE id = %s", (value, people[index]))
        return [people[index]]
    if what == "account_id":
        conn.execute("UPDATE people SET account_id = %s WHERE id = %s",
                     (None if value is None else accounts[value], people[index]))
        return [people[index]]
    if what == "industry":
        conn.execute("UPDATE accounts SET industry = %s WHERE id = %s", (value, accounts[index]))
    else:
        moment = None if value is None else NOW - datetime.timedelta(days=value)
        conn.execute("UPDATE accounts SET last_order_at = %s WHERE id = %s", (moment, accounts[index]))
    return [str(row["id"]) for row in conn.execute("SELECT id FROM people WHERE account_id = %s", (accounts[index],))]


def make_people(conn, count=PEOPLE, accounts=ACCOUNTS):
    account_ids = [str(uuid.uuid4()) for _ in range(accounts)]
    for number, account_id in enumerate(account_ids):
        conn.execute("INSERT INTO accounts (id, name, industry, last_order_at) VALUES (%s, %s, %s, %s)",
                     (account_id, f"Account {number}", INDUSTRIES[number % 3], NOW - datetime.timedelta(days=20)))
    people = []
    for number in range(count):
        people.append(str(conn.execute(
            "INSERT INTO people (kind, source_id, email, email_norm, country, lead_score, title, account_id)"
            " VALUES ('lead', %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (str(uuid.uuid4()), f"P{number}@Example.org", f"p{number}-{uuid.uuid4().hex[:6]}@example.org",
             COUNTRIES[number % 3], number * 13 % 101, TITLES[number % 4],
             account_ids[number % accounts] if number % 4 else None)).fetchone()["id"]))
    return people, account_ids


def assert_consistent(conn, segment_ids, rules_by_id, people):
    """Each segment's members among ``people`` = the full recomputation = the oracle."""
    state = _people_state(conn, people)
    members = {}
    for segment in store.segments_of(conn, segment_ids):
        segment_id = str(segment["id"])
        incremental = store.member_ids(conn, segment_id) & set(people)
        predicate, params = upkeep.compiled(segment)
        full = store.matching_ids(conn, predicate, params) & set(people)
        assert incremental == full, (segment["rule"], incremental ^ full)
        oracle = {person["id"] for person in state if holds(rules_by_id[segment_id], person, members)}
        assert incremental == oracle, (segment["rule"], incremental ^ oracle)
        members[segment_id] = incremental


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rule_set=rule_sets, changes=st.lists(person_changes, min_size=1, max_size=8), batch=st.booleans())
def test_incremental_membership_equals_a_full_recomputation(db, rule_set, changes, batch):
    conn = db.conn
    with conn.transaction(force_rollback=True):
        people, accounts = make_people(conn)
        segment_ids, rules_by_id = [], {}
        for number, tree in enumerate(rule_set):
            created = commands.create_segment(conn, {"name": f"prop {number} {uuid.uuid4().hex[:8]}",
                                                     "rule": _with_ids(tree, segment_ids)})
            segment_ids.append(created["id"])
            rules_by_id[created["id"]] = created["rule"]
        assert_consistent(conn, segment_ids, rules_by_id, people)
        touched = []
        for change in changes:
            touched += _apply(conn, change, people, accounts)
            if not batch:  # one event at a time, or the whole lot in one call (an event handler's batch)
                upkeep.people_changed(conn, touched)
                touched = []
        upkeep.people_changed(conn, touched)
        assert_consistent(conn, segment_ids, rules_by_id, people)
        # The history replays to the membership: each join and leave recorded once, in order.
        for segment_id in segment_ids:
            replay = set()
            for row in conn.execute("SELECT person_id, change FROM segment_history WHERE segment_id = %s"
                                    " ORDER BY id", (segment_id,)):
                person = str(row["person_id"])
                assert (person in replay) == (row["change"] == "left")
                (replay.discard if row["change"] == "left" else replay.add)(person)
            assert replay == store.member_ids(conn, segment_id)


# Nesting, cycles, edits, relative dates ----------------------------------------------------------------------------

@pytest.fixture
def tx(db):
    with db.conn.transaction(force_rollback=True):
        yield db.conn


def segment(conn, rule, name=None):
    return commands.create_segment(conn, {"name": name or f"s {uuid.uuid4().hex[:8]}", "rule": rule})


def members(conn, segment_id):
    return store.member_ids(conn, segment_id)


def test_a_nested_segment_follows_the_one_it_names(tx):
    people, _ = make_people(tx)
    germans = segment(tx, {"field": "country", "op": "eq", "value": "DE"})
    keen = segment(tx, {"all": [{"segment": germans["id"]}, {"field": "lead_score", "op": "gte", "value": 0}]})
    assert members(tx, keen["id"]) & set(people) == members(tx, germans["id"]) & set(people) != set()
    french = people[1]  # COUNTRIES[1]
    tx.execute("UPDATE people SET country = 'DE' WHERE id = %s", (french,))
    changed = upkeep.people_changed(tx, [french])
    assert changed == {germans["id"]: {"joined": 1, "left": 0}, keen["id"]: {"joined": 1, "left": 0}}
    assert french in members(tx, keen["id"])
    assert upkeep.people_changed(tx, [french]) == {}  # nothing changed: nothing recorded


def test_editing_a_rule_recomputes_it_and_the_segments_naming_it(tx):
    people, _ = make_people(tx)
    base = segment(tx, {"field": "country", "op": "eq", "value": "DE"})
    outer = segment(tx, {"not": {"segment": base["id"]}})
    updated = commands.update_segment(tx, base["id"], {"rule": {"field": "country", "op": "eq", "value": "FR"}},
                                      "ann", base["version"])
    assert updated["version"] == base["version"] + 1
    state = {row["id"]: row for row in _people_state(tx, people)}
    assert members(tx, base["id"]) & set(people) == {p for p in people if state[p]["country"] == "FR"}
    assert members(tx, outer["id"]) & set(people) == {p for p in people if state[p]["country"] != "FR"}
    left = tx.execute("SELECT count(*) AS n FROM segment_history WHERE segment_id = %s AND change = 'left'",
                      (base["id"],)).fetchone()["n"]
    assert left >= 1


def test_cycles_and_unknown_segments_are_refused_naming_the_node(tx):
    first = segment(tx, {"field": "country", "op": "eq", "value": "DE"})
    second = segment(tx, {"any": [{"segment": first["id"]}]})
    third = segment(tx, {"all": [{"segment": second["id"]}]})
    with pytest.raises(ValidationFailed) as caught:
        commands.update_segment(tx, first["id"], {"rule": {"not": {"segment": third["id"]}}})
    assert list(caught.value.errors) == ["rule.not.segment"]
    assert "contain each other" in caught.value.detail
    with pytest.raises(ValidationFailed) as caught:
        commands.update_segment(tx, first["id"], {"rule": {"segment": first["id"]}})
    assert "cannot contain itself" in caught.value.errors["rule.segment"][0]
    missing = str(uuid.uuid4())
    with pytest.raises(ValidationFailed) as caught:
        segment(tx, {"all": [{"field": "country", "op": "eq", "value": "DE"}, {"segment": missing}]})
    assert caught.value.errors == {"rule.all.1.segment": [f"No segment with id {missing}."]}
    with pytest.raises(Conflict):
        commands.delete_segment(tx, second["id"])
    with pytest.raises(Conflict):
        commands.update_segment(tx, second["id"], {"active": False})


def test_a_switched_off_segment_is_not_kept_current_until_switched_on(tx):
    people, _ = make_people(tx)
    germans = segment(tx, {"field": "country", "op": "eq", "value": "DE"})
    commands.update_segment(tx, germans["id"], {"active": False})
    tx.execute("UPDATE people SET country = 'DE' WHERE id = ANY(%s::uuid[])", (people,))
    upkeep.people_changed(tx, people)
    assert not set(people) <= members(tx, germans["id"])
    with pytest.raises(ValidationFailed) as caught:
        segment(tx, {"segment": germans["id"]})
    assert "switched off" in caught.value.errors["rule.segment"][0]
    commands.update_segment(tx, germans["id"], {"active": True})
    assert set(people) <= members(tx, germans["id"])


def test_relative_dates_drift_and_are_refreshed(tx):
    people, accounts = make_people(tx)
    recent = segment(tx, {"field": "last_order_at", "op": "within_last_days", "value": 30})
    with_account = {p for p in people if tx.execute("SELECT account_id FROM people WHERE id = %s",
                                                    (p,)).fetchone()["account_id"]}
    assert members(tx, recent["id"]) & set(people) == with_account
    assert recent["relative_dates"]
    # Time passes: the orders are 40 days old now (as if the clock moved), no person event arrives.
    tx.execute("UPDATE accounts SET last_order_at = last_order_at - interval '20 days' WHERE id = ANY(%s::uuid[])",
               (accounts,))
    assert members(tx, recent["id"]) & set(people) == with_account
    result = commands.refresh_relative(tx)
    assert result[recent["id"]]["left"] == len(with_account)
    assert members(tx, recent["id"]) & set(people) == set()


def test_a_person_gone_from_the_projection_leaves(tx):
    people, _ = make_people(tx)
    everybody = segment(tx, {"all": []})
    assert set(people) <= members(tx, everybody["id"])
    tx.execute("DELETE FROM people WHERE id = %s", (people[0],))
    upkeep.people_changed(tx, [people[0]])
    assert people[0] not in members(tx, everybody["id"])


def test_count_rule_counts_without_storing(tx):
    people, _ = make_people(tx)
    tx.execute("UPDATE people SET lead_score = 77 WHERE id = ANY(%s::uuid[])", (people[:3],))
    before = tx.execute("SELECT count(*) AS n FROM segments").fetchone()["n"]
    count = commands.count_rule(tx, {"all": [{"field": "lead_score", "op": "eq", "value": "77"},
                                             {"field": "email", "op": "contains", "value": "@example.org"}]})
    assert count == {"count": 3}
    assert tx.execute("SELECT count(*) AS n FROM segments").fetchone()["n"] == before
    with pytest.raises(ValidationFailed) as caught:
        commands.count_rule(tx, {"all": [{"field": "lead_score", "op": "eq", "value": Decimal("1") and "x"}]})
    assert list(caught.value.errors) == ["rule.all.0.value"]
