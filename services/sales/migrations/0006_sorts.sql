-- The sorts of the account, contact and opportunity lists, each read from an
-- index on (key, id) in either direction, so the first page and every later
-- page (a keyset cursor) take an index scan. Accounts and contacts sort by
-- created_at through accounts_page and contacts_page (0001), opportunities
-- by created_at and updated_at through opportunities_page and
-- opportunities_updated (0004).
--
-- An account sorts by name through its normalised name (name_norm: letter
-- case and legal forms aside), a contact by last name, then first name, an
-- opportunity by its name, ignoring letter case. The keys stop at 100
-- characters, which bounds the cursors that carry them
-- (shared.schemas.common.SORTED_CURSOR_MAX).
ALTER TABLE accounts ADD COLUMN sort_name text GENERATED ALWAYS AS (left(name_norm, 100)) STORED;
CREATE INDEX accounts_sort_name_page ON accounts (sort_name, id);
CREATE INDEX accounts_updated_page ON accounts (updated_at, id);

ALTER TABLE contacts ADD COLUMN sort_name text GENERATED ALWAYS AS (
    left(lower(btrim(coalesce(last_name, '') || ' ' || coalesce(first_name, ''))), 100)) STORED;
CREATE INDEX contacts_name_page ON contacts (sort_name, id);
CREATE INDEX contacts_updated_page ON contacts (updated_at, id);

ALTER TABLE opportunities ADD COLUMN sort_name text GENERATED ALWAYS AS (left(lower(name), 100)) STORED;
CREATE INDEX opportunities_name_page ON opportunities (sort_name, id);
CREATE INDEX opportunities_close_page ON opportunities (expected_close_date, id);
