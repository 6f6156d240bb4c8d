-- Responses, touches and attribution.
--
-- responses        what people did in answer to a campaign: a web form, a
--                  click, an open, a reply, attendance at an event; the
--                  person when campaigns knows them, else the raw address and
--                  name (leads makes a lead of it); dedup_key makes the same
--                  response recorded twice one row.
-- touches          the moments a campaign reached a person (sent, opened,
--                  clicked, responded, attended, converted), once per kind:
--                  attribution's input and the funnel's timestamps.
-- revenue_items    an order (order.placed) or, for an order campaigns never
--                  saw placed, a paid invoice (invoice.paid): one basis per
--                  order, never both.
-- attributions     each revenue item's amount shared out among the campaigns
--                  that touched the account's people before it, per model.
-- influenced       opportunities created or won for accounts whose people a
--                  campaign touched within the window (the full amount each).
CREATE TABLE responses (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    kind            text NOT NULL CHECK (kind IN ('form', 'click', 'open', 'reply', 'attended')),
    person_id       uuid REFERENCES people (id),
    email           text,
    email_norm      text CHECK (email_norm = lower(email_norm)),
    first_name      text,
    last_name       text,
    company         text,
    data            jsonb NOT NULL DEFAULT '{}',
    at              timestamptz NOT NULL,
    source          text NOT NULL,   -- staff, tracking, web_form, import
    recorded_by     text,
    dedup_key       text NOT NULL UNIQUE,
    lead_id         uuid,            -- the lead the response became (leads' lead.created)
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (person_id IS NOT NULL OR email_norm IS NOT NULL)
);
CREATE INDEX responses_campaign ON responses (campaign_id, at DESC, id DESC);
CREATE INDEX responses_unlinked ON responses (campaign_id, email_norm) WHERE person_id IS NULL;

CREATE TABLE touches (
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    person_id       uuid NOT NULL REFERENCES people (id),
    kind            text NOT NULL CHECK (kind IN ('sent', 'opened', 'clicked', 'responded', 'attended', 'converted')),
    at              timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, person_id, kind)
);
CREATE INDEX touches_person ON touches (person_id, at);

CREATE TABLE revenue_items (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    basis           text NOT NULL CHECK (basis IN ('order', 'invoice')),
    source_id       uuid NOT NULL,   -- the order's or the invoice's id
    order_id        uuid NOT NULL,
    account_id      uuid NOT NULL,
    amount          numeric(18, 4) NOT NULL,
    currency        char(3) NOT NULL,
    at              timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'counted' CHECK (status IN ('counted', 'superseded', 'cancelled')),
    touches         integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (basis, source_id)
);
CREATE INDEX revenue_items_order ON revenue_items (order_id);

CREATE TABLE attributions (
    revenue_item_id uuid NOT NULL REFERENCES revenue_items (id) ON DELETE CASCADE,
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    model           text NOT NULL CHECK (model IN ('first_touch', 'last_touch', 'linear', 'u_shaped', 'time_decay')),
    amount          numeric(18, 4) NOT NULL,
    currency        char(3) NOT NULL,
    PRIMARY KEY (revenue_item_id, campaign_id, model)
);
CREATE INDEX attributions_campaign ON attributions (campaign_id, model);

CREATE TABLE influenced (
    opportunity_id  uuid NOT NULL,
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    stage           text NOT NULL CHECK (stage IN ('created', 'won')),
    account_id      uuid NOT NULL,
    amount          numeric(18, 2) NOT NULL,
    currency        char(3) NOT NULL,
    at              timestamptz NOT NULL,
    PRIMARY KEY (opportunity_id, campaign_id, stage)
);
CREATE INDEX influenced_campaign ON influenced (campaign_id, stage);
