-- The support service's projection of the customer master (sales' accounts
-- and contacts, from sales.events) and of orders (orders.events): enough to
-- validate what a case refers to, show names, route by account type or tier
-- and find the contact of an inbound email without calling another service.
-- Fed through the inbox; caught up from sales on first start (customers_sync).
-- ``source_version`` is the record's version at its owner, so an older event
-- never overwrites a newer one.
CREATE TABLE accounts (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    type           text NOT NULL,
    tier           text,          -- sales has no tier field: attributes.tier when it is a text, else NULL
    industry       text,
    country        char(2),
    owner          text,
    merged_into    uuid,
    source_version integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_merged_into ON accounts (merged_into) WHERE merged_into IS NOT NULL;

-- email: the contact's primary email, lower-cased (sales keeps it unique among
-- contacts; the projection does not enforce it, as events of two contacts may
-- arrive out of order while one takes over the other's address).
CREATE TABLE contacts (
    id             uuid PRIMARY KEY,
    account_id     uuid,
    first_name     text,
    last_name      text,
    email          text CHECK (email = lower(email)),
    phone          text,
    source_version integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_email ON contacts (email) WHERE email IS NOT NULL;
CREATE INDEX contacts_account ON contacts (account_id);

-- Orders as orders.events tell them (placed and later: drafts are never published).
CREATE TABLE orders (
    id             uuid PRIMARY KEY,
    number         text NOT NULL,
    account_id     uuid NOT NULL,
    status         text NOT NULL,
    placed_at      timestamptz,
    source_version integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_account ON orders (account_id);
CREATE INDEX orders_number ON orders (number);

-- The first-start catch-up from sales: one row per kind read by paged RPC.
CREATE TABLE customers_sync (
    kind       text PRIMARY KEY CHECK (kind IN ('accounts', 'contacts')),
    cursor     text,
    pages      integer NOT NULL DEFAULT 0,
    items      integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    done_at    timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers_sync (kind) VALUES ('accounts'), ('contacts');
