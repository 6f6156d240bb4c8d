-- The template version a send renders: fixed when the send starts, so an edit
-- of the template while it runs changes none of its emails (NULL until then).
ALTER TABLE email_sends ADD COLUMN template_version integer;
