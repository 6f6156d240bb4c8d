-- Saved views: a person's named query strings of a list (the query string of
-- GET /api/v1/<list>). The built-in views everyone has are not stored
-- (gateway/saved_views.py); a name is unique per person and list in any
-- letter case.
CREATE TABLE saved_views (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list       text NOT NULL CHECK (list IN ('leads', 'accounts', 'contacts', 'opportunities', 'activities')),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    query      text NOT NULL CHECK (length(query) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_views_name ON saved_views (user_id, list, lower(name));
