-- Quotes: what was offered to a customer (an account of sales, kept in the
-- projection; no foreign key to it, like every document), optionally for an
-- opportunity of sales (its id as given: orders keeps no opportunities).
--
-- A quote has a readable number (Q-000123) shared by all its revisions and a
-- revision (1, 2, ...).  Revising a sent, expired or rejected quote makes a
-- new draft revision with the same lines and prices; the old one keeps its
-- status and is marked ``superseded_by`` the new one: it stays readable and
-- can no longer be accepted, rejected or revised.  Quotes of one opportunity
-- that are not superseded are its alternatives; accepting one rejects the
-- others (draft or sent).
--
-- Totals and tax lines are stored with the quote and never recomputed.
CREATE SEQUENCE quote_numbers;

CREATE TABLE quotes (
    id                 uuid PRIMARY KEY,
    number_seq         bigint NOT NULL,
    number             text NOT NULL,
    revision           integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'sent', 'accepted', 'rejected', 'expired')),
    account_id         uuid NOT NULL,
    opportunity_id     uuid,
    contact_id         uuid,
    title              text,
    notes              text,
    terms              text,
    currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    price_book_id      uuid NOT NULL,
    prices_include_tax boolean NOT NULL,
    tax_country        char(2) NOT NULL CHECK (tax_country ~ '^[A-Z]{2}$'),
    priced_on          date NOT NULL,
    valid_until        date NOT NULL,
    net_total          numeric(24,4) NOT NULL DEFAULT 0,
    tax_total          numeric(24,4) NOT NULL DEFAULT 0,
    gross_total        numeric(24,4) NOT NULL DEFAULT 0,
    discount_total     numeric(24,4) NOT NULL DEFAULT 0,
    tax_lines          jsonb NOT NULL DEFAULT '[]',
    revision_of        uuid REFERENCES quotes (id),
    -- Deferred: a revision marks its predecessor before it is inserted (one live revision per number).
    superseded_by      uuid REFERENCES quotes (id) DEFERRABLE INITIALLY DEFERRED,
    sent_at            timestamptz,
    sent_by            text,
    accepted_at        timestamptz,
    accepted_by        text,
    rejected_at        timestamptz,
    rejected_by        text,
    rejection_reason   text,
    expired_at         timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (number, revision)
);
-- At most one live (not superseded) revision per number.
CREATE UNIQUE INDEX quotes_one_live_revision ON quotes (number) WHERE superseded_by IS NULL;
CREATE INDEX quotes_account ON quotes (account_id, created_at);
CREATE INDEX quotes_opportunity ON quotes (opportunity_id) WHERE opportunity_id IS NOT NULL;
-- The expiry sweep: sent, live quotes by validity.
CREATE INDEX quotes_sent_validity ON quotes (valid_until) WHERE status = 'sent' AND superseded_by IS NULL;
-- The list's sorts (each with the id breaking ties).
CREATE INDEX quotes_by_created ON quotes (created_at, id);
CREATE INDEX quotes_by_updated ON quotes (updated_at, id);
CREATE INDEX quotes_by_number ON quotes (number_seq, id);
CREATE INDEX quotes_by_valid_until ON quotes (valid_until, id);
CREATE INDEX quotes_number_search ON quotes (number text_pattern_ops);

CREATE TABLE quote_lines (
    id               uuid PRIMARY KEY,
    quote_id         uuid NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    product_id       uuid,
    sku              text,
    name             text NOT NULL,
    description      text,
    unit             text,
    quantity         numeric(18,4) NOT NULL CHECK (quantity > 0),
    unit_price       numeric(24,6) NOT NULL,
    price_overridden boolean NOT NULL DEFAULT false,
    discount_percent numeric(7,4),
    discount_amount  numeric(24,6),
    tax_category     text,
    tax_rate         numeric(7,4) NOT NULL,
    discount_total   numeric(24,4) NOT NULL,
    net_amount       numeric(24,4) NOT NULL,
    tax_amount       numeric(24,4) NOT NULL,
    gross_amount     numeric(24,4) NOT NULL,
    source_line_id   uuid,
    UNIQUE (quote_id, position)
);
