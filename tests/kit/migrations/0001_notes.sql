CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL);
CREATE TABLE effects (event_id uuid NOT NULL, body text NOT NULL);
