-- The global search (the search RPC). Names, emails, account names and
-- domains are found through the trigram indexes of 0001 (accounts_search,
-- contacts_search, opportunities_search) and the accounts' unique domains;
-- these find a contact by any run of the digits of one of its phones, and
-- every contact with a (primary) email at a domain.

-- A contact's phone numbers as digits, one number per word: what the
-- contacts_phone_search index holds (array_to_string is only stable in
-- general; for text[] its result depends on nothing but the array).
CREATE FUNCTION contact_phone_digits(phones text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN regexp_replace(array_to_string(phones, ' '), '[^0-9 ]', '', 'g');

CREATE INDEX contacts_phone_search ON contacts USING gin (contact_phone_digits(phones) gin_trgm_ops);
CREATE INDEX contacts_email_domain ON contacts (split_part(email_norm, '@', 2)) WHERE email_norm IS NOT NULL;
