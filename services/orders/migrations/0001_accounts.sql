-- The orders service's projection of sales' accounts (the customer master):
-- enough to validate an account and show its name without calling sales.
-- Fed by sales.events (account.created / updated / merged) through the
-- inbox, caught up from the beginning on first start.  ``source_version`` is
-- the account's version at sales, so an older event never overwrites a newer one.
CREATE TABLE accounts (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    type           text NOT NULL,
    country        char(2),
    merged_into    uuid,
    source_version integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_merged_into ON accounts (merged_into) WHERE merged_into IS NOT NULL;
