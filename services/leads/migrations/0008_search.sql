-- The global search (the search RPC): names, emails and companies are found
-- through the trigram index leads_search (0001); these find a phone number
-- by any run of its digits, and every lead with an email at a domain.
CREATE INDEX leads_phone_search ON leads USING gin (phone_norm gin_trgm_ops) WHERE phone_norm IS NOT NULL;
CREATE INDEX leads_email_domain ON leads (split_part(email_norm, '@', 2)) WHERE email_norm IS NOT NULL;
