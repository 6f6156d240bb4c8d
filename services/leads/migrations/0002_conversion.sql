-- Lead conversion: what a converted lead became in the sales service.  The
-- ids are the sales service's records (not foreign keys: another service's
-- data); they are set once, together with status 'converted', by the
-- conversion flow (services/leads/conversion.py).  The opportunity is
-- optional: a conversion may create none.
ALTER TABLE leads
    ADD COLUMN converted_account_id     uuid,
    ADD COLUMN converted_contact_id     uuid,
    ADD COLUMN converted_opportunity_id uuid,
    ADD COLUMN converted_at             timestamptz,
    ADD CONSTRAINT leads_converted_links CHECK (
        status <> 'converted'
        OR (converted_account_id IS NOT NULL AND converted_contact_id IS NOT NULL AND converted_at IS NOT NULL));

-- The leads an account was converted from.
CREATE INDEX leads_converted_account ON leads (converted_account_id) WHERE converted_account_id IS NOT NULL;
