-- Who created or last changed a pipeline's configuration (NULL for the
-- seeded default and for pipelines saved before this was recorded).
ALTER TABLE pipelines ADD COLUMN changed_by text;
