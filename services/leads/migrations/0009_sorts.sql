-- The sorts of the lead list (sort=[-]created_at, updated_at, score, name,
-- company), each read from an index on (key, id) in either direction, so the
-- first page and every later page (a keyset cursor) take an index scan.
--
-- A lead's name sorts by last name, then first name, ignoring letter case;
-- its company likewise. A blank one is NULL: those leads come after all the
-- others in both directions (see shared.kit.pagination, nulls_last). The
-- keys stop at 100 characters, which bounds the cursors that carry them
-- (shared.schemas.common.SORTED_CURSOR_MAX).
ALTER TABLE leads
    ADD COLUMN sort_name text GENERATED ALWAYS AS (
        nullif(left(lower(btrim(coalesce(last_name, '') || ' ' || coalesce(first_name, ''))), 100), '')) STORED,
    ADD COLUMN sort_company text GENERATED ALWAYS AS (nullif(left(lower(btrim(company)), 100), '')) STORED;

CREATE INDEX leads_name_page ON leads (sort_name, id);
CREATE INDEX leads_company_page ON leads (sort_company, id);
CREATE INDEX leads_updated_page ON leads (updated_at, id);
-- (score, id) serves the score filters as (score) did, and the sort.
CREATE INDEX leads_score_page ON leads (score, id);
DROP INDEX leads_score;
