"""Segment membership upkeep: called by every write to the people projection.

``people_changed`` runs in the caller's transaction and re-evaluates every
active dynamic segment for just the people named, in nesting order (a
segment named by another first), one set-based statement per nesting level
(the segments of a level never name each other); joins
and leaves are recorded with their time, so membership never needs a
rebuild job.

Concurrency: the people rows are locked (in id order) before evaluating, so
a change to a person and a change to their account's signals in two
transactions are evaluated one after the other, the second seeing the
first; the segments table is locked in ROW SHARE mode, so a new segment or
an edit of a rule (which locks it in EXCLUSIVE mode and recomputes in full)
waits for the evaluations in flight, and evaluations after it use the new
rule and see the new segment."""

from services.campaigns.segments import rules, store

_compiled = {}
_CACHE_SIZE = 512


def compiled(segment, catalogue=None):
    """``(sql, params)`` of a stored (checked) segment's rule, cached per version."""
    key = (str(segment["id"]), segment["version"])
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) >= _CACHE_SIZE:
            _compiled.clear()
        found = _compiled[key] = rules.compile_rule(segment["rule"], catalogue or rules.Catalogue.of_people())
    return found


def people_changed(conn, person_ids):
    """Re-evaluate the dynamic segments for these people (ids of ``people``)
    in the caller's transaction: joins and leaves are recorded with their
    time, so membership never needs a rebuild job.  A person no longer in
    ``people`` leaves every segment.  Returns ``{segment id: {"joined": n,
    "left": n}}`` for the segments that changed."""
    ids = sorted({str(person_id) for person_id in person_ids or ()})
    if not ids:
        return {}
    store.lock_for_upkeep(conn)
    segments = store.active_segments(conn)
    if not segments:
        return {}
    conn.execute("SELECT 1 FROM people WHERE id = ANY(%s::uuid[]) ORDER BY id FOR NO KEY UPDATE", (ids,)).fetchall()
    changed = {}
    for depth in sorted({segment["depth"] for segment in segments}):
        level = [(segment["id"], *compiled(segment)) for segment in segments if segment["depth"] == depth]
        changed.update(store.evaluate_level(conn, level, ids))
    return changed
