-- A lead's do-not-email flag: set when its address withdrew marketing-email
-- consent in the campaigns service's ledger (consent.changed), cleared when
-- it granted it again (services/leads/consent/events.py).  The index serves
-- that look-up by address over every lead, open or not.
ALTER TABLE leads ADD COLUMN do_not_email boolean NOT NULL DEFAULT false;
CREATE INDEX leads_email_norm ON leads (email_norm) WHERE email_norm IS NOT NULL;
