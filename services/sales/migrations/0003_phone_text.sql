-- A contact's phones are stored in E.164 (read with its account's country as
-- the default region) and the texts as they were given beside them, in the
-- same order. Contacts saved before keep their phones as they were typed;
-- those texts are their phones_text too.
ALTER TABLE contacts ADD COLUMN phones_text text[] NOT NULL DEFAULT '{}';
UPDATE contacts SET phones_text = phones WHERE phones <> '{}';
