-- The agent's queue: cases by the least business time left (GET /cases?sort=due).
--
-- ``cases.due_at`` is the case's next due moment: the earliest ``due_at`` of
-- its running clocks (case_sla of 0004: running_since set, not achieved, not
-- stopped), NULL when every clock is paused, over or without a target.  The
-- queue sorts on it (NULLs last) instead of a subquery per case, so a page
-- of the queue is an index range of a page's rows, whatever the number of
-- open cases.
--
-- It is kept by the triggers below in the transaction that writes the clocks
-- (every INSERT / UPDATE / DELETE of case_sla, whoever writes it: the SLA
-- functions, the calendar re-schedule, a bulk COPY), one statement at a time:
-- the cases a statement touched are recomputed from their clocks, and written
-- only when the moment changed (``version`` and ``updated_at`` stay: it is
-- derived, not an edit of the case).
ALTER TABLE cases ADD COLUMN due_at timestamptz;

UPDATE cases SET due_at = s.due
  FROM (SELECT case_id, min(due_at) AS due FROM case_sla
         WHERE running_since IS NOT NULL AND achieved_at IS NULL AND NOT stopped GROUP BY case_id) AS s
 WHERE s.case_id = cases.id AND s.due IS NOT NULL;

CREATE FUNCTION cases_due_refresh() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE cases c SET due_at = x.due
          FROM (SELECT t.case_id,
                       (SELECT min(s.due_at) FROM case_sla s WHERE s.case_id = t.case_id
                           AND s.running_since IS NOT NULL AND s.achieved_at IS NULL AND NOT s.stopped) AS due
                  FROM (SELECT DISTINCT case_id FROM old_clocks) AS t) AS x
         WHERE c.id = x.case_id AND c.due_at IS DISTINCT FROM x.due;
    ELSE
        UPDATE cases c SET due_at = x.due
          FROM (SELECT t.case_id,
                       (SELECT min(s.due_at) FROM case_sla s WHERE s.case_id = t.case_id
                           AND s.running_since IS NOT NULL AND s.achieved_at IS NULL AND NOT s.stopped) AS due
                  FROM (SELECT DISTINCT case_id FROM new_clocks) AS t) AS x
         WHERE c.id = x.case_id AND c.due_at IS DISTINCT FROM x.due;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER case_sla_due_insert AFTER INSERT ON case_sla REFERENCING NEW TABLE AS new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION cases_due_refresh();
CREATE TRIGGER case_sla_due_update AFTER UPDATE ON case_sla REFERENCING NEW TABLE AS new_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION cases_due_refresh();
CREATE TRIGGER case_sla_due_delete AFTER DELETE ON case_sla REFERENCING OLD TABLE AS old_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION cases_due_refresh();

-- The queue's orders: (due_at, id) NULLs last, both parts of a page (the
-- rows with a moment, then those without: ``due_at IS NULL`` is a range of
-- the same index) and a cursor are one index range.  One index per filter
-- the queue is read by (the team's queue, the agent's own, a status); the
-- list hides merged cases unless asked, so merged ones are left out.
CREATE INDEX cases_queue ON cases (due_at, id) WHERE merged_into IS NULL;
CREATE INDEX cases_queue_status ON cases (status, due_at, id) WHERE merged_into IS NULL;
CREATE INDEX cases_queue_team ON cases (team_id, due_at, id) WHERE merged_into IS NULL;
CREATE INDEX cases_queue_owner ON cases (owner_id, due_at, id) WHERE merged_into IS NULL;
