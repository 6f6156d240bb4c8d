-- Phone numbers are stored in E.164 (read with the lead's country as the
-- default region) and the text as it was given beside them. Leads saved
-- before keep their phone as it was typed; that text is their phone_text too.
ALTER TABLE leads ADD COLUMN phone_text text;
UPDATE leads SET phone_text = phone WHERE phone IS NOT NULL;

-- Owners are users of the suite: an import is given the usernames of the
-- active users when it starts, and a row naming another owner becomes a row
-- error. NULL: the rows' owners are not checked (jobs started before).
ALTER TABLE import_jobs ADD COLUMN owners text[];
