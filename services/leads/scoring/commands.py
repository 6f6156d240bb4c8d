"""Scoring operations: score leads with the rules in force, explain a score,
replace the rules, and rescore the leads scored with older rules (the
background worker)."""

from services.leads.records import store as leads_store
from services.leads.records.store import snapshot
from services.leads.rule_previews import lead_summary, leads_to_preview
from services.leads.rule_sets import rules_state_answer
from services.leads.rules_cache import CompiledRules
from services.leads.scoring import rules as scoring
from services.leads.scoring import store
from shared.kit import outbox
from shared.schemas.errors import ValidationFailed

COMPILED = CompiledRules(scoring.compile_rules)


def scorer(conn, version=None):
    """(score function, rules version) for the current scoring rules,
    compiled once per version; ``version``: the one the caller just read."""
    if version is None:
        version = store.scoring_version(conn)
    return COMPILED.get(conn, version, store.load_rules_state)


def rescored(conn, row, values):
    """The score values to write with ``values`` on the lead ``row``: the
    rules version always, the score when it changes."""
    lead = {**row, **values}
    score, version = scorer(conn)
    new_score = score(lead)
    extra = {"scored_with": version}
    if new_score != row["score"]:
        extra["score"] = new_score
    return extra


def explain(conn, lead_id):
    row = leads_store.get_lead(conn, lead_id)
    rules = store.load_scoring_rules(conn)
    return {"score": row["score"], "contributions": scoring.explain_score(dict(row), rules)}


def rules_answer(conn):
    """The rules in force and who changed them when (ScoringRulesStateSchema)."""
    return rules_state_answer(store.load_rules_state(conn))


def check_rules(rules):
    errors = scoring.validate_rules(rules)
    if errors:
        raise ValidationFailed("Some scoring rules are invalid.", errors)


def set_scoring_rules(conn, rules, actor):
    check_rules(rules)
    state = store.replace_scoring_rules(conn, rules, actor)
    store.mark_seeded(conn)
    return rules_state_answer(state)


def preview(conn, rules, lead_ids=None):
    """What ``rules`` (a whole rule set, checked as a PUT checks it) would
    score some leads (see ``rule_previews.leads_to_preview``), beside their
    score now, with the rules that match; nothing is stored
    (ScoringPreviewSchema)."""
    check_rules(rules)
    score = scoring.compile_rules(rules)
    items = []
    for row in leads_to_preview(conn, lead_ids):
        lead = dict(row)
        items.append({**lead_summary(row), "current": {"score": row["score"]},
                      "preview": {"score": score(lead), "rules": scoring.explain_score(lead, rules)}})
    return {"items": items}


def seed_scoring_rules(conn):
    """Install the default rules once, the first time the service starts."""
    if not store.lock_seeded(conn):
        store.replace_scoring_rules(conn, scoring.DEFAULT_SCORING_RULES, "system")
        store.mark_seeded(conn)


def rescore_stale(conn, limit=500):
    """Rescore a chunk of leads scored with older rules; returns how many."""
    score, version = scorer(conn)
    rows = store.stale_leads(conn, version, limit)
    events, unchanged = [], []
    for row in rows:
        new_score = score(dict(row))
        if new_score == row["score"]:
            unchanged.append(row["id"])
            continue
        updated = leads_store.update_lead(conn, row["id"], {"score": new_score, "scored_with": version})
        events.append(("lead.updated", {"lead": snapshot(updated), "changed": ["score"]}))
    if unchanged:  # most leads keep their score: one statement for all of them
        store.mark_scored_with(conn, version, unchanged)
    outbox.add_many(conn, events)
    return len(rows)
