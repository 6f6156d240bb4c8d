-- Sales orders, their shipments and returns (RMA).
--
-- An order is made from an accepted quote (``quote_id``, at most one order
-- per quote) or directly.  Its lines have the columns every document line
-- has (see services/orders/lines.py) plus what happened to each of them:
-- ``shipped_quantity`` (in shipments), ``delivered_quantity`` (in delivered
-- shipments) and ``returned_quantity`` (in returns).  The CHECKs are the last
-- guard against over-shipping and over-returning: the commands check first,
-- with the order row locked, and say how many are left.
--
-- No foreign keys to the quotes or catalog tables: their ids are kept as
-- given (the rows they name may be rewritten by their own migrations), and
-- the account is the projection's id (no FK, like every document).

CREATE SEQUENCE order_numbers;
CREATE SEQUENCE return_numbers;

CREATE TABLE orders (
    id                 uuid PRIMARY KEY,
    number_seq         bigint NOT NULL UNIQUE,  -- from order_numbers; number is SO- and it, zero-padded
    number             text NOT NULL UNIQUE,
    account_id         uuid NOT NULL,
    quote_id           uuid,
    opportunity_id     uuid,
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'submitted', 'partly_shipped', 'shipped', 'delivered', 'cancelled')),
    currency           char(3) NOT NULL,
    price_book_id      uuid,
    tax_country        char(2) NOT NULL,
    prices_include_tax boolean NOT NULL,
    shipping_address   jsonb,
    billing_address    jsonb,
    payment_terms_days integer NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
    customer_reference text,
    notes              text,
    net_total          numeric(24,4) NOT NULL,
    tax_total          numeric(24,4) NOT NULL,
    gross_total        numeric(24,4) NOT NULL,
    discount_total     numeric(24,4) NOT NULL,
    tax_lines          jsonb NOT NULL,
    placed_at          timestamptz,  -- when submitted
    delivered_at       timestamptz,
    cancelled_at       timestamptz,
    cancel_reason      text,
    version            integer NOT NULL DEFAULT 1,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- One order per quote; a second attempt is answered with the existing one.
CREATE UNIQUE INDEX orders_quote ON orders (quote_id) WHERE quote_id IS NOT NULL;
CREATE INDEX orders_account ON orders (account_id, created_at DESC, id DESC);
CREATE INDEX orders_status ON orders (status, created_at DESC, id DESC);
CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
CREATE INDEX orders_updated ON orders (updated_at DESC, id DESC);
CREATE INDEX orders_number_search ON orders (number text_pattern_ops);

CREATE TABLE order_lines (
    id                 uuid PRIMARY KEY,
    order_id           uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
    position           integer NOT NULL,
    product_id         uuid,
    sku                text,
    name               text NOT NULL,
    description        text,
    unit               text,
    quantity           numeric(18,4) NOT NULL CHECK (quantity > 0),
    unit_price         numeric(24,6) NOT NULL,
    price_overridden   boolean NOT NULL DEFAULT false,
    discount_percent   numeric(7,4),
    discount_amount    numeric(24,6),
    tax_category       text,
    tax_rate           numeric(7,4) NOT NULL,
    discount_total     numeric(24,4) NOT NULL,
    net_amount         numeric(24,4) NOT NULL,
    tax_amount         numeric(24,4) NOT NULL,
    gross_amount       numeric(24,4) NOT NULL,
    source_line_id     uuid,
    shipped_quantity   numeric(18,4) NOT NULL DEFAULT 0,
    delivered_quantity numeric(18,4) NOT NULL DEFAULT 0,
    returned_quantity  numeric(18,4) NOT NULL DEFAULT 0,
    CONSTRAINT order_lines_shipped CHECK (shipped_quantity BETWEEN 0 AND quantity),
    CONSTRAINT order_lines_delivered CHECK (delivered_quantity BETWEEN 0 AND shipped_quantity),
    CONSTRAINT order_lines_returned CHECK (returned_quantity BETWEEN 0 AND delivered_quantity),
    UNIQUE (order_id, position)
);
CREATE INDEX order_lines_source ON order_lines (source_line_id) WHERE source_line_id IS NOT NULL;

CREATE TABLE shipments (
    id              uuid PRIMARY KEY,
    order_id        uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
    number          text NOT NULL UNIQUE,  -- the order's number and the shipment's ordinal: SO-000123-1
    status          text NOT NULL DEFAULT 'shipped' CHECK (status IN ('shipped', 'delivered')),
    carrier         text,
    tracking_number text,
    shipped_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_by      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_order ON shipments (order_id, created_at);

CREATE TABLE shipment_lines (
    id            uuid PRIMARY KEY,
    shipment_id   uuid NOT NULL REFERENCES shipments ON DELETE CASCADE,
    order_line_id uuid NOT NULL REFERENCES order_lines,
    quantity      numeric(18,4) NOT NULL CHECK (quantity > 0),
    UNIQUE (shipment_id, order_line_id)
);
CREATE INDEX shipment_lines_order_line ON shipment_lines (order_line_id);

CREATE TABLE returns (
    id             uuid PRIMARY KEY,
    number_seq     bigint NOT NULL UNIQUE,  -- from return_numbers; number is RMA- and it, zero-padded
    number         text NOT NULL UNIQUE,
    order_id       uuid NOT NULL REFERENCES orders,
    account_id     uuid NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'received', 'closed')),
    reason         text NOT NULL CHECK (reason IN ('damaged', 'wrong_item', 'not_needed', 'defective', 'other')),
    note           text,
    resolution     text NOT NULL CHECK (resolution IN ('refund', 'replacement')),
    credit_note_id uuid,
    received_at    timestamptz,
    closed_at      timestamptz,
    version        integer NOT NULL DEFAULT 1,
    created_by     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX returns_order ON returns (order_id, created_at);
CREATE INDEX returns_account ON returns (account_id, created_at DESC, id DESC);
CREATE INDEX returns_status ON returns (status, created_at DESC, id DESC);
CREATE INDEX returns_created ON returns (created_at DESC, id DESC);

CREATE TABLE return_lines (
    id            uuid PRIMARY KEY,
    return_id     uuid NOT NULL REFERENCES returns ON DELETE CASCADE,
    order_line_id uuid NOT NULL REFERENCES order_lines,
    quantity      numeric(18,4) NOT NULL CHECK (quantity > 0),
    UNIQUE (return_id, order_line_id)
);
CREATE INDEX return_lines_order_line ON return_lines (order_line_id);
