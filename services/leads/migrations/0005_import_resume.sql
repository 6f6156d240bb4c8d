-- Interrupted uploads.  A job started under an upload key (the gateway
-- passes the user's Idempotency-Key) is found again by a retry of the same
-- request, which resumes it.  'abandoned': the upload feeding the job broke
-- off; a retry resumes it.  A job receiving or abandoned that hears nothing
-- from its upload for the configured idle time fails (last_upload_at: when
-- it last did).
ALTER TABLE import_jobs
    ADD COLUMN upload_key     text,
    ADD COLUMN last_upload_at timestamptz NOT NULL DEFAULT now(),
    DROP CONSTRAINT import_jobs_status_check,
    ADD CONSTRAINT import_jobs_status_check
        CHECK (status IN ('receiving', 'abandoned', 'processing', 'done', 'failed'));
CREATE UNIQUE INDEX import_jobs_upload_key ON import_jobs (upload_key) WHERE upload_key IS NOT NULL;
CREATE INDEX import_jobs_uploading ON import_jobs (last_upload_at) WHERE status IN ('receiving', 'abandoned');
