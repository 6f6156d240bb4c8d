-- The knowledge base: categories, articles in Markdown (rendered and
-- sanitised HTML kept beside the source), the draft copy of a published
-- article, every published version, links to the cases an article solved,
-- "was this helpful" votes and view counts.

-- The text search configuration of an article's language (ISO 639-1); any
-- language without one of PostgreSQL's stemmers is searched as 'simple'.
-- Kept in step with services/support/kb/language.py (REGCONFIGS).
CREATE FUNCTION kb_regconfig(language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE language
        WHEN 'ar' THEN 'arabic' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque' WHEN 'ca' THEN 'catalan'
        WHEN 'da' THEN 'danish' WHEN 'nl' THEN 'dutch' WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish'
        WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'hi' THEN 'hindi'
        WHEN 'hu' THEN 'hungarian' WHEN 'id' THEN 'indonesian' WHEN 'ga' THEN 'irish' WHEN 'it' THEN 'italian'
        WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali' WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian'
        WHEN 'nn' THEN 'norwegian' WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian' WHEN 'ru' THEN 'russian'
        WHEN 'sr' THEN 'serbian' WHEN 'es' THEN 'spanish' WHEN 'sv' THEN 'swedish' WHEN 'ta' THEN 'tamil'
        WHEN 'tr' THEN 'turkish' WHEN 'yi' THEN 'yiddish'
        ELSE 'simple' END)::regconfig
$$;

-- Tags as one text to index (array_to_string is only STABLE).
CREATE FUNCTION kb_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(tag, ' '), '') FROM unnest(tags) AS tag
$$;

CREATE TABLE kb_categories (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL UNIQUE,
    description text,
    position integer NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 1,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX kb_categories_name ON kb_categories (lower(name));

-- An article.  Its row holds what readers and search see: for a published
-- (or archived) article the last published content; before the first
-- publish the working text.  Edits of a published article go to its draft
-- copy (article_drafts) until that is published.
CREATE TABLE articles (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    title text NOT NULL,
    body text NOT NULL,                 -- Markdown
    body_html text NOT NULL,            -- rendered and sanitised
    body_text text NOT NULL,            -- the rendered text without markup: searched, and cut into snippets
    tags text[] NOT NULL DEFAULT '{}',
    category_id uuid REFERENCES kb_categories (id),
    language text NOT NULL DEFAULT 'en',
    visibility text NOT NULL DEFAULT 'internal' CHECK (visibility IN ('internal', 'public')),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'published', 'archived')),
    author text,
    published_number integer,           -- the article_versions number readers see (none before a publish)
    published_at timestamptz,
    published_by text,
    archived_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- The text search configuration of its language (searches join on it).
    search_config regconfig GENERATED ALWAYS AS (kb_regconfig(language)) STORED,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(kb_regconfig(language), title), 'A')
        || setweight(to_tsvector(kb_regconfig(language), kb_tags_text(tags)), 'B')
        || setweight(to_tsvector(kb_regconfig(language), body_text), 'C')) STORED,
    -- The title and tags alone (small, kept in the row): a search ranks the
    -- articles they answer first without reading the bodies' vectors.
    head_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(kb_regconfig(language), title), 'A')
        || setweight(to_tsvector(kb_regconfig(language), kb_tags_text(tags)), 'B')) STORED
);
CREATE INDEX articles_search ON articles USING gin (search_vector);
CREATE INDEX articles_search_head ON articles USING gin (head_vector);
CREATE INDEX articles_tags ON articles USING gin (tags);
CREATE INDEX articles_category ON articles (category_id);
CREATE INDEX articles_language ON articles (language);  -- the languages in use, by a loose index scan
CREATE INDEX articles_status_updated ON articles (status, updated_at DESC, id);
CREATE INDEX articles_updated ON articles (updated_at DESC, id);

-- The pending edit of a published article (at most one), its own little
-- life: draft -> in_review -> (published into the article row).
CREATE TABLE article_drafts (
    article_id uuid PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    category_id uuid REFERENCES kb_categories (id),
    language text NOT NULL,
    visibility text NOT NULL CHECK (visibility IN ('internal', 'public')),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review')),
    created_by text,
    updated_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every publish of an article: what was published, when and by whom.
CREATE TABLE article_versions (
    article_id uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number integer NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    language text NOT NULL,
    visibility text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by text,
    PRIMARY KEY (article_id, number)
);

-- The cases an article solved (linked by an agent), both ways.
CREATE TABLE article_cases (
    article_id uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    linked_by text,
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, case_id)
);
CREATE INDEX article_cases_case ON article_cases (case_id, linked_at);

-- "Was this helpful": one row per vote (a signed-in voter or a public reader).
CREATE TABLE article_votes (
    id uuid PRIMARY KEY,
    article_id uuid NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    helpful boolean NOT NULL,
    comment text,
    voter text,                         -- a username, or NULL for a public reader
    public boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_votes_article ON article_votes (article_id, created_at DESC);

-- Counters per article, kept off the articles row (whose generated search
-- vector would be computed again on every update).
CREATE TABLE article_stats (
    article_id uuid PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    views bigint NOT NULL DEFAULT 0,
    helpful_yes bigint NOT NULL DEFAULT 0,
    helpful_no bigint NOT NULL DEFAULT 0
);
